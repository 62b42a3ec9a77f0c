"""Requests that are not provably from Slack get 401 and change nothing (SPEC §9).

Every refused request carries a command that *would* open a review form and link the
caller if it were processed, so a request that slipped through shows up as a views.open
call, a response_url answer or a changed row.
"""

from __future__ import annotations

import time

import pytest

from bot.domain import Person
from storage.store import SqlStore
from tests.bad_input.checks import assert_still_serving, table_rows
from tests.support.slack_bot import SIGNING_SECRET, SlackBot
from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    interaction_body,
    sign,
    slash_command_body,
)

FIVE_MINUTES = 300


def start_review_of_alice(bot: SlackBot) -> bytes:
    return slash_command_body(
        text="start <@UALICE|alice>",
        user_id="UMGR",
        response_url=bot.fake.response_url("command"),
    )


async def post_raw(bot: SlackBot, body: bytes, headers: dict[str, str]) -> int:
    async with bot.session.post(f"{bot.url}/slack/events", data=body, headers=headers) as r:
        await r.read()
        return r.status


async def assert_nothing_processed(bot: SlackBot, store: SqlStore, before: object) -> None:
    await assert_still_serving(bot)
    assert bot.fake.calls_to("views.open") == []
    assert bot.fake.calls_to("chat.postMessage") == []
    assert bot.fake.responses_to("command") == []
    assert await table_rows(store) == before


@pytest.mark.parametrize(
    "kept_headers",
    [(), ("X-Slack-Signature",), ("X-Slack-Request-Timestamp",)],
    ids=["no-headers", "signature-without-timestamp", "timestamp-without-signature"],
)
async def test_a_command_without_both_signature_headers_is_refused_with_401(
    slack_bot: SlackBot,
    store: SqlStore,
    people: dict[str, Person],
    kept_headers: tuple[str, ...],
) -> None:
    body = start_review_of_alice(slack_bot)
    signed = sign(body, SIGNING_SECRET)
    headers = {"Content-Type": FORM_CONTENT_TYPE} | {h: signed[h] for h in kept_headers}
    before = await table_rows(store)

    status = await post_raw(slack_bot, body, headers)

    assert status == 401
    await assert_nothing_processed(slack_bot, store, before)


async def test_a_command_signed_with_another_secret_is_refused_with_401(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    body = start_review_of_alice(slack_bot)
    before = await table_rows(store)

    response = await slack_bot.post(body, secret="not-" + SIGNING_SECRET)

    assert response.status == 401
    await assert_nothing_processed(slack_bot, store, before)


async def test_a_command_whose_body_was_changed_after_signing_is_refused_with_401(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    harmless = slash_command_body(text="help", user_id="UMGR")
    tampered = start_review_of_alice(slack_bot)
    headers = {"Content-Type": FORM_CONTENT_TYPE, **sign(harmless, SIGNING_SECRET)}
    before = await table_rows(store)

    status = await post_raw(slack_bot, tampered, headers)

    assert status == 401
    await assert_nothing_processed(slack_bot, store, before)


@pytest.mark.parametrize(
    "seconds_off",
    [-(FIVE_MINUTES + 1), -24 * 3600, FIVE_MINUTES + 10, 24 * 3600],
    ids=["just-over-five-minutes-old", "a-day-old", "five-minutes-ahead", "a-day-ahead"],
)
async def test_a_correctly_signed_command_with_a_stale_or_future_timestamp_is_refused_with_401(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], seconds_off: int
) -> None:
    body = start_review_of_alice(slack_bot)
    before = await table_rows(store)

    response = await slack_bot.post(body, timestamp=int(time.time()) + seconds_off)

    assert response.status == 401
    await assert_nothing_processed(slack_bot, store, before)


async def test_a_timestamp_that_is_not_a_number_is_refused_with_401(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    body = start_review_of_alice(slack_bot)
    headers = {
        "Content-Type": FORM_CONTENT_TYPE,
        "X-Slack-Request-Timestamp": "yesterday",
        "X-Slack-Signature": sign(body, SIGNING_SECRET)["X-Slack-Signature"],
    }
    before = await table_rows(store)

    status = await post_raw(slack_bot, body, headers)

    assert status == 401
    await assert_nothing_processed(slack_bot, store, before)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot+json", FORM_CONTENT_TYPE),
        (b"payload=%5B1%2C2%5D", FORM_CONTENT_TYPE),
        (b"{not json", JSON_CONTENT_TYPE),
        (b"\xff\xfe\x00payload", FORM_CONTENT_TYPE),
    ],
    ids=["payload-not-json", "payload-a-list", "json-body-not-json", "not-utf-8"],
)
async def test_an_unsigned_body_that_cannot_even_be_read_is_refused_with_401(
    slack_bot: SlackBot,
    store: SqlStore,
    people: dict[str, Person],
    body: bytes,
    content_type: str,
) -> None:
    before = await table_rows(store)

    response = await slack_bot.post(body, content_type=content_type, secret="wrong-secret")

    assert response.status == 401
    await assert_nothing_processed(slack_bot, store, before)


async def test_an_interaction_signed_with_another_secret_is_refused_with_401(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    body = interaction_body({"type": "block_actions", "user": {"id": "UMGR"}, "actions": []})
    before = await table_rows(store)

    response = await slack_bot.post(body, secret="wrong-secret")

    assert response.status == 401
    await assert_nothing_processed(slack_bot, store, before)
