"""How nudges read in Slack: controls the review flow handles, time zones, Slack's limits."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from adapters.slack.nudge_messages import nudge_message
from bot.domain import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
    CheckIn,
    NudgeKind,
    Person,
)
from bot.ports import NudgeMessage

STARTS_AT = dt.datetime(2027, 3, 4, 13, 0, tzinfo=dt.UTC)
MARIA = Person(id=1, email="maria@example.com", name="Maria Manager", timezone="Europe/Stockholm")
ALICE = Person(
    id=2,
    email="alice@example.com",
    name="Alice Andersson",
    manager_id=1,
    timezone="America/New_York",
)
CHECK_IN = CheckIn(id=77, review_id=5, employee_id=2, manager_id=1, starts_at=STARTS_AT)
SECRET = "Sign up for the PMI course starting in March"


def agreement(
    number: int, status: AgreementStatus = AgreementStatus.OPEN, what: str = SECRET
) -> Agreement:
    return Agreement(
        id=100 + number,
        review_id=5,
        employee_id=2,
        position=number,
        what=what,
        owner=AgreementOwner.EMPLOYEE,
        due_on=dt.date(2027, 6, 1),
        how_we_know="Certificate shared with the manager",
        status=status,
    )


def message(
    kind: NudgeKind,
    recipient: Person = ALICE,
    agreements: list[Agreement] | None = None,
    *,
    missed: bool = False,
    employee: Person = ALICE,
) -> NudgeMessage:
    return NudgeMessage(
        nudge_id=9,
        kind=kind,
        recipient=recipient,
        employee=employee,
        manager=MARIA,
        check_in=CHECK_IN,
        agreements=agreements if agreements is not None else [agreement(1), agreement(2)],
        missed=missed,
    )


def actions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == "actions"]


def record_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e for b in actions(blocks) for e in b["elements"] if e["action_id"] == "checkin_record"
    ]


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_due_lists_each_agreement_with_a_status_menu_set_to_its_status_and_a_record_button() -> (
    None
):
    agreements = [agreement(1, AgreementStatus.IN_PROGRESS), agreement(2, AgreementStatus.BLOCKED)]

    text, blocks = nudge_message(message(NudgeKind.DUE, agreements=agreements))

    menus = {b["block_id"]: b["elements"][0] for b in actions(blocks) if "block_id" in b}
    assert set(menus) == {"agreement_101", "agreement_102"}
    for agreement_id, status in ((101, "in_progress"), (102, "blocked")):
        menu = menus[f"agreement_{agreement_id}"]
        assert (menu["type"], menu["action_id"]) == ("static_select", "agreement_status")
        assert [o["value"] for o in menu["options"]] == [
            f"{agreement_id}:{s.value}" for s in AgreementStatus
        ]
        assert menu["initial_option"]["value"] == f"{agreement_id}:{status}"
        assert menu["initial_option"] in menu["options"]
    assert [(b["value"], b["text"]["text"]) for b in record_buttons(blocks)] == [
        ("77", "Record check-in")
    ]
    assert sum(SECRET in t for t in texts(blocks)) == 2
    assert "Maria Manager" in text


def test_times_are_shown_in_the_readers_own_time_zone() -> None:
    employee_text, _ = nudge_message(message(NudgeKind.DUE, recipient=ALICE))
    manager_text, _ = nudge_message(message(NudgeKind.DUE, recipient=MARIA))

    assert "08:00 (America/New_York)" in employee_text
    assert "14:00 (Europe/Stockholm)" in manager_text
    assert "Alice Andersson" in manager_text


def test_prepare_lists_the_agreements_and_their_status_without_controls() -> None:
    agreements = [agreement(1, AgreementStatus.DONE), agreement(2)]

    text, blocks = nudge_message(message(NudgeKind.PREPARE, agreements=agreements))

    body = "\n".join(texts(blocks))
    assert "coming up" in text
    assert f"{SECRET} — done" in body
    assert f"{SECRET} — open" in body
    assert actions(blocks) == []


def test_overdue_tells_the_manager_which_check_in_is_unrecorded_with_the_record_button() -> None:
    text, blocks = nudge_message(message(NudgeKind.OVERDUE, recipient=MARIA))

    assert "Alice Andersson" in text
    assert "2027-03-04" in text
    assert "hasn't been recorded" in text
    assert len(record_buttons(blocks)) == 1


def test_a_missed_nudge_is_one_you_missed_this_message_with_the_record_button() -> None:
    due_text, due_blocks = nudge_message(message(NudgeKind.DUE, missed=True))
    overdue_text, overdue_blocks = nudge_message(
        message(NudgeKind.OVERDUE, recipient=MARIA, missed=True)
    )

    assert "missed" in due_text
    assert "Maria Manager" in due_text
    assert "missed" in overdue_text
    assert "still needs recording" in overdue_text
    assert len(record_buttons(due_blocks)) == len(record_buttons(overdue_blocks)) == 1
    assert [b for b in actions(due_blocks) if "block_id" in b] == []


def test_notification_texts_never_carry_agreement_text() -> None:
    rendered = [
        nudge_message(message(kind, recipient=recipient, missed=missed))[0]
        for kind in NudgeKind
        for recipient in (ALICE, MARIA)
        for missed in (False, True)
    ]

    assert not [text for text in rendered if SECRET in text or "Certificate" in text]


def test_many_long_agreements_stay_within_slacks_block_and_text_limits() -> None:
    agreements = [agreement(n, what="x" * 2990) for n in range(1, 26)]

    for kind in (NudgeKind.DUE, NudgeKind.PREPARE):
        _, blocks = nudge_message(message(kind, agreements=agreements))

        assert len(blocks) <= 50
        assert max(len(t) for t in texts(blocks)) <= 3000
        assert "5 more" in json.dumps(blocks)


def test_typed_markup_in_names_and_agreements_is_shown_as_typed() -> None:
    prankster = Person(id=3, email="p@example.com", name="<!channel> Pat", manager_id=1)
    agreements = [agreement(1, what="Ship <https://evil.example|the thing> & more")]

    text, blocks = nudge_message(
        message(NudgeKind.DUE, recipient=MARIA, employee=prankster, agreements=agreements)
    )

    assert "<!channel>" not in json.dumps(blocks)
    assert "&lt;!channel&gt; Pat" in text
    assert "&lt;https://evil.example|the thing&gt; &amp; more" in "\n".join(texts(blocks))
