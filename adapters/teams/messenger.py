"""Delivering nudges as Teams DMs, with the Bot Connector's errors sorted into outcomes.

A nudge goes to the recipient's personal chat with the bot, continued from the stored
conversation reference. Someone who never installed the app or wrote to the bot has none:
that is permanent until they do, so the nudge ends as failed with the reason and shows in
`reviewbot nudges --failed`. The Bot Connector answers 403 when the bot is no longer in
the chat's roster (the app was removed) and 404 `ConversationNotFound`: both permanent.
429 and 5xx are transient.

Each nudge reads its recipient's conversation reference in a query of its own, so a Teams
sweep costs a database round trip per nudge where the Slack one needs none; that goes
when the sweep hands messengers each batch's recipients to look up at once.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError

from adapters.teams import replies
from adapters.teams.conversations import NotReachable, TeamsConversations
from bot.ports import DeliveryOutcome, Failed, NudgeMessage, RetryLater, Sent

logger = logging.getLogger(__name__)

NOT_REACHABLE = "teams user not reachable: no conversation reference"
NOT_IN_ROSTER = "teams user not reachable: bot not in conversation roster (403)"
CONVERSATION_NOT_FOUND = "teams user not reachable: ConversationNotFound (404)"
DEFAULT_RETRY_AFTER_SECONDS = 30.0
SEND_TIMEOUT_SECONDS = 20.0


class TeamsMessenger:
    """`bot.ports.Messenger` for Teams: one proactive DM per nudge."""

    def __init__(
        self, conversations: TeamsConversations, *, timeout_seconds: float = SEND_TIMEOUT_SECONDS
    ) -> None:
        self._conversations = conversations
        self._timeout = timeout_seconds

    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        try:
            async with asyncio.timeout(self._timeout):
                ref = await self._conversations.send_to_person(
                    message.recipient, replies.nudge_card(message)
                )
        except NotReachable:
            return Failed(NOT_REACHABLE)
        except ErrorResponseException as error:
            return _outcome_of(error)
        except TimeoutError:
            return RetryLater(0, "bot connector timed out")
        except (ClientRequestError, aiohttp.ClientError) as error:
            return RetryLater(0, f"connection error: {type(error).__name__}")
        return Sent(ref)


def _outcome_of(error: ErrorResponseException) -> DeliveryOutcome:
    response = getattr(error, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    if status == 403:
        return Failed(NOT_IN_ROSTER)
    if status == 404:
        return Failed(CONVERSATION_NOT_FOUND)
    if status == 429:
        return RetryLater(_retry_after(response), "bot connector rate limit (429)")
    if status >= 500 or status == 0:
        return RetryLater(0, f"bot connector error ({status or 'no answer'})")
    return Failed(f"bot connector refused the message ({status})")


def _retry_after(response: object) -> float:
    headers = getattr(response, "headers", None) or {}
    values = [str(v) for k, v in dict(headers).items() if str(k).lower() == "retry-after"]
    try:
        return max(float(values[0]), 1.0)
    except (IndexError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
