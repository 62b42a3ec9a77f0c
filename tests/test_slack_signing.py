"""The request builders, checked against Bolt itself: what they sign and shape, Bolt accepts.

End-to-end tests post these bodies to the real server, so a builder that drifts from what
Slack sends would make those tests prove nothing. Each case here hands a built request to a
bare Bolt AsyncApp whose client talks to the fake Slack API.
"""

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import FakeSlack
from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    app_home_opened_event_body,
    block_actions_payload,
    checkboxes_state,
    datepicker_state,
    interaction_body,
    plain_text_state,
    sign,
    slash_command_body,
    static_select_state,
    timepicker_state,
    view_closed_payload,
    view_submission_payload,
)

SECRET = "test-signing-secret"

STATUS_OPTIONS = [
    {"text": {"type": "plain_text", "text": "On track"}, "value": "on_track"},
    {"text": {"type": "plain_text", "text": "Done"}, "value": "done"},
]

REVIEW_FORM: dict[str, Any] = {
    "type": "modal",
    "callback_id": "review_form",
    "private_metadata": '{"review": 7}',
    "notify_on_close": True,
    "title": {"type": "plain_text", "text": "Review"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "goal",
            "label": {"type": "plain_text", "text": "Goal"},
            "element": {"type": "plain_text_input", "action_id": "text", "initial_value": "Ship"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "checkin_date",
            "label": {"type": "plain_text", "text": "Check-in"},
            "element": {"type": "datepicker", "action_id": "date", "initial_date": "2025-06-02"},
        },
        {
            "type": "input",
            "block_id": "checkin_time",
            "label": {"type": "plain_text", "text": "Time"},
            "element": {"type": "timepicker", "action_id": "time", "timezone": "Europe/Berlin"},
        },
        {
            "type": "input",
            "block_id": "status",
            "label": {"type": "plain_text", "text": "Status"},
            "element": {"type": "static_select", "action_id": "pick", "options": STATUS_OPTIONS},
        },
        {
            "type": "actions",
            "block_id": "agreements",
            "elements": [{"type": "button", "action_id": "add_agreement", "value": "add"}],
        },
    ],
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        yield running


@pytest.fixture
def app(fake: FakeSlack) -> AsyncApp:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    return AsyncApp(client=client, signing_secret=SECRET)


def signed(body: bytes, content_type: str = FORM_CONTENT_TYPE) -> AsyncBoltRequest:
    headers: dict[str, str | Sequence[str]] = {"Content-Type": content_type, **sign(body, SECRET)}
    return AsyncBoltRequest(body=body.decode(), headers=headers)


def test_slash_command_body_keeps_the_escaped_mention_and_names_the_command() -> None:
    body = slash_command_body(text="start <@U222|bob>", user_id="U111", response_url="http://x/")

    fields = {key: values[0] for key, values in parse_qs(body.decode()).items()}

    assert fields["command"] == "/review"
    assert fields["text"] == "start <@U222|bob>"
    assert fields["user_id"] == "U111"
    assert fields["response_url"] == "http://x/"
    assert fields["trigger_id"]


async def test_bolt_accepts_a_signed_slash_command_and_its_client_reaches_the_fake(
    app: AsyncApp, fake: FakeSlack
) -> None:
    @app.command("/review")
    async def echo(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["user_id"], text=command["text"])

    response = await app.async_dispatch(signed(slash_command_body(text="list", user_id="U1")))

    posted = await fake.wait_for_calls("chat.postMessage")
    assert response.status == 200
    assert posted[0].params["text"] == "list"
    assert fake.calls_to("auth.test")


async def test_bolt_refuses_a_body_signed_with_another_secret(
    app: AsyncApp, fake: FakeSlack
) -> None:
    body = slash_command_body(text="list", user_id="U1")
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": FORM_CONTENT_TYPE,
        **sign(body, "not-the-secret"),
    }

    response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))

    assert response.status == 401


