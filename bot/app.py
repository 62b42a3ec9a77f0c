"""Wiring: one aiohttp server with Slack (and later Teams), storage and the use cases.

This module and `bot.cli` are the only parts of `bot/` that import adapters and storage;
everything they assemble is handed in, so tests build the same server with their own
database, clock and fake Slack API.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.handlers import SlackReviewHandlers
from bot.agreements import load_vague_phrases
from bot.clock import SystemClock
from bot.config import Settings
from bot.ports import Clock, Store
from bot.reviews import ReviewDesk, ReviewRules
from bot.templates import builtin_templates
from storage.migrate import upgrade_database
from storage.store import SqlStore

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SLACK_PATH = "/slack/events"
STORE_KEY = web.AppKey("store", SqlStore)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    clock: Clock
    desk: ReviewDesk


async def prepare_database(settings: Settings) -> SqlStore:
    """Migrates the database and makes sure the built-in templates are stored."""
    await upgrade_database(settings.database_url)
    store = SqlStore.from_url(settings.database_url)
    await install_builtin_templates(store)
    return store


async def install_builtin_templates(store: Store) -> None:
    """Stores the shipped templates; an unchanged one is not stored again (see add_version)."""
    async with store.unit_of_work() as uow:
        for template in builtin_templates():
            await uow.templates.add_version(template)
        await uow.commit()


def build_services(settings: Settings, store: Store, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    rules = ReviewRules(
        checkin_after_days=settings.checkin_after_days,
        skip_level_access=settings.skip_level_access,
        timezone=settings.timezone,
    )
    desk = ReviewDesk(store=store, clock=clock, rules=rules, phrases=load_vague_phrases())
    return Services(settings=settings, store=store, clock=clock, desk=desk)


def build_slack_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = AsyncWebClient(token=token)
    if settings.slack_api_url:
        client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_slack_app(services: Services, *, socket_mode: bool = False) -> AsyncApp:
    settings = services.settings
    client = build_slack_client(settings)
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=not socket_mode,
        raise_error_for_unhandled_request=False,
    )
    handlers = SlackReviewHandlers(
        desk=services.desk, store=services.store, clock=services.clock, client=client
    )
    handlers.register(app)
    return app


def build_web_app(services: Services, slack_app: AsyncApp | None) -> web.Application:
    """The aiohttp server: Slack's endpoint (when configured) and the health check."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)

    async def health(_: web.Request) -> web.Response:
        try:
            await services.store.ping()
        except Exception:
            logger.exception("health check: database unreachable")
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True, "database": "ok"})

    app.router.add_get("/healthz", health)
    if slack_app is not None:
        secret = services.settings.slack_signing_secret
        verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
        app.router.add_post(SLACK_PATH, _slack_route(slack_app, verifier))
    return app


def _slack_route(slack_app: AsyncApp, verifier: SignatureVerifier | None) -> web.Handler:
    """Refuses unsigned requests before Bolt sees them, then lets Bolt dispatch the rest.

    Bolt parses the body (JSON included) before its own signature check runs, so an unsigned
    body that cannot be parsed would crash there with a 500; checking first answers 401.
    """

    async def slack_events(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if verifier is not None and not _signed_by_slack(verifier, raw, request.headers):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=dict(request.headers),
            )
        except Exception:  # not UTF-8, payload not JSON, or JSON of the wrong shape
            logger.info("slack request body could not be read")
            return web.json_response({"error": "malformed request"}, status=400)
        try:
            bolt_response = await slack_app.async_dispatch(bolt_request)
        except Exception:
            logger.exception("slack request could not be dispatched")
            return web.json_response({"error": "malformed request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    return slack_events


def _signed_by_slack(verifier: SignatureVerifier, raw: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the exact body, with a numeric, recent timestamp."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        return False
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return verifier.is_valid(body, timestamp, signature)
