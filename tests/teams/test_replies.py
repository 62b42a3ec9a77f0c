"""Every nudge card, for each kind and reader, is one Teams renders and keeps its promises."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.teams import replies
from adapters.teams.cards import read_action
from bot import messages
from bot.domain import Agreement, AgreementOwner, CheckIn, NudgeKind, Person
from bot.ports import NudgeMessage
from bot.reviews import EmployeeOverview
from tests.support.adaptive_cards import assert_teams_card

MARIA = Person(id=1, email="maria@example.com", name="Maria Manager", timezone="Europe/Stockholm")
ALICE = Person(
    id=2, email="alice@example.com", name="Alice Andersson", manager_id=1,
    timezone="America/New_York",
)  # fmt: skip
CHECK_IN = CheckIn(
    id=5, review_id=3, employee_id=2, manager_id=1,
    starts_at=dt.datetime(2027, 3, 4, 9, tzinfo=dt.UTC),
)  # fmt: skip


def agreements(count: int) -> list[Agreement]:
    return [
        Agreement(
            id=100 + n,
            review_id=3,
            employee_id=2,
            position=n,
            what=f"Agreement number {n} about the PMI course",
            owner=AgreementOwner.EMPLOYEE,
            due_on=dt.date(2027, 3, 31),
            how_we_know="Certificate shared",
        )
        for n in range(count)
    ]


def nudge(
    kind: NudgeKind, reader: Person, *, count: int = 2, missed: bool = False
) -> NudgeMessage:
    return NudgeMessage(
        nudge_id=9, kind=kind, recipient=reader, employee=ALICE, manager=MARIA,
        check_in=CHECK_IN, agreements=agreements(count), missed=missed,
    )  # fmt: skip


@pytest.mark.parametrize("kind", list(NudgeKind))
@pytest.mark.parametrize("reader", [ALICE, MARIA], ids=["employee", "manager"])
@pytest.mark.parametrize("missed", [False, True], ids=["on-time", "missed"])
def test_every_nudge_card_renders_and_opens_the_check_in_form(
    kind: NudgeKind, reader: Person, missed: bool
) -> None:
    card = replies.nudge_card(nudge(kind, reader, missed=missed))

    assert_teams_card(card)
    first = card["body"][0]["text"]
    assert "PMI" not in first  # the first line is the notification: no agreement text
    record = read_action(card["actions"][0]["data"])
    assert (record["kind"], record["check_in"]) == ("checkin", CHECK_IN.id)


def test_a_nudge_is_written_in_the_readers_own_time_zone() -> None:
    to_alice = replies.nudge_text(nudge(NudgeKind.DUE, ALICE))
    to_maria = replies.nudge_text(nudge(NudgeKind.DUE, MARIA))

    assert "Maria Manager" in to_alice
    assert "(America/New_York)" in to_alice
    assert "Alice Andersson" in to_maria
    assert "(Europe/Stockholm)" in to_maria


def test_a_long_list_of_agreements_is_cut_with_a_count_of_the_rest() -> None:
    card = replies.nudge_card(nudge(NudgeKind.DUE, ALICE, count=14))

    assert_teams_card(card)
    pickers = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert len(pickers) == replies.MAX_NUDGE_AGREEMENTS
    assert messages.teams_nudge_more_agreements(4) in str(card)


def test_the_cards_for_nothing_to_show_render_too() -> None:
    nothing = EmployeeOverview(ALICE, None, [], None, can_open_review=False)

    overview = replies.overview_card(nothing, ALICE)
    empty_list = replies.review_list_card([])

    assert_teams_card(overview)
    assert_teams_card(empty_list)
    assert messages.NO_REVIEW_YET in str(overview)
    assert messages.NO_CHECK_IN in str(overview)
    assert "actions" not in overview
    assert messages.NO_REVIEWS_VISIBLE in str(empty_list)
