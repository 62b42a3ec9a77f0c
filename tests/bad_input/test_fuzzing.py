"""Fuzzing the Slack endpoint with correctly signed, hostile bodies (SPEC §11, "Input").

Every body is signed with the real secret, so it gets past the signature check and
reaches Bolt and our listeners. Whatever it holds, the answer must not be a 5xx, no
listener may crash after acknowledging, no command may end in the bot's "something went
wrong" apology, and the server must still answer /healthz and a command afterwards.

How hypothesis meets the async server: the server and its HTTP client session live on
the test's event loop, while hypothesis drives plain functions. So each test defines a
synchronous `@given` function and runs it in a worker thread with `asyncio.to_thread`;
every example hands its request to the test's loop with `asyncio.run_coroutine_threadsafe`
and waits for the status. The loop stays free to serve while the worker waits, one server
serves all examples of a test, and no plugin glue between hypothesis and pytest-asyncio is
involved. Examples are bounded (see FUZZ) so the module runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import render
from bot import messages
from bot.domain import Person
from bot.review_form import ADD_AGREEMENT_ACTION
from tests.bad_input.checks import assert_still_serving
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    interaction_body,
    view_submission_payload,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ANSWERS = "fuzz"
REQUEST_TIMEOUT = 30.0

KNOWN_USERS = ["UMGR", "UALICE", "UOLLE", "UHR", "UCEO", "UNOBODY"]
VERBS = ["start", "prep", "salary", "checkin", "show", "list", "summary", "help", "START"]
INTERACTION_TYPES = [
    "view_submission",
    "view_closed",
    "block_actions",
    "block_suggestion",
    "shortcut",
    "message_action",
    "interactive_message",
]
CALLBACK_IDS = ["review", "prepare", "review_read"]
ACTION_IDS = [ADD_AGREEMENT_ACTION, render.PREPARE_ACTION, render.OPEN_REVIEW_ACTION]
ELEMENT_TYPES = [
    "plain_text_input",
    "number_input",
    "datepicker",
    "timepicker",
    "static_select",
    "radio_buttons",
    "multi_static_select",
    "checkboxes",
    "users_select",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
user_ids = st.sampled_from(KNOWN_USERS) | st.text(max_size=12)
users = st.fixed_dictionaries({"id": user_ids}) | json_values
people_named = st.one_of(
    st.sampled_from(KNOWN_USERS).map(lambda u: f"<@{u}|{u.lower()}>"),
    st.sampled_from(["alice@example.com", "<mailto:x@y.se|x@y.se>", "@alice", '"Olle Other"']),
    st.text(max_size=40),
)
command_texts = st.one_of(
    st.text(max_size=200),
    st.tuples(st.sampled_from(VERBS), people_named, st.text(max_size=20)).map(" ".join),
)
element_states = st.fixed_dictionaries(
    {"type": st.sampled_from(ELEMENT_TYPES) | st.text(max_size=10)},
    optional={
        "value": json_values,
        "selected_date": st.dates().map(str) | json_values,
        "selected_time": st.times().map(lambda t: t.strftime("%H:%M")) | json_values,
        "selected_option": st.fixed_dictionaries({"value": json_values}) | json_values,
        "selected_options": st.lists(st.fixed_dictionaries({"value": json_values})) | json_values,
    },
)


def slash_commands(response_url: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "command": st.just("/review") | st.text(max_size=10),
            "text": command_texts,
            "user_id": user_ids,
            "response_url": st.just(response_url),
            "trigger_id": st.text(max_size=30),
        },
        optional={"team_id": st.text(max_size=10), "channel_id": st.text(max_size=10)},
    )


def interactions(response_url: str) -> st.SearchStrategy[dict[str, Any]]:
    views = st.fixed_dictionaries(
        {
            "type": st.just("modal") | st.text(max_size=8),
            "callback_id": st.sampled_from(CALLBACK_IDS) | st.text(max_size=8),
        },
        optional={
            "id": st.text(max_size=12),
            "hash": st.text(max_size=12),
            "private_metadata": st.text(max_size=60) | json_values.map(json.dumps),
            "state": st.fixed_dictionaries({"values": json_values}) | json_values,
            "blocks": json_values,
        },
    )
    actions = st.fixed_dictionaries(
        {"action_id": st.sampled_from(ACTION_IDS) | st.text(max_size=12)},
        optional={
            "type": st.sampled_from(["button", "static_select"]) | json_values,
            "value": st.integers().map(str) | json_values,
            "block_id": st.text(max_size=10),
        },
    )
    return st.fixed_dictionaries(
        {"type": st.sampled_from(INTERACTION_TYPES) | st.text(max_size=12)},
        optional={
            "user": users,
            "team": json_values,
            "trigger_id": st.text(max_size=30),
            "view": views | json_values,
            "actions": st.lists(actions, max_size=3) | json_values,
            "container": json_values,
            "response_url": st.just(response_url),
            "callback_id": st.sampled_from(CALLBACK_IDS) | st.text(max_size=8),
        },
    )


def events() -> st.SearchStrategy[dict[str, Any]]:
    event = st.fixed_dictionaries(
        {"type": st.sampled_from(["app_home_opened", "message", "app_mention"]) | st.text()},
        optional={"user": user_ids | json_values, "tab": st.sampled_from(["home"]) | json_values},
    )
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["event_callback", "url_verification"]) | st.text()},
        optional={
            "event": event | json_values,
            "challenge": json_values,
            "team_id": json_values,
            "authorizations": json_values,
            "event_id": json_values,
        },
    )


def submissions_of(view: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Submissions of a real opened review form with hostile state and metadata."""
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    real_metadata = json.loads(view["private_metadata"])
    forged_states = st.fixed_dictionaries(
        {},
        optional={key: json_values | st.integers() for key in ("e", "t", "v", "n", "r")},
    )
    metadata = st.one_of(
        st.just(view["private_metadata"]),
        st.text(max_size=80),
        json_values.map(json.dumps),
        forged_states.map(
            lambda s: json.dumps({**real_metadata, "s": {**real_metadata["s"], **s}})
        ),
    )
    typed = st.dictionaries(st.sampled_from(block_ids), st.text(max_size=300), max_size=6).map(
        lambda typed: {
            block: {"value": {"type": "plain_text_input", "value": text}}
            for block, text in typed.items()
        }
    )
    hostile = st.dictionaries(
        st.sampled_from(block_ids) | st.text(max_size=10),
        st.dictionaries(st.just("value") | st.text(max_size=5), element_states | json_values)
        | json_values,
        max_size=8,
    )
    return st.fixed_dictionaries(
        {"user": users, "metadata": metadata, "state": typed | hostile},
    )


