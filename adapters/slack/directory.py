"""Slack users and org-chart people, matched by id or, on first contact, by e-mail."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import people
from bot.commands import Target, TargetKind
from bot.domain import Person
from bot.ports import Store

logger = logging.getLogger(__name__)


class SlackDirectory:
    def __init__(self, store: Store, client: AsyncWebClient) -> None:
        self._store = store
        self._client = client

    async def person(self, slack_user_id: str) -> Person | None:
        """The org-chart person behind a Slack user, or None for strangers."""
        return await people.person_for_slack_user(self._store, slack_user_id, self._email_of)

    async def target(self, target: Target) -> Person | None:
        """The person a command names: a mention, an e-mail address or a plain handle."""
        if target.kind is TargetKind.SLACK_USER:
            return await self.person(target.value)
        if target.kind is TargetKind.EMAIL:
            return await people.person_by_email(self._store, target.value)
        return await people.person_by_handle(self._store, target.value)

    async def user_id_of(self, person: Person) -> str | None:
        """The person's Slack user id, found by e-mail and linked if not known yet."""
        try:
            return await self.find_user_id(person)
        except SlackApiError as error:
            logger.info("no slack user for person %s: %s", person.id, error.response.get("error"))
            return None

    async def find_user_id(self, person: Person) -> str | None:
        """Like `user_id_of`, but only "no such user" gives None; any other Slack error
        (a rate limit, an outage) is raised, so a caller that can retry later does."""
        if person.slack_user_id:
            return person.slack_user_id
        try:
            answer = await self._client.users_lookupByEmail(email=person.email)
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                raise
            logger.info("no slack user for person %s: users_not_found", person.id)
            return None
        user_id = str((answer.get("user") or {}).get("id") or "")
        if not user_id:
            return None
        async with self._store.unit_of_work() as uow:
            await uow.people.link_slack(person.id, user_id)
            await uow.commit()
        logger.info("linked person %s to slack user %s by e-mail", person.id, user_id)
        return user_id

    async def _email_of(self, slack_user_id: str) -> str | None:
        try:
            answer = await self._client.users_info(user=slack_user_id)
        except SlackApiError as error:
            logger.info("users.info for %s failed: %s", slack_user_id, error.response.get("error"))
            return None
        profile = (answer.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email) if email else None
