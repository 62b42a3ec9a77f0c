"""The real reviewbot server on loopback with Teams on, driven the way Teams drives it.

Tests post activities in the shapes Teams sends (personal-chat messages, card actions,
`task/fetch` and `task/submit` invokes, installation events, channel messages) over real
HTTP to `/api/messages`. Each activity's `serviceUrl` is a fake Bot Connector, where the
bot's replies and proactive messages land and where tests read them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from adapters.teams.app import TEAMS_PATH, TeamsChannelAuth
from bot.app import Services, build_services, build_web_app, install_builtin_templates
from bot.config import load_settings
from bot.ports import Store
from tests.support.clock import SettableClock
from tests.support.fake_connector import TENANT_ID, FakeConnector, Member

BOT_ID = "28:reviewbot-app-id"
BOT_NAME = "reviewbot"
JSON = "application/json"


@dataclass(frozen=True)
class TeamsUser:
    """A Teams user with a personal chat with the bot."""

    member: Member

    @property
    def id(self) -> str:
        return self.member.id

    @property
    def personal_chat(self) -> str:
        return f"a:personal-{self.member.id.removeprefix('29:')}"

    def account(self) -> dict[str, Any]:
        account = {"id": self.member.id, "name": self.member.name}
        if self.member.aad_object_id:
            account["aadObjectId"] = self.member.aad_object_id
        return account


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def card(self) -> dict[str, Any]:
        """The Adaptive Card of a `continue` dialog answer."""
        assert self.body["task"]["type"] == "continue", self.body
        return dict(self.body["task"]["value"]["card"]["content"])


@dataclass
class TeamsBot:
    url: str
    connector: FakeConnector
    store: Store
    clock: SettableClock
    services: Services
    session: aiohttp.ClientSession
    headers: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def post(
        self, activity: Mapping[str, Any] | bytes, *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        sent = {"Content-Type": JSON, **self.headers, **(headers or {})}
        async with self.session.post(f"{self.url}{TEAMS_PATH}", data=body, headers=sent) as r:
            text = await r.text()
            return Answer(r.status, _json_or_text(text))

    def activity(self, user: TeamsUser, kind: str, **extra: Any) -> dict[str, Any]:
        """An activity from the user's personal chat, as Teams shapes it."""
        return {
            "type": kind,
            "id": f"1700000{next(self._ids)}",
            "timestamp": self.clock.now().isoformat(),
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": user.account(),
            "conversation": {
                "conversationType": "personal",
                "tenantId": TENANT_ID,
                "id": user.personal_chat,
            },
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "en-US",
            "channelData": {"tenant": {"id": TENANT_ID}},
            **extra,
        }

    async def say(
        self, user: TeamsUser, text: str, *, mentions: Sequence[TeamsUser] = ()
    ) -> Answer:
        """The user writes `text` in their personal chat.

        `<at>Name</at>` in the text mentions one of `mentions`, or the bot itself.
        """
        entities: list[dict[str, Any]] = [
            {
                "type": "mention",
                "mentioned": {"id": m.id, "name": m.member.name},
                "text": f"<at>{m.member.name}</at>",
            }
            for m in mentions
        ]
        if f"<at>{BOT_NAME}</at>" in text:
            entities.append(
                {
                    "type": "mention",
                    "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                    "text": f"<at>{BOT_NAME}</at>",
                }
            )
        entities.append(
            {"type": "clientInfo", "locale": "en-US", "platform": "Web", "timezone": "UTC"}
        )
        message = self.activity(user, "message", text=text, textFormat="plain", entities=entities)
        return await self.post(message)

    async def press(self, user: TeamsUser, value: Mapping[str, Any]) -> Answer:
        """An Action.Submit on a card in the chat: a message with `value` and no text."""
        return await self.post(self.activity(user, "message", value=dict(value)))

    async def fetch(self, user: TeamsUser, data: Mapping[str, Any]) -> Answer:
        """A button with `msteams.type: task/fetch` opens a dialog."""
        value = {"type": "task/fetch", "data": dict(data), "context": {"theme": "default"}}
        return await self.post(self.activity(user, "invoke", name="task/fetch", value=value))

    async def submit(self, user: TeamsUser, data: Mapping[str, Any]) -> Answer:
        """The dialog's Action.Submit: its data merged with every input's value."""
        value = {"type": "task/submit", "data": dict(data), "context": {"theme": "default"}}
        return await self.post(self.activity(user, "invoke", name="task/submit", value=value))

    async def install(self, user: TeamsUser) -> Answer:
        """The user adds the app: Teams sends installationUpdate and conversationUpdate."""
        installed = await self.post(self.activity(user, "installationUpdate", action="add"))
        assert installed.status < 300, installed
        added = self.activity(user, "conversationUpdate", membersAdded=[{"id": BOT_ID}])
        return await self.post(added)

    def channel_message(self, user: TeamsUser, text: str) -> dict[str, Any]:
        """A message in a team channel that @mentions the bot."""
        channel = "19:general@thread.tacv2"
        return {
            **self.activity(user, "message", text=f"<at>{BOT_NAME}</at> {text}"),
            "conversation": {
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": TENANT_ID,
                "id": f"{channel};messageid=1700000000999",
            },
            "entities": [
                {
                    "type": "mention",
                    "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                    "text": f"<at>{BOT_NAME}</at>",
                }
            ],
            "channelData": {
                "teamsChannelId": channel,
                "teamsTeamId": "19:team@thread.tacv2",
                "channel": {"id": channel},
                "team": {"id": "19:team@thread.tacv2"},
                "tenant": {"id": TENANT_ID},
            },
        }


def _json_or_text(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@asynccontextmanager
async def running_teams_bot(
    store: Store,
    *,
    now: dt.datetime,
    teams_auth: TeamsChannelAuth | None = None,
    **settings: Any,
) -> AsyncIterator[TeamsBot]:
    """Starts the fake Bot Connector and the real server with Teams on.

    `settings` are extra environment overrides; without any the endpoint runs
    unauthenticated (TEAMS_ALLOW_UNAUTHENTICATED=true), as for the local emulator.
    """
    connector = FakeConnector()
    await connector.start()
    config = load_settings(**(settings or {"TEAMS_ALLOW_UNAUTHENTICATED": "true"}))
    clock = SettableClock(now)
    await install_builtin_templates(store)
    services = build_services(config, store, clock)
    web_app = build_web_app(services, None, teams_auth=teams_auth)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listening).start()
    port = listening.getsockname()[1]
    try:
        async with aiohttp.ClientSession() as session:
            yield TeamsBot(f"http://127.0.0.1:{port}", connector, store, clock, services, session)
    finally:
        await runner.cleanup()
        await connector.stop()
