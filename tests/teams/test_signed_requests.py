"""With TEAMS_APP_ID set, botbuilder checks every token: valid ones pass, others get 401."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from adapters.teams.app import TeamsChannelAuth
from bot.domain import Person
from bot.ports import Store
from tests.support.bot_framework_tokens import (
    ISSUER,
    OUTBOUND_TOKEN,
    StaticCredentials,
    TokenIssuer,
)
from tests.support.teams_bot import TeamsBot, TeamsUser, running_teams_bot
from tests.teams.conftest import NOW, STRANGER, TEAMS_USERS

APP_ID = "0f5c8e0e-1d2b-4c3a-9e8f-7a6b5c4d3e2f"


@dataclass
class SignedBot:
    bot: TeamsBot
    issuer: TokenIssuer

    def bearer(self, **overrides: object) -> dict[str, str]:
        claims: dict[str, object] = {
            "audience": APP_ID,
            "service_url": self.bot.connector.service_url,
            **overrides,
        }
        return {"Authorization": f"Bearer {self.issuer.token(**claims)}"}  # type: ignore[arg-type]


@pytest.fixture
def issuer() -> Iterator[TokenIssuer]:
    with TokenIssuer() as running:
        yield running


@pytest.fixture
async def signed(
    store: Store, people: dict[str, Person], issuer: TokenIssuer
) -> AsyncIterator[SignedBot]:
    auth = TeamsChannelAuth(
        openid_metadata_url=issuer.metadata_url,
        token_issuer=ISSUER,
        credentials_factory=StaticCredentials(APP_ID),
    )
    async with running_teams_bot(
        store, now=NOW, teams_auth=auth, TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD="unused"
    ) as bot:
        for user in (*TEAMS_USERS.values(), STRANGER):
            bot.connector.add_member(user.member)
        yield SignedBot(bot, issuer)


async def test_a_validly_signed_message_is_handled_and_the_reply_carries_the_bots_token(
    signed: SignedBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]
    activity = signed.bot.activity(maria, "message", text="help")

    answer = await signed.bot.post(activity, headers=signed.bearer())

    assert answer.status == 201
    reply = signed.bot.connector.posted_to(maria.personal_chat)[-1]
    assert reply.text.startswith("Here is what I can do:")
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"


async def test_a_validly_signed_dialog_is_answered_with_its_card(
    signed: SignedBot, users: dict[str, TeamsUser]
) -> None:
    maria, alice = users["maria"], users["alice"]
    start = signed.bot.activity(
        maria,
        "message",
        text="start alice@example.com",
    )
    await signed.bot.post(start, headers=signed.bearer())
    card = signed.bot.connector.posted_to(maria.personal_chat)[-1].cards[0]
    data = card["actions"][0]["data"]
    fetch = signed.bot.activity(
        maria, "invoke", name="task/fetch", value={"data": data, "context": {}}
    )

    answer = await signed.bot.post(fetch, headers=signed.bearer())

    assert answer.status == 200
    assert answer.body["task"]["type"] == "continue"
    assert alice.member.name in str(answer.body)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-authorization"),
        pytest.param({"Authorization": "Bearer junk"}, id="junk-token"),
        pytest.param({"Authorization": "Bearer a.b.c"}, id="junk-jwt"),
        pytest.param({"Authorization": "Basic bWFyaWE6c2VjcmV0"}, id="basic-auth"),
    ],
)
async def test_a_request_without_a_readable_token_gets_401_and_nothing_runs(
    signed: SignedBot, users: dict[str, TeamsUser], headers: dict[str, str]
) -> None:
    activity = signed.bot.activity(users["maria"], "message", text="help")

    answer = await signed.bot.post(activity, headers=headers)

    assert answer.status == 401
    assert signed.bot.connector.posted == []


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"audience": "another-app"}, id="wrong-audience"),
        pytest.param({"issuer": "https://someone.else.test"}, id="wrong-issuer"),
        pytest.param({"service_url": "http://127.0.0.1:9/"}, id="wrong-service-url"),
        pytest.param({"expires_in": -3600}, id="expired"),
        pytest.param({"key": TokenIssuer.stranger_key()}, id="unknown-signing-key"),
    ],
)
async def test_a_token_that_does_not_check_out_gets_401_and_nothing_runs(
    signed: SignedBot, users: dict[str, TeamsUser], overrides: dict[str, object]
) -> None:
    activity = signed.bot.activity(users["maria"], "message", text="help")

    answer = await signed.bot.post(activity, headers=signed.bearer(**overrides))

    assert answer.status == 401
    assert signed.bot.connector.posted == []
