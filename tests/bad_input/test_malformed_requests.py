"""Correctly signed requests that make no sense get a 4xx or a polite answer (SPEC §9).

Bodies that cannot be read, or that Bolt cannot route, must get a 4xx and change nothing.
Submissions of the review form whose metadata or element types were tampered with must
get `response_action: errors` (the modal stays open), never a 500, and store nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack import render
from bot import messages
from bot.domain import Person
from storage.store import SqlStore
from tests.bad_input.checks import (
    answer_text,
    assert_still_serving,
    nothing_in,
    review_rows,
    table_rows,
)
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    block_actions_payload,
    slash_command_body,
    view_submission_payload,
)

FROM_MARIA = {"id": "UMGR", "username": "umgr", "name": "umgr", "team_id": "T1"}


def payload(data: Any) -> bytes:
    return urlencode({"payload": json.dumps(data)}).encode()


UNREADABLE_BODIES = {
    "not-a-form": (b"this is not a form at all", FORM_CONTENT_TYPE),
    "empty": (b"", FORM_CONTENT_TYPE),
    "payload-not-json": (b"payload=%7B%22type%22%3A+%22view_submission", FORM_CONTENT_TYPE),
    "payload-a-list": (payload([{"type": "view_submission"}]), FORM_CONTENT_TYPE),
    "payload-a-string": (payload("view_submission"), FORM_CONTENT_TYPE),
    "payload-without-type": (payload({"user": FROM_MARIA, "actions": []}), FORM_CONTENT_TYPE),
    "unknown-interaction-type": (
        payload({"type": "dance_party", "user": FROM_MARIA}),
        FORM_CONTENT_TYPE,
    ),
    "view-that-is-a-list": (
        payload({"type": "view_submission", "user": FROM_MARIA, "view": [1, 2]}),
        FORM_CONTENT_TYPE,
    ),
    "view-without-type": (
        payload({"type": "view_submission", "user": FROM_MARIA, "view": {"state": "x"}}),
        FORM_CONTENT_TYPE,
    ),
    "team-that-is-a-number": (
        payload({"type": "block_actions", "team": 5, "user": FROM_MARIA}),
        FORM_CONTENT_TYPE,
    ),
    "event-that-is-a-string": (
        json.dumps({"type": "event_callback", "event": "app_home_opened"}).encode(),
        JSON_CONTENT_TYPE,
    ),
    "json-that-is-a-list": (b"[1, 2, 3]", JSON_CONTENT_TYPE),
    "json-that-is-not-json": (b"{'type': 'event_callback'", JSON_CONTENT_TYPE),
    "not-utf-8": ("payload=Förbättra".encode("latin-1"), FORM_CONTENT_TYPE),
}


@pytest.mark.parametrize(
    ("body", "content_type"), UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES
)
async def test_a_signed_body_that_cannot_be_read_or_routed_gets_a_4xx_and_changes_nothing(
    slack_bot: SlackBot,
    store: SqlStore,
    people: dict[str, Person],
    body: bytes,
    content_type: str,
) -> None:
    before = await table_rows(store)

    response = await slack_bot.post(body, content_type=content_type)

    assert 400 <= response.status < 500
    assert await table_rows(store) == before
    await assert_still_serving(slack_bot)


async def test_a_form_encoded_command_labelled_as_json_gets_a_400(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    body = slash_command_body(
        text="start <@UALICE|alice>",
        user_id="UMGR",
        response_url=slack_bot.fake.response_url("command"),
    )
    before = await table_rows(store)

    response = await slack_bot.post(body, content_type=JSON_CONTENT_TYPE)

    assert response.status == 400
    assert slack_bot.fake.calls_to("views.open") == []
    assert await table_rows(store) == before
    await assert_still_serving(slack_bot)


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", ""])
async def test_a_command_with_another_content_type_is_still_answered_politely(
    slack_bot: SlackBot, people: dict[str, Person], content_type: str
) -> None:
    body = slash_command_body(
        text="help", user_id="UMGR", response_url=slack_bot.fake.response_url("command")
    )

    response = await slack_bot.post(body, content_type=content_type)

    assert response.status == 200
    assert await answer_text(slack_bot) == messages.HELP


async def test_a_button_with_an_unknown_action_id_gets_a_4xx_and_changes_nothing(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    before = await table_rows(store)
    unknown = block_actions_payload(
        user_id="UMGR", action_id="delete_everything", value="1", block_id="x", view=view
    )

    status, _ = await slack_bot.interact(unknown)

    assert 400 <= status < 500
    assert slack_bot.fake.calls_to("views.update") == []
    assert await table_rows(store) == before
    await assert_still_serving(slack_bot)


@pytest.mark.parametrize("action_id", [render.OPEN_REVIEW_ACTION, render.PREPARE_ACTION])
@pytest.mark.parametrize("value", ["1" + "0" * 30, "-5", "0", "review 1", ""])
async def test_a_button_naming_a_review_id_that_cannot_exist_is_refused_in_words(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], action_id: str, value: str
) -> None:
    button = block_actions_payload(
        user_id="UMGR",
        action_id=action_id,
        value=value,
        channel_id="DUMGR",
        response_url=slack_bot.fake.response_url("button"),
    )

    status, _ = await slack_bot.interact(button)

    assert status == 200
    assert await answer_text(slack_bot, "button") == messages.NO_ACCESS
    assert slack_bot.fake.calls_to("views.open") == []
    assert nothing_in(await review_rows(store))


def good_submission(view: dict[str, Any]) -> dict[str, Any]:
    return view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))


async def submit(bot: SlackBot, submission: dict[str, Any]) -> dict[str, Any]:
    """Posts a submission; asserts the answer keeps the modal open with errors."""
    status, answer = await bot.interact(submission)

    assert status == 200
    assert answer is not None
    assert answer["response_action"] == "errors"
    return dict(answer["errors"])


@pytest.mark.parametrize(
    "metadata",
    [
        "",
        "not json at all",
        "[]",
        "{}",
        '{"k": "review", "s": "e=1"}',
        '{"k": "review", "s": {"e": "alice", "t": "development", "v": 1}}',
        '{"k": "review", "s": {"e": 999999, "t": "development", "v": 1}}',
        '{"k": "review", "s": {"e": 1, "t": "no_such_template", "v": 1}}',
        '{"k": "review", "s": {"e": 1, "t": "development", "v": 1, "n": 5000}}',
        '{"k": "review", "s": {"e": 1000000000000000000000000000000, "t": "development", "v": 1}}',
        '{"k": "review", "s": {"e": 3, "t": "development", "v": 1e300}}',
        '{"k": "review", "s": {"e": Infinity, "t": "development", "v": 1}}',
        '{"k": "review", "s": {"e": 3, "t": "development", "v": 1, "r": -7}}',
    ],
    ids=[
        "empty",
        "not-json",
        "a-list",
        "no-state",
        "state-a-string",
        "employee-not-a-number",
        "no-such-employee",
        "no-such-template",
        "too-many-rows",
        "employee-id-too-large",
        "version-a-huge-float",
        "employee-infinity",
        "negative-review-id",
    ],
)
async def test_a_submission_with_garbage_private_metadata_is_answered_in_the_form(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], metadata: str
) -> None:
    view = await open_review_form(slack_bot)
    submission = good_submission(view)
    submission["view"]["private_metadata"] = metadata

    errors = await submit(slack_bot, submission)

    assert errors == {"held_on": messages.FORM_OUTDATED}
    assert nothing_in(await review_rows(store))
    assert slack_bot.fake.calls_to("chat.postMessage") == []
    await assert_still_serving(slack_bot)


async def test_a_submission_without_private_metadata_is_answered_in_the_form(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    submission = good_submission(view)
    del submission["view"]["private_metadata"]

    errors = await submit(slack_bot, submission)

    assert errors == {"held_on": messages.FORM_OUTDATED}
    assert nothing_in(await review_rows(store))
    await assert_still_serving(slack_bot)


async def test_metadata_forged_to_name_someone_elses_employee_is_refused_in_the_form(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    submission = good_submission(view)
    forged = json.loads(submission["view"]["private_metadata"])
    forged["s"]["e"] = people["UOLLE"].id
    submission["view"]["private_metadata"] = json.dumps(forged)

    errors = await submit(slack_bot, submission)

    assert errors == {"held_on": messages.NO_ACCESS}
    assert nothing_in(await review_rows(store))
    assert slack_bot.fake.calls_to("chat.postMessage") == []


async def test_state_values_of_the_wrong_element_types_are_refused_on_their_own_blocks(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    submission = good_submission(view)
    state = submission["view"]["state"]["values"]
    state["agreement_0_what"]["value"] = {
        "type": "multi_static_select",
        "selected_options": [{"value": "Sign up for the PMI course"}],
    }
    state["agreement_0_owner"]["value"] = {"type": "datepicker", "selected_date": "2027-01-01"}
    state["checkin_date"]["value"] = {"type": "static_select", "selected_option": {"value": 7}}
    state["checkin_time"]["value"] = {"type": "plain_text_input", "value": "25:99"}

    errors = await submit(slack_bot, submission)

    assert errors == {
        "agreement_0_what": messages.UNREADABLE_ANSWER,
        "agreement_0_owner": messages.NOT_AN_OPTION,
        "checkin_date": messages.UNREADABLE_ANSWER,
        "checkin_time": messages.NOT_A_TIME,
    }
    assert nothing_in(await review_rows(store))
    await assert_still_serving(slack_bot)


@pytest.mark.parametrize(
    "state",
    ["no values", {"values": "no blocks"}, {"values": {"held_on": "no actions"}}, None],
    ids=["state-a-string", "values-a-string", "block-a-string", "state-null"],
)
async def test_a_submission_whose_state_has_the_wrong_shape_asks_for_the_required_fields(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], state: Any
) -> None:
    view = await open_review_form(slack_bot)
    submission = good_submission(view)
    submission["view"]["state"] = state

    errors = await submit(slack_bot, submission)

    assert {"held_on", "checkin_date", "checkin_time"} <= set(errors)
    assert nothing_in(await review_rows(store))
    await assert_still_serving(slack_bot)
