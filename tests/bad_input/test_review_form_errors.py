"""Review form answers that break a rule come back as per-block errors (SPEC §3 and §9).

Slack keeps a modal open, with everything typed in it, only when the answer is
`response_action: errors`; `clear`, `update` or a views.update would replace what the
manager typed. So each test checks the exact answer, the blocks it names, that no view
was replaced and that nothing was stored, and one test saves the same form once fixed.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import messages
from bot.domain import Person
from storage.store import SqlStore
from tests.bad_input.checks import nothing_in, review_rows
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    ElementState,
    datepicker_state,
    plain_text_state,
    timepicker_state,
    view_submission_payload,
)

# The review is held today: 2026-12-03 in Maria's time zone (Europe/Stockholm).
REVIEW_DAY = "2026-12-03"


async def submit_review(bot: SlackBot, answers: dict[str, ElementState]) -> dict[str, str]:
    """Opens Alice's review form as Maria, submits `answers`; returns the errors answered."""
    view = await open_review_form(bot)
    bot.fake.clear()

    status, answer = await bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(answers))
    )

    assert status == 200
    assert answer is not None
    assert set(answer) == {"response_action", "errors"}
    assert answer["response_action"] == "errors"
    return dict(answer["errors"])


async def assert_form_left_open_and_nothing_stored(bot: SlackBot, store: SqlStore) -> None:
    assert bot.fake.calls_to("views.update") == []
    assert bot.fake.calls_to("views.open") == []
    assert bot.fake.calls_to("chat.postMessage") == []
    assert nothing_in(await review_rows(store))


@pytest.mark.parametrize(
    "vague",
    [
        "leadership development",
        "Improve communication.",
        "be much more proactive",
        "förbättra kommunikationen",
        "Förbättra kommunikationen i teamet",
    ],
)
async def test_a_vague_agreement_in_english_or_swedish_is_refused_on_its_what_block(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], vague: str
) -> None:
    answers = {**GOOD_AGREEMENT, "agreement_0_what": plain_text_state(vague)}

    errors = await submit_review(slack_bot, answers)

    assert list(errors) == ["agreement_0_what"]
    assert "hard to check later" in errors["agreement_0_what"]
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


@pytest.mark.parametrize("due", ["2026-11-01", REVIEW_DAY])
async def test_a_due_date_not_after_the_review_date_is_refused_on_its_due_block(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], due: str
) -> None:
    answers = {**GOOD_AGREEMENT, "agreement_0_due": datepicker_state(due)}

    errors = await submit_review(slack_bot, answers)

    assert errors == {"agreement_0_due": messages.agreement_due_not_after_review(REVIEW_DAY)}
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


@pytest.mark.parametrize(
    ("day", "time"),
    [("2026-11-30", "10:00"), (REVIEW_DAY, "08:00"), ("2025-12-03", "10:00")],
    ids=["last-week", "earlier-today", "last-year"],
)
async def test_a_check_in_in_the_past_is_refused_on_the_check_in_date_block(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], day: str, time: str
) -> None:
    answers = {
        **GOOD_AGREEMENT,
        "checkin_date": datepicker_state(day),
        "checkin_time": timepicker_state(time),
    }

    errors = await submit_review(slack_bot, answers)

    assert errors == {"checkin_date": messages.CHECKIN_IN_PAST}
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


async def test_a_review_date_in_the_future_is_refused_on_the_review_date_block(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    answers = {**GOOD_AGREEMENT, "held_on": datepicker_state("2026-12-10")}

    errors = await submit_review(slack_bot, answers)

    assert errors == {"held_on": messages.HELD_ON_IN_FUTURE}
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


async def test_a_row_with_only_a_what_asks_for_its_owner_due_date_and_how_we_know(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    answers = {
        **GOOD_AGREEMENT,
        "agreement_1_what": plain_text_state("Lead the Q1 delivery for the Oslo client"),
    }

    errors = await submit_review(slack_bot, answers)

    assert errors == {
        "agreement_1_owner": messages.AGREEMENT_OWNER_MISSING,
        "agreement_1_due": messages.AGREEMENT_DUE_MISSING,
        "agreement_1_how": messages.AGREEMENT_HOW_MISSING,
    }
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


async def test_a_form_without_any_agreement_asks_for_one_on_the_first_row(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    answers = {k: v for k, v in GOOD_AGREEMENT.items() if not k.startswith("agreement_")}

    errors = await submit_review(slack_bot, answers)

    assert errors == {"agreement_0_what": messages.AT_LEAST_ONE_AGREEMENT}
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


async def test_every_broken_rule_is_reported_at_once_on_its_own_block(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    answers = {
        **GOOD_AGREEMENT,
        "agreement_0_what": plain_text_state("förbättra kommunikationen"),
        "agreement_0_due": datepicker_state("2026-11-01"),
        "held_on": datepicker_state("2026-12-01"),
        "checkin_date": datepicker_state("2026-11-30"),
    }

    errors = await submit_review(slack_bot, answers)

    assert set(errors) == {"agreement_0_what", "agreement_0_due", "checkin_date"}
    await assert_form_left_open_and_nothing_stored(slack_bot, store)


async def test_the_same_form_saves_once_the_refused_answer_is_fixed(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    vague: dict[str, Any] = {
        **GOOD_AGREEMENT,
        "agreement_0_what": plain_text_state("be proactive"),
    }
    _, refused = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(vague))
    )
    assert refused is not None
    assert list(refused["errors"]) == ["agreement_0_what"]

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )

    assert (status, answer) == (200, None)
    stored = await review_rows(store)
    assert len(stored["reviews"]) == 1
    assert len(stored["agreements"]) == 1
