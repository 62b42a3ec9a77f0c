"""Which platform each person is nudged on (SPEC §6): last used, else linked Slack, else Teams."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pytest

from bot.domain import CheckIn, NudgeKind, Person, Platform
from bot.ports import DeliveryOutcome, Failed, Messenger, NudgeMessage, Sent
from bot.routing import NO_PLATFORM, RoutingMessenger

MANAGER = Person(id=1, email="maria@example.com", name="Maria")
CHECK_IN = CheckIn(
    id=5,
    review_id=3,
    employee_id=2,
    manager_id=1,
    starts_at=dt.datetime(2027, 3, 4, 9, tzinfo=dt.UTC),
)


@dataclass
class RecordingMessenger:
    """A messenger that keeps what it was given, standing in for a chat platform."""

    name: str
    received: list[NudgeMessage] = field(default_factory=list)

    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        self.received.append(message)
        return Sent(f"{self.name}:{message.nudge_id}")


def message_to(recipient: Person) -> NudgeMessage:
    return NudgeMessage(
        nudge_id=9,
        kind=NudgeKind.DUE,
        recipient=recipient,
        employee=recipient,
        manager=MANAGER,
        check_in=CHECK_IN,
        agreements=[],
        missed=False,
    )


def ann(**links: object) -> Person:
    ann = Person(id=2, email="ann@example.com", name="Ann", manager_id=1)
    return dataclasses.replace(ann, **links)


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (ann(last_platform=Platform.TEAMS, slack_user_id="U1"), "teams"),
        (ann(last_platform=Platform.SLACK, teams_user_id="aad-1"), "slack"),
        (ann(slack_user_id="U1", teams_user_id="aad-1"), "slack"),
        (ann(teams_user_id="aad-1"), "teams"),
        (ann(), "teams"),
    ],
)
async def test_a_person_is_nudged_on_the_platform_they_last_used_else_linked_slack_else_teams(
    person: Person, expected: str
) -> None:
    slack, teams = RecordingMessenger("slack"), RecordingMessenger("teams")
    router = RoutingMessenger({Platform.SLACK: slack, Platform.TEAMS: teams})

    outcome = await router.send_nudge(message_to(person))

    assert outcome == Sent(f"{expected}:9")
    assert len(slack.received) + len(teams.received) == 1


async def test_only_configured_platforms_are_used() -> None:
    slack = RecordingMessenger("slack")
    teams = RecordingMessenger("teams")
    slack_only = RoutingMessenger({Platform.SLACK: slack})
    teams_only = RoutingMessenger({Platform.TEAMS: teams})

    from_slack_only = await slack_only.send_nudge(message_to(ann(last_platform=Platform.TEAMS)))
    from_teams_only = await teams_only.send_nudge(message_to(ann(slack_user_id="U1")))

    assert (from_slack_only, from_teams_only) == (Sent("slack:9"), Sent("teams:9"))


async def test_without_any_platform_the_nudge_fails_with_the_reason() -> None:
    router: Messenger = RoutingMessenger({})

    outcome = await router.send_nudge(message_to(ann()))

    assert outcome == Failed(NO_PLATFORM)
