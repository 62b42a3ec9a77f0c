"""Too much input: a body over the server's 1 MiB limit, and answers over a field's limit.

Slack's own inputs stop typing at `max_length`, but a client that posts to the endpoint
directly is not bound by them, so the bot checks every length itself (SPEC §9).
"""

from __future__ import annotations

import pytest

from bot import messages
from bot.app import MAX_BODY_BYTES
from bot.domain import Person
from storage.store import SqlStore
from tests.bad_input.checks import assert_still_serving, nothing_in, review_rows, table_rows
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SIGNING_SECRET, SlackBot
from tests.support.slack_signing import (
    interaction_body,
    plain_text_state,
    slash_command_body,
    view_submission_payload,
)

AGREEMENT_WHAT_LIMIT = 500
AGREEMENT_HOW_LIMIT = 300
TEMPLATE_TEXT_LIMIT = 3000


def concrete_text(length: int) -> str:
    """Readable words, exactly `length` characters, with no space at either end to strip."""
    words = "Lead the Stockholm client delivery and share the retrospective notes "
    return (words * (length // len(words) + 1))[: length - 1] + "x"


@pytest.mark.parametrize("secret_ok", [True, False], ids=["signed", "unsigned"])
async def test_a_command_body_over_one_mebibyte_gets_413_and_changes_nothing(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], secret_ok: bool
) -> None:
    body = slash_command_body(
        text="start <@UALICE|alice> " + "x" * MAX_BODY_BYTES,
        user_id="UMGR",
        response_url=slack_bot.fake.response_url("command"),
    )
    before = await table_rows(store)

    response = await slack_bot.post(body, secret=SIGNING_SECRET if secret_ok else "wrong")

    assert response.status == 413
    assert slack_bot.fake.calls_to("views.open") == []
    assert await table_rows(store) == before
    await assert_still_serving(slack_bot)


async def test_a_form_submission_over_one_mebibyte_gets_413_and_stores_nothing(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    huge = {**GOOD_AGREEMENT, "q_strengths": plain_text_state("é" * MAX_BODY_BYTES)}
    body = interaction_body(
        view_submission_payload(user_id="UMGR", view=view, values=values(huge))
    )

    response = await slack_bot.post(body)

    assert response.status == 413
    assert nothing_in(await review_rows(store))
    await assert_still_serving(slack_bot)


@pytest.mark.parametrize(
    ("block_id", "limit", "length"),
    [
        ("agreement_0_what", AGREEMENT_WHAT_LIMIT, 5_000),
        ("agreement_0_what", AGREEMENT_WHAT_LIMIT, AGREEMENT_WHAT_LIMIT + 1),
        ("agreement_0_how", AGREEMENT_HOW_LIMIT, 5_000),
        ("q_strengths", TEMPLATE_TEXT_LIMIT, TEMPLATE_TEXT_LIMIT + 1),
        ("q_growth_areas", TEMPLATE_TEXT_LIMIT, 100_000),
    ],
)
async def test_an_answer_over_its_fields_limit_is_refused_on_its_block_and_nothing_is_stored(
    slack_bot: SlackBot,
    store: SqlStore,
    people: dict[str, Person],
    block_id: str,
    limit: int,
    length: int,
) -> None:
    view = await open_review_form(slack_bot)
    answers = {**GOOD_AGREEMENT, block_id: plain_text_state(concrete_text(length))}

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(answers))
    )

    assert status == 200
    assert answer == {
        "response_action": "errors",
        "errors": {block_id: messages.text_too_long(limit, length)},
    }
    assert nothing_in(await review_rows(store))
    assert slack_bot.fake.calls_to("chat.postMessage") == []


async def test_an_answer_exactly_at_its_fields_limit_is_accepted(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    at_limit = concrete_text(AGREEMENT_WHAT_LIMIT)
    answers = {**GOOD_AGREEMENT, "agreement_0_what": plain_text_state(at_limit)}

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(answers))
    )

    assert (status, answer) == (200, None)
    assert len((await review_rows(store))["agreements"]) == 1
