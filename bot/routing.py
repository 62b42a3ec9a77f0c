"""Which platform a person is nudged on, when more than one is configured (SPEC §6).

A person gets each nudge once, on one platform: the one they last used the bot on, else
Slack if their Slack user is linked, else Teams. Only configured platforms count, so a
Slack-only or Teams-only installation routes everyone to the one it has.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.domain import Person, Platform
from bot.ports import DeliveryOutcome, Failed, Messenger, NudgeMessage

logger = logging.getLogger(__name__)

NO_PLATFORM = "no chat platform is configured"


class RoutingMessenger:
    """`bot.ports.Messenger` that hands each nudge to its recipient's platform's messenger."""

    def __init__(self, messengers: Mapping[Platform, Messenger]) -> None:
        self._messengers = dict(messengers)

    def platform_for(self, person: Person) -> Platform | None:
        configured = self._messengers
        if person.last_platform is not None and person.last_platform in configured:
            return person.last_platform
        if person.slack_user_id and Platform.SLACK in configured:
            return Platform.SLACK
        if Platform.TEAMS in configured:
            return Platform.TEAMS
        if Platform.SLACK in configured:
            return Platform.SLACK
        return None

    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        platform = self.platform_for(message.recipient)
        if platform is None:
            return Failed(NO_PLATFORM)
        logger.debug("nudge %s goes out on %s", message.nudge_id, platform.value)
        return await self._messengers[platform].send_nudge(message)
