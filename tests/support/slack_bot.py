"""The real reviewbot server on loopback, wired to a fake Slack Web API, driven over HTTP.

Tests talk to it only the way Slack does: signed slash commands, interactions and events
over real HTTP. What the bot sends back to Slack lands in the fake, where tests read it.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import build_services, build_slack_app, build_web_app, install_builtin_templates
from bot.config import load_settings
from bot.ports import Store
from tests.support.clock import SettableClock
from tests.support.fake_slack import FakeSlack
from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    interaction_body,
    sign,
    slash_command_body,
)

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class SlackBot:
    url: str
    fake: FakeSlack
    store: Store
    clock: SettableClock
    session: aiohttp.ClientSession

    async def post(
        self,
        body: bytes,
        *,
        content_type: str = FORM_CONTENT_TYPE,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> aiohttp.ClientResponse:
        headers = {"Content-Type": content_type, **sign(body, secret, timestamp)}
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            await r.read()
            return r

    async def command(
        self, text: str, *, user_id: str, response: str = "command"
    ) -> aiohttp.ClientResponse:
        """Types `/review {text}`; ephemeral answers land in `fake.responses_to(response)`."""
        body = slash_command_body(
            text=text, user_id=user_id, response_url=self.fake.response_url(response)
        )
        return await self.post(body)

    async def interact(self, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any] | None]:
        body = interaction_body(payload)
        headers = {"Content-Type": FORM_CONTENT_TYPE, **sign(body, SIGNING_SECRET)}
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            text = await r.text()
            return r.status, json.loads(text) if text.strip().startswith("{") else None

    async def event(self, body: bytes) -> int:
        response = await self.post(body, content_type=JSON_CONTENT_TYPE)
        return response.status


@asynccontextmanager
async def running_slack_bot(
    store: Store, *, now: dt.datetime, **settings: Any
) -> AsyncIterator[SlackBot]:
    """Starts fake Slack and the real server; `settings` are extra environment overrides."""
    fake = FakeSlack()
    await fake.start()
    config = load_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        **settings,
    )
    clock = SettableClock(now)
    await install_builtin_templates(store)
    services = build_services(config, store, clock)
    web_app = build_web_app(services, build_slack_app(services))
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listening).start()
    port = listening.getsockname()[1]
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackBot(f"http://127.0.0.1:{port}", fake, store, clock, session)
    finally:
        await runner.cleanup()
        await fake.stop()
