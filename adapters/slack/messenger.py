"""Delivering nudges as Slack DMs, with Slack's errors sorted into retry-later or failed.

The sweep hands in a Web API client without slack_sdk's rate-limit retry handler: a 429
comes back here as RetryLater with Slack's Retry-After, and the nudge is simply due again
later, instead of one throttled message holding up the rest of its batch while the SDK
sleeps.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.nudge_messages import nudge_message
from bot.ports import DeliveryOutcome, Failed, NudgeMessage, RetryLater, Sent

logger = logging.getLogger(__name__)

NO_SLACK_USER = "no slack user"
DEFAULT_RETRY_AFTER_SECONDS = 30.0

# Slack's answers that may well succeed on a later try. Everything else that Slack
# refuses (user_not_found, account_inactive, channel_not_found, user_disabled,
# not_in_channel, is_archived, cannot_dm_bot, invalid_auth, invalid_blocks, ...) would be
# refused again, so it ends the nudge as failed with Slack's reason.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


class SlackMessenger:
    """`bot.ports.Messenger` for Slack: one DM per nudge, to the recipient's user id."""

    def __init__(self, client: AsyncWebClient, directory: SlackDirectory) -> None:
        self._client = client
        self._directory = directory

    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        try:
            return await self._send(message)
        except SlackApiError as error:
            return _outcome_of(error)
        except (TimeoutError, aiohttp.ClientError) as error:
            return RetryLater(0, f"connection error: {type(error).__name__}")

    async def _send(self, message: NudgeMessage) -> DeliveryOutcome:
        user_id = await self._directory.find_user_id(message.recipient)
        if not user_id:
            return Failed(NO_SLACK_USER)

        text, blocks = nudge_message(message)
        answer = await self._client.chat_postMessage(
            channel=user_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        return Sent(f"{answer['channel']}:{answer['ts']}")


def _outcome_of(error: SlackApiError) -> DeliveryOutcome:
    """429 and 5xx are transient whatever the body says; otherwise Slack's error code decides."""
    status = error.response.status_code
    code = str(error.response.get("error") or f"http_{status}")
    if status == 429:
        return RetryLater(_retry_after(error), code)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return RetryLater(0, code)
    return Failed(code)


def _retry_after(error: SlackApiError) -> float:
    """Slack's Retry-After in seconds; header names may come in any case (HTTP/2)."""
    headers = error.response.headers or {}
    values = [str(value) for name, value in headers.items() if name.lower() == "retry-after"]
    try:
        seconds = float(values[0])
    except (IndexError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(seconds, 1.0)
