"""Nudges delivered by the sweep through the Teams messenger, and how failures end."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.teams import messenger
from adapters.teams.cards import ACTION_KEY
from bot.app import build_messenger, build_nudge_sweep, build_slack_client
from bot.domain import CheckIn, Nudge, NudgeState, Person
from bot.nudges import SweepReport
from tests.support.adaptive_cards import assert_teams_card
from tests.support.teams_bot import TeamsBot, TeamsUser
from tests.teams.flows import save_review


async def alices_check_in(bot: TeamsBot, alice: Person) -> CheckIn:
    async with bot.store.unit_of_work() as uow:
        check_in = await uow.check_ins.next_for(alice.id)
    assert check_in is not None
    return check_in


async def sweep_at(bot: TeamsBot, instant: dt.datetime) -> SweepReport:
    bot.clock.instant = instant
    services = bot.services
    sweep = build_nudge_sweep(
        services, build_messenger(services, build_slack_client(services.settings))
    )
    return await sweep.run_once()


async def nudges_of(bot: TeamsBot, check_in: CheckIn, person: Person) -> list[Nudge]:
    async with bot.store.unit_of_work() as uow:
        return [n for n in await uow.nudges.for_check_in(check_in.id) if n.person_id == person.id]


async def test_a_nudge_for_someone_the_bot_cannot_reach_on_teams_ends_failed_with_the_reason(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await teams_bot.install(maria)
    await save_review(teams_bot, maria, alice)  # Alice has never opened a chat with the bot
    check_in = await alices_check_in(teams_bot, people["alice"])

    report = await sweep_at(teams_bot, check_in.starts_at - dt.timedelta(minutes=5))

    alices = await nudges_of(teams_bot, check_in, people["alice"])
    failed = [n for n in alices if n.state is NudgeState.FAILED]
    assert failed
    assert {n.last_error for n in failed} == {messenger.NOT_REACHABLE}
    assert report.failed == len(failed)
    assert report.sent >= 1  # Maria's own nudges went out
    assert teams_bot.connector.posted_to(alice.personal_chat) == []


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (403, "BotNotInConversationRoster", messenger.NOT_IN_ROSTER),
        (404, "ConversationNotFound", messenger.CONVERSATION_NOT_FOUND),
    ],
)
async def test_a_nudge_the_bot_connector_refuses_for_good_ends_failed_with_the_reason(
    teams_bot: TeamsBot,
    users: dict[str, TeamsUser],
    people: dict[str, Person],
    status: int,
    code: str,
    reason: str,
) -> None:
    maria, alice = users["maria"], users["alice"]
    await teams_bot.install(maria)
    await teams_bot.install(alice)
    await save_review(teams_bot, maria, alice)
    check_in = await alices_check_in(teams_bot, people["alice"])
    teams_bot.connector.fail_next(status, code, conversation_id=alice.personal_chat, times=10)

    report = await sweep_at(teams_bot, check_in.starts_at - dt.timedelta(minutes=5))

    alices = await nudges_of(teams_bot, check_in, people["alice"])
    due_by_now = [n for n in alices if n.due_at <= teams_bot.clock.now()]
    assert due_by_now
    assert {(n.state, n.last_error) for n in due_by_now} == {(NudgeState.FAILED, reason)}
    assert report.failed == len(due_by_now)


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [(429, "120", dt.timedelta(seconds=120)), (503, None, None), (500, None, None)],
)
async def test_a_nudge_meeting_a_throttled_or_failing_connector_is_retried_and_then_arrives(
    teams_bot: TeamsBot,
    users: dict[str, TeamsUser],
    people: dict[str, Person],
    status: int,
    retry_after: str | None,
    wait: dt.timedelta | None,
) -> None:
    maria, alice = users["maria"], users["alice"]
    await teams_bot.install(maria)
    await teams_bot.install(alice)
    await save_review(teams_bot, maria, alice)
    check_in = await alices_check_in(teams_bot, people["alice"])
    teams_bot.connector.fail_next(
        status, "Throttled", retry_after=retry_after, conversation_id=alice.personal_chat
    )
    first_sweep_at = check_in.starts_at - dt.timedelta(days=1)  # the prepare nudges only
    posted_before = len(teams_bot.connector.posted_to(alice.personal_chat))

    first = await sweep_at(teams_bot, first_sweep_at)

    retried = [n for n in await nudges_of(teams_bot, check_in, people["alice"]) if n.last_error]
    assert first.retried == len(retried) == 1
    assert retried[0].state is NudgeState.PLANNED
    assert str(status) in (retried[0].last_error or "")
    if wait is not None:
        assert retried[0].due_at == first_sweep_at + wait

    second = await sweep_at(teams_bot, first_sweep_at + dt.timedelta(hours=2))

    assert second.sent == 1
    posts = teams_bot.connector.posted_to(alice.personal_chat)[posted_before:]
    assert len(posts) == 1
    nudge_card = posts[0].cards[0]
    assert_teams_card(nudge_card)
    record = [a for a in nudge_card["actions"] if a["data"].get(ACTION_KEY)]
    assert record[0]["data"]["msteams"] == {"type": "task/fetch"}