def submission_body(view: dict[str, Any], drawn: dict[str, Any]) -> bytes:
    payload = view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    payload["user"] = drawn["user"]
    payload["view"]["private_metadata"] = drawn["metadata"]
    good_state = payload["view"]["state"]["values"]
    payload["view"]["state"]["values"] = {**good_state, **drawn["state"]}
    return interaction_body(payload)


def any_payload(value: Any) -> bytes:
    """`payload=<JSON>` holding any JSON value, not only the objects Slack sends."""
    return urlencode({"payload": json.dumps(value)}).encode()


Poster = Callable[[bytes, str], int]


def poster_on(loop: asyncio.AbstractEventLoop, bot: SlackBot) -> Poster:
    """A blocking `post(body, content_type) -> status` for the hypothesis worker thread."""

    async def status_of(body: bytes, content_type: str) -> int:
        response = await bot.post(body, content_type=content_type)
        return response.status

    def post(body: bytes, content_type: str) -> int:
        request: Coroutine[Any, Any, int] = status_of(body, content_type)
        future = asyncio.run_coroutine_threadsafe(request, loop)
        return future.result(timeout=REQUEST_TIMEOUT)

    return post


async def assert_survived(bot: SlackBot, caplog: pytest.LogCaptureFixture) -> None:
    """Still serving; no listener crashed after its ack; no command ended in an apology."""
    await assert_still_serving(bot)
    crashed = [r for r in caplog.records if "failed after its ack" in r.getMessage()]
    assert crashed == []
    apologies = [
        r
        for r in bot.fake.responses_to(ANSWERS)
        if r.body.get("text") == messages.SOMETHING_WENT_WRONG
    ]
    assert apologies == []


@pytest.fixture
def caplog_errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR)
    return caplog


async def test_random_slash_commands_never_get_a_5xx_and_the_server_keeps_serving(
    slack_bot: SlackBot, people: dict[str, Person], caplog_errors: pytest.LogCaptureFixture
) -> None:
    post = poster_on(asyncio.get_running_loop(), slack_bot)

    @FUZZ
    @given(fields=slash_commands(slack_bot.fake.response_url(ANSWERS)))
    def no_command_gets_a_5xx(fields: dict[str, Any]) -> None:
        status = post(urlencode(fields).encode(), FORM_CONTENT_TYPE)
        assert status < 500

    await asyncio.to_thread(no_command_gets_a_5xx)

    await assert_survived(slack_bot, caplog_errors)


async def test_random_interaction_payloads_never_get_a_5xx_and_the_server_keeps_serving(
    slack_bot: SlackBot, people: dict[str, Person], caplog_errors: pytest.LogCaptureFixture
) -> None:
    post = poster_on(asyncio.get_running_loop(), slack_bot)
    raw_forms = st.dictionaries(st.text(max_size=10), st.text(max_size=40)).map(
        lambda fields: urlencode(fields).encode()
    )

    @FUZZ
    @given(
        body=st.one_of(
            interactions(slack_bot.fake.response_url(ANSWERS)).map(interaction_body),
            json_values.map(any_payload),
            raw_forms,
            st.binary(max_size=200),
        )
    )
    def no_interaction_gets_a_5xx(body: bytes) -> None:
        status = post(body, FORM_CONTENT_TYPE)
        assert status < 500

    await asyncio.to_thread(no_interaction_gets_a_5xx)

    await assert_survived(slack_bot, caplog_errors)


async def test_random_event_bodies_never_get_a_5xx_and_the_server_keeps_serving(
    slack_bot: SlackBot, people: dict[str, Person], caplog_errors: pytest.LogCaptureFixture
) -> None:
    post = poster_on(asyncio.get_running_loop(), slack_bot)

    @FUZZ
    @given(body=st.one_of(events(), json_values).map(lambda e: json.dumps(e).encode()))
    def no_event_gets_a_5xx(body: bytes) -> None:
        status = post(body, JSON_CONTENT_TYPE)
        assert status < 500

    await asyncio.to_thread(no_event_gets_a_5xx)

    await assert_survived(slack_bot, caplog_errors)


async def test_hostile_submissions_of_a_real_review_form_never_get_a_5xx(
    slack_bot: SlackBot, people: dict[str, Person], caplog_errors: pytest.LogCaptureFixture
) -> None:
    view = await open_review_form(slack_bot)
    post = poster_on(asyncio.get_running_loop(), slack_bot)

    @FUZZ
    @given(drawn=submissions_of(view))
    def no_submission_gets_a_5xx(drawn: dict[str, Any]) -> None:
        status = post(submission_body(view, drawn), FORM_CONTENT_TYPE)
        assert status < 500

    await asyncio.to_thread(no_submission_gets_a_5xx)

    await assert_survived(slack_bot, caplog_errors)
