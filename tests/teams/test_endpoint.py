"""The HTTP contract of POST /api/messages: an answer for everything, never a 5xx."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from botbuilder.core import InvokeResponse
from botbuilder.schema import AdaptiveCardInvokeResponse
from botbuilder.schema.teams import TaskModuleMessageResponse, TaskModuleResponse

from adapters.teams.app import TEAMS_PATH, invoke_answer
from bot import messages
from bot.domain import Person
from bot.ports import Store
from tests.support.teams_bot import TeamsBot, TeamsUser, running_teams_bot
from tests.teams.conftest import NOW


async def test_a_message_activity_is_answered_201_with_an_empty_body(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    answer = await teams_bot.say(users["maria"], "help")

    assert (answer.status, answer.body) == (201, None)
    reply = teams_bot.connector.posted_to(users["maria"].personal_chat)[-1]
    assert reply.text.startswith("Here is what I can do:")


async def test_a_body_that_is_not_declared_json_gets_415(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    activity = teams_bot.activity(users["maria"], "message", text="help")

    answer = await teams_bot.post(b"type=message", headers={"Content-Type": "text/plain"})
    also = await teams_bot.post(activity, headers={"Content-Type": "application/xml"})

    assert (answer.status, also.status) == (415, 415)
    assert teams_bot.connector.posted == []


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"message"',
        b"{}",
        b'{"type": "", "serviceUrl": "http://127.0.0.1:1/"}',
        b'{"type": null, "serviceUrl": "http://127.0.0.1:1/"}',
        b'{"type": "message", "text": "help", "from": "nobody"}',
    ],
)
async def test_a_body_that_is_no_activity_gets_400(teams_bot: TeamsBot, body: bytes) -> None:
    answer = await teams_bot.post(body)

    assert answer.status == 400
    assert teams_bot.connector.posted == []


async def test_an_activity_without_a_service_url_gets_400_at_once_instead_of_hanging(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    activity = teams_bot.activity(users["maria"], "message", text="help")
    started = time.monotonic()

    without = await teams_bot.post({k: v for k, v in activity.items() if k != "serviceUrl"})
    empty = await teams_bot.post({**activity, "serviceUrl": ""})

    assert (without.status, empty.status) == (400, 400)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("composeExtension/query", {"commandId": "search"}),
        ("adaptiveCard/action", {}),
        ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "x"}}),
        ("signin/verifyState", {"state": "123"}),
        (None, {"data": {}}),
        ("task/fetch", "not an object"),
        ("task/submit", ["a", "list"]),
    ],
)
async def test_an_invoke_the_bot_does_not_handle_gets_a_4xx_rather_than_501(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], name: str | None, value: Any
) -> None:
    activity = teams_bot.activity(users["maria"], "invoke", name=name, value=value)

    answer = await teams_bot.post(activity)

    assert 400 <= answer.status < 500


async def test_a_dialog_button_that_is_not_ours_opens_a_dialog_that_says_so(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    answer = await teams_bot.fetch(users["maria"], {"msteams": {"type": "task/fetch"}})

    assert answer.status == 200
    assert answer.body == {"task": {"type": "message", "value": messages.TEAMS_UNREADABLE_ACTION}}


async def test_a_junk_authorization_header_gets_401_even_when_unauthenticated_use_is_allowed(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    activity = teams_bot.activity(users["maria"], "message", text="help")

    answers = [
        await teams_bot.post(activity, headers={"Authorization": header})
        for header in ("Bearer not.a.jwt", "Bearer", "Basic dXNlcjpwYXNz", "Bearer ###")
    ]

    assert [a.status for a in answers] == [401, 401, 401, 401]
    assert teams_bot.connector.posted == []


async def test_mention_entities_of_odd_shapes_still_get_an_answer(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]
    odd_entities = [
        {"type": "mention"},
        {"type": "mention", "mentioned": "someone"},
        {"type": None},
        {"type": "mention", "mentioned": {"id": "28:reviewbot-app-id"}, "text": None},
    ]
    activity = teams_bot.activity(
        maria, "message", text="<at>reviewbot</at> help", entities=odd_entities
    )

    answer = await teams_bot.post(activity)

    assert answer.status in (201, 400)
    assert (await teams_bot.say(maria, "help")).status == 201


async def test_the_endpoint_is_off_without_an_app_id_unless_unauthenticated_use_is_allowed(
    store: Store, people: dict[str, Person], users: dict[str, TeamsUser]
) -> None:
    async with running_teams_bot(store, now=NOW, TEAMS_ALLOW_UNAUTHENTICATED="false") as bot:
        activity = bot.activity(users["maria"], "message", text="help")

        answer = await bot.post(activity)
        health = await bot.session.get(f"{bot.url}/healthz")

    assert answer.status == 404
    assert health.status == 200


async def test_with_an_app_id_a_request_without_a_token_gets_401_and_nothing_runs(
    store: Store, people: dict[str, Person], users: dict[str, TeamsUser]
) -> None:
    async with running_teams_bot(
        store, now=NOW, TEAMS_APP_ID="11111111-2222-3333-4444-555555555555"
    ) as bot:
        activity = bot.activity(users["maria"], "message", text="help")

        answer = await bot.post(activity)

        assert answer.status == 401
        assert bot.connector.posted == []


async def test_unauthenticated_use_is_announced_as_a_warning_at_start(
    store: Store, people: dict[str, Person], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.teams.app")

    async with running_teams_bot(store, now=NOW):
        pass
    warned = [r for r in caplog.records if "TEAMS_ALLOW_UNAUTHENTICATED" in r.getMessage()]
    caplog.clear()
    async with running_teams_bot(store, now=NOW, TEAMS_APP_ID="an-app-id"):
        pass

    assert len(warned) == 1
    assert warned[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if "TEAMS_ALLOW_UNAUTHENTICATED" in r.getMessage()]


async def test_the_server_still_serves_after_a_run_of_malformed_requests(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]
    hostile: list[dict[str, Any]] = [
        teams_bot.activity(maria, "message", text=None, value=None),
        teams_bot.activity(maria, "message", value={"reviewbot-action": "open"}),
        teams_bot.activity(maria, "message", value={"reviewbot-action": {"do": "open"}}),
        teams_bot.activity(maria, "message", value=[1, 2, 3]),
        teams_bot.activity(maria, "conversationUpdate", membersAdded=[{"id": "29:unknown"}]),
        teams_bot.activity(maria, "conversationUpdate", membersAdded="everyone"),
        teams_bot.activity(maria, "installationUpdate", action="remove"),
        teams_bot.activity(maria, "messageReaction", reactionsAdded=[{"type": "like"}]),
        teams_bot.activity(maria, "unknownType"),
        {**teams_bot.activity(maria, "message", text="help"), "from": None},
        {**teams_bot.activity(maria, "message", text="help"), "recipient": None},
        {**teams_bot.activity(maria, "message", text="help"), "conversation": None},
        {**teams_bot.activity(maria, "message", text="x" * 200_000)},
    ]

    statuses = [(await teams_bot.post(activity)).status for activity in hostile]
    after = await teams_bot.say(maria, "help")

    assert all(status < 500 for status in statuses), statuses
    assert after.status == 201
    assert TEAMS_PATH == "/api/messages"


def test_invoke_answers_are_written_as_json_from_model_objects_and_plain_data_alike() -> None:
    model = TaskModuleResponse(task=TaskModuleMessageResponse(value="Saved."))
    broken = AdaptiveCardInvokeResponse(status_code=400, value=Exception("BadRequest"))

    from_model = invoke_answer(InvokeResponse(status=200, body=model))
    from_dict = invoke_answer(InvokeResponse(status=200, body={"task": {"type": "message"}}))
    empty = invoke_answer(InvokeResponse(status=200))
    unserialisable = invoke_answer(InvokeResponse(status=400, body=broken))
    not_implemented = invoke_answer(InvokeResponse(status=501))

    assert json.loads(from_model.text or "") == {"task": {"type": "message", "value": "Saved."}}
    assert json.loads(from_dict.text or "") == {"task": {"type": "message"}}
    assert (empty.status, empty.text) == (200, None)
    assert (unserialisable.status, not_implemented.status) == (400, 400)
