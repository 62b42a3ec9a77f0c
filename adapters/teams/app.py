"""The Teams endpoint: botbuilder's CloudAdapter behind our own aiohttp route.

`POST /api/messages` authenticates and hands activities to the bot itself rather than
through `CloudAdapter.process`, which in botbuilder 4.17.1 serialises every invoke answer
twice and so answers each dialog with a 500. The route also gives the answers our
contract asks for where botbuilder would crash or stall: 415 for a body that is not JSON,
400 for one that is no activity or names no `serviceUrl` (a reply to it would hang), 401
for a missing or unreadable token, and 4xx rather than 501 for invokes the bot does not
handle.

Without TEAMS_APP_ID botbuilder checks no tokens at all, so the endpoint exists then only
with TEAMS_ALLOW_UNAUTHENTICATED=true (for the local emulator), and says so in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, ServiceClientCredentialsFactory
from msrest.serialization import Model

from adapters.teams.bot import ReviewTeamsBot
from adapters.teams.conversations import TeamsConversations
from adapters.teams.messenger import TeamsMessenger
from bot.check_ins import CheckInDesk
from bot.config import Settings
from bot.ports import Clock, Store
from bot.reviews import ReviewDesk

logger = logging.getLogger(__name__)

TEAMS_PATH = "/api/messages"

RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class TeamsChannelAuth:
    """Where inbound tokens are checked and outbound ones come from.

    The defaults are Microsoft's public cloud and the app's own password. Tests point the
    token check at their own OpenID metadata and hand in a credentials factory.
    """

    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    credentials_factory: ServiceClientCredentialsFactory | None = None


class _BotConfiguration:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings, auth: TeamsChannelAuth) -> None:
        password = settings.teams_app_password
        self.APP_ID = settings.teams_app_id or ""
        self.APP_PASSWORD = password.get_secret_value() if password else ""
        self.APP_TYPE = settings.teams_app_type or "MultiTenant"
        self.APP_TENANTID = settings.teams_app_tenant_id or ""
        if auth.openid_metadata_url:
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = auth.openid_metadata_url
        if auth.token_issuer:
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = auth.token_issuer


def teams_enabled(settings: Settings) -> bool:
    """The endpoint exists with an app id, or unauthenticated when explicitly allowed."""
    return bool(settings.teams_app_id) or settings.teams_allow_unauthenticated


def build_teams_adapter(settings: Settings, auth: TeamsChannelAuth | None = None) -> CloudAdapter:
    auth = auth or TeamsChannelAuth()
    authentication = ConfigurationBotFrameworkAuthentication(
        _BotConfiguration(settings, auth), credentials_factory=auth.credentials_factory
    )
    return CloudAdapter(authentication)


@dataclass(frozen=True, slots=True)
class TeamsEndpoint:
    adapter: CloudAdapter
    bot: ReviewTeamsBot
    conversations: TeamsConversations
    authentication_required: bool

    def route(self) -> RequestHandler:
        return teams_route(
            self.adapter, self.bot, authentication_required=self.authentication_required
        )

    def messenger(self) -> TeamsMessenger:
        return TeamsMessenger(self.conversations)


def build_teams_endpoint(
    *,
    settings: Settings,
    store: Store,
    clock: Clock,
    desk: ReviewDesk,
    check_ins: CheckInDesk,
    auth: TeamsChannelAuth | None = None,
) -> TeamsEndpoint | None:
    """The bot and its adapter, or None when Teams is not configured (the route 404s)."""
    if not teams_enabled(settings):
        return None
    if not settings.teams_app_id:
        logger.warning(
            "Teams endpoint %s accepts unauthenticated requests "
            "(TEAMS_ALLOW_UNAUTHENTICATED=true); use this with the local emulator only",
            TEAMS_PATH,
        )
    adapter = build_teams_adapter(settings, auth)
    conversations = TeamsConversations(
        adapter=adapter, store=store, clock=clock, app_id=settings.teams_app_id
    )
    bot = ReviewTeamsBot(
        desk=desk, check_ins=check_ins, store=store, clock=clock, conversations=conversations
    )
    return TeamsEndpoint(adapter, bot, conversations, bool(settings.teams_app_id))


def build_teams_messenger(
    *, settings: Settings, store: Store, clock: Clock, auth: TeamsChannelAuth | None = None
) -> TeamsMessenger | None:
    """Nudges as Teams DMs, for the sweep; None when Teams is not configured."""
    if not teams_enabled(settings):
        return None
    conversations = TeamsConversations(
        adapter=build_teams_adapter(settings, auth),
        store=store,
        clock=clock,
        app_id=settings.teams_app_id,
    )
    return TeamsMessenger(conversations)


def teams_route(
    adapter: CloudAdapter, bot: ReviewTeamsBot, *, authentication_required: bool
) -> RequestHandler:
    async def api_messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", "").lower():
            return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "expected application/json")
        auth_header = request.headers.get("Authorization", "")
        if authentication_required and not auth_header:
            return _error(HTTPStatus.UNAUTHORIZED, "authorization required")

        activity = await _read_activity(request)
        if activity is None:
            return _error(HTTPStatus.BAD_REQUEST, "not an activity")
        authenticated = await _authenticate(adapter, activity, auth_header)
        if authenticated is None:
            return _error(HTTPStatus.UNAUTHORIZED, "invalid authorization")

        try:
            answer = await adapter.process_activity(authenticated, activity, bot.on_turn)
        except Exception:
            logger.warning(
                "teams %.40r activity could not be handled", activity.type, exc_info=True
            )
            return _error(HTTPStatus.BAD_REQUEST, "activity could not be handled")
        if answer is None:
            return web.Response(status=HTTPStatus.CREATED)
        return invoke_answer(answer)

    return api_messages


async def _read_activity(request: web.Request) -> Activity | None:
    """The activity in the body, if it is one the bot can answer (it has a service URL)."""
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises its own errors, and others on odd shapes
        return None
    if not isinstance(activity.type, str) or not activity.type:
        return None
    if not isinstance(activity.service_url, str) or not activity.service_url.startswith(
        ("https://", "http://")
    ):
        return None
    return activity


async def _authenticate(
    adapter: CloudAdapter, activity: Activity, auth_header: str
) -> AuthenticateRequestResult | None:
    """botbuilder's own token check; any failure of it (a junk token raises a decode
    error, a bad one PermissionError) means the request is not authenticated."""
    try:
        result: AuthenticateRequestResult = (
            await adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
        )
    except Exception as error:
        logger.info("teams request refused: %s", type(error).__name__)
        return None
    return result


def invoke_answer(answer: InvokeResponse) -> web.Response:
    """The invoke's status and body as JSON; model objects and plain data alike.

    A body that cannot be written as JSON (botbuilder puts an exception object into some
    of its own error answers) or a 5xx status from botbuilder becomes a 400.
    """
    status = int(answer.status or HTTPStatus.OK)
    try:
        body = _plain(answer.body)
        text = json.dumps(body) if body is not None else None
    except (TypeError, ValueError):
        logger.info("teams invoke answer could not be serialised (status %s)", status)
        return _error(HTTPStatus.BAD_REQUEST, "invoke could not be answered")
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _error(HTTPStatus.BAD_REQUEST, "invoke could not be answered")
    if text is None:
        return web.Response(status=status)
    return web.Response(status=status, text=text, content_type="application/json")


def _plain(body: Any) -> Any:
    if isinstance(body, Model):
        return serializer_helper(body)
    return body


def _error(status: HTTPStatus, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)
