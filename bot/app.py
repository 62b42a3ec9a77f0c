"""Wiring: one aiohttp server with Slack and Teams, storage and the use cases.

This module and `bot.cli` are the only parts of `bot/` that import adapters and storage;
everything they assemble is handed in, so tests build the same server with their own
database, clock and fake Slack API.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.handlers import SlackReviewHandlers
from adapters.slack.messenger import SlackMessenger
from adapters.teams.app import (
    TEAMS_PATH,
    TeamsChannelAuth,
    build_teams_endpoint,
    build_teams_messenger,
)
from bot.agreements import load_vague_phrases
from bot.check_ins import CheckInDesk
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain import Platform
from bot.nudges import NudgeSweep
from bot.ports import Clock, JobQueue, Messenger, Store
from bot.reviews import ReviewDesk, ReviewRules
from bot.routing import RoutingMessenger
from bot.summary_slot import WeeklySummarySlot
from bot.templates import builtin_templates
from scheduler.job_queue import ApschedulerJobQueue
from scheduler.jobs import schedule_jobs
from storage.migrate import upgrade_database
from storage.store import SqlStore

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SLACK_PATH = "/slack/events"
STORE_KEY = web.AppKey("store", SqlStore)
# A nudge's HTTP call gives up after this long and is retried later; it bounds how long a
# batch can take, which must stay well inside the sweep's lease.
SWEEP_HTTP_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    clock: Clock
    desk: ReviewDesk
    check_ins: CheckInDesk


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
    check_ins = CheckInDesk(
        store=store,
        clock=clock,
        checkin_after_days=settings.checkin_after_days,
        skip_level_access=settings.skip_level_access,
    )
    return Services(settings=settings, store=store, clock=clock, desk=desk, check_ins=check_ins)


def build_slack_client(
    settings: Settings,
    *,
    retry_rate_limits: bool = True,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A Web API client; the SDK retries connection errors itself.

    `retry_rate_limits` adds the SDK's handler that sleeps out a 429's Retry-After, right
    for a user waiting on an answer; the nudge sweep turns it off and reschedules the
    nudge instead. With a `session` the client reuses its connections (the SDK otherwise
    opens a new one per call), and that session's timeout applies.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
    client = AsyncWebClient(
        token=token, base_url=base_url, session=session, logger=_slack_web_api_logger()
    )
    if retry_rate_limits:
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def _slack_web_api_logger() -> logging.Logger:
    """The Web API client's logger, with its level set.

    slack_sdk formats a debug line holding the whole request and answer whenever its
    logger's own level is unset, whether or not anything logs DEBUG: about a quarter of
    the CPU time of a chat.postMessage. A level of INFO skips that work; set this logger to
    DEBUG to see the requests.
    """
    web_api = logging.getLogger("slack_web_api")
    if web_api.level == logging.NOTSET:
        web_api.setLevel(logging.INFO)
    return web_api


def build_messenger(
    services: Services, client: AsyncWebClient, *, teams_auth: TeamsChannelAuth | None = None
) -> Messenger:
    """Nudges as Slack DMs; hand in a client built with `retry_rate_limits=False`.

    With Teams configured too, each person is nudged on one platform (`RoutingMessenger`).
    """
    slack = SlackMessenger(client, SlackDirectory(services.store, client))
    settings = services.settings
    teams = build_teams_messenger(
        settings=settings, store=services.store, clock=services.clock, auth=teams_auth
    )
    if teams is None:
        return slack
    messengers: dict[Platform, Messenger] = {Platform.TEAMS: teams}
    if settings.slack_bot_token is not None:
        messengers[Platform.SLACK] = slack
    return RoutingMessenger(messengers)


def build_nudge_sweep(services: Services, messenger: Messenger) -> NudgeSweep:
    return NudgeSweep(store=services.store, clock=services.clock, messenger=messenger)


def build_job_queue(services: Services, sweep: NudgeSweep) -> JobQueue:
    """The recurring jobs (nudge sweep, weekly HR summary slot) on APScheduler, not started."""
    settings = services.settings
    queue = ApschedulerJobQueue()
    summary = WeeklySummarySlot(
        store=services.store, clock=services.clock, timezone=settings.timezone
    )
    schedule_jobs(
        queue,
        sweep=sweep,
        summary=summary,
        sweep_seconds=settings.sweep_seconds,
        timezone=settings.timezone,
    )
    return queue


@dataclass(frozen=True, slots=True)
class RunningScheduler:
    queue: JobQueue
    session: aiohttp.ClientSession

    async def stop(self) -> None:
        await self.queue.shutdown()
        await self.session.close()


def start_scheduler(services: Services) -> RunningScheduler:
    """Starts the recurring jobs in the running event loop; `stop()` ends them."""
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SWEEP_HTTP_TIMEOUT))
    client = build_slack_client(services.settings, retry_rate_limits=False, session=session)
    queue = build_job_queue(
        services, build_nudge_sweep(services, build_messenger(services, client))
    )
    queue.start()
    return RunningScheduler(queue=queue, session=session)


def build_slack_app(
    services: Services,
    *,
    socket_mode: bool = False,
    session: aiohttp.ClientSession | None = None,
) -> AsyncApp:
    """Bolt with our listeners. Hand in a `session` (closed by the caller) so the Web API
    calls made after each acknowledgement reuse connections instead of opening one each."""
    settings = services.settings
    client = build_slack_client(settings, session=session)
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=not socket_mode,
        raise_error_for_unhandled_request=False,
    )
    handlers = SlackReviewHandlers(
        desk=services.desk,
        check_ins=services.check_ins,
        store=services.store,
        clock=services.clock,
        client=client,
    )
    handlers.register(app)
    return app


def build_web_app(
    services: Services, slack_app: AsyncApp | None, *, teams_auth: TeamsChannelAuth | None = None
) -> web.Application:
    """The aiohttp server: Slack's and Teams' endpoints (when configured), the health check."""
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
    teams = build_teams_endpoint(
        settings=services.settings,
        store=services.store,
        clock=services.clock,
        desk=services.desk,
        check_ins=services.check_ins,
        auth=teams_auth,
    )
    if teams is not None:
        app.router.add_post(TEAMS_PATH, teams.route())
    return app


def _slack_route(slack_app: AsyncApp, verifier: SignatureVerifier | None) -> Handler:
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