def test_view_submission_reports_every_input_at_its_initial_value_unless_typed() -> None:
    values = {
        "status": {"pick": static_select_state("done")},
        "checkin_time": {"time": timepicker_state("09:30", timezone="Europe/Berlin")},
    }

    payload = view_submission_payload(user_id="U1", view=REVIEW_FORM, values=values)

    state = payload["view"]["state"]["values"]
    assert state == {
        "goal": {"text": {"type": "plain_text_input", "value": "Ship"}},
        "notes": {"text": {"type": "plain_text_input", "value": None}},
        "checkin_date": {"date": {"type": "datepicker", "selected_date": "2025-06-02"}},
        "checkin_time": {
            "time": {"type": "timepicker", "selected_time": "09:30", "timezone": "Europe/Berlin"}
        },
        "status": {"pick": {"type": "static_select", "selected_option": STATUS_OPTIONS[1]}},
    }
    assert payload["view"]["callback_id"] == "review_form"
    assert payload["view"]["private_metadata"] == '{"review": 7}'
    assert payload["view"]["id"].startswith("V")


def test_view_submission_refuses_an_input_the_view_does_not_hold() -> None:
    values = {"goal": {"missing": plain_text_state("x")}}

    with pytest.raises(ValueError, match="no input goal/missing"):
        view_submission_payload(user_id="U1", view=REVIEW_FORM, values=values)


def test_view_submission_refuses_a_state_of_another_element_type() -> None:
    values = {"checkin_date": {"date": checkboxes_state(["x"])}}

    with pytest.raises(ValueError, match="is a datepicker, not a checkboxes"):
        view_submission_payload(user_id="U1", view=REVIEW_FORM, values=values)


async def test_bolt_routes_a_view_submission_and_returns_its_field_errors(
    app: AsyncApp,
) -> None:
    seen: list[dict[str, Any]] = []

    @app.view("review_form")
    async def save_review(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen.append(view["state"]["values"])
        await ack(response_action="errors", errors={"goal": "Say what success looks like"})

    values = {
        "goal": {"text": plain_text_state("")},
        "checkin_date": {"date": datepicker_state(None)},
    }
    payload = view_submission_payload(user_id="U1", view=REVIEW_FORM, values=values)

    response = await app.async_dispatch(signed(interaction_body(payload)))

    assert response.status == 200
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"goal": "Say what success looks like"},
    }
    assert seen[0]["checkin_date"]["date"]["selected_date"] is None


async def test_bolt_routes_view_closed_for_a_view_that_asked_for_it(app: AsyncApp) -> None:
    closed: list[str] = []

    @app.view_closed("review_form")
    async def keep_draft(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        closed.append(body["user"]["id"])

    payload = view_closed_payload(user_id="U1", view=REVIEW_FORM)

    response = await app.async_dispatch(signed(interaction_body(payload)))

    assert response.status == 200
    assert closed == ["U1"]
    assert payload["is_cleared"] is False


def test_block_action_from_a_modal_carries_the_view_and_no_response_url() -> None:
    opened = {**REVIEW_FORM, "id": "V42", "hash": "1700000000.abc"}

    payload = block_actions_payload(
        user_id="U1", action_id="add_agreement", value="add", view=opened
    )

    assert payload["container"] == {"type": "view", "view_id": "V42"}
    assert payload["view"]["hash"] == "1700000000.abc"
    assert payload["actions"][0]["block_id"] == "agreements"
    assert payload["actions"][0]["value"] == "add"
    assert "response_url" not in payload


def test_block_action_needs_either_a_view_or_a_channel() -> None:
    with pytest.raises(ValueError, match="either a view or a message"):
        block_actions_payload(user_id="U1", action_id="add_agreement", value="add")


async def test_bolt_answers_a_block_action_from_a_message_through_the_fake_response_url(
    app: AsyncApp, fake: FakeSlack
) -> None:
    @app.action("agreement_status")
    async def record_status(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(text=f"Status: {action['selected_option']['value']}")

    payload = block_actions_payload(
        user_id="U1",
        action_id="agreement_status",
        value="done",
        action_type="static_select",
        channel_id="DU1",
        message_ts="1700000000.000100",
        response_url=fake.response_url("status"),
    )

    response = await app.async_dispatch(signed(interaction_body(payload)))

    answers = await fake.wait_for_responses("status")
    assert response.status == 200
    assert answers[0].body["text"] == "Status: done"
    assert payload["container"]["message_ts"] == "1700000000.000100"


async def test_bolt_routes_app_home_opened_and_the_home_tab_lands_on_the_fake(
    app: AsyncApp, fake: FakeSlack
) -> None:
    @app.event("app_home_opened")
    async def publish_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    body = app_home_opened_event_body("U1")

    response = await app.async_dispatch(signed(body, JSON_CONTENT_TYPE))

    await fake.wait_for_calls("views.publish")
    assert response.status == 200
    assert fake.home_views["U1"]["type"] == "home"
