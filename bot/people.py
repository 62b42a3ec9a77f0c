"""Finding people: the caller behind a chat user id, and the person a command names.

Chat platforms know users by their own ids; the org chart knows people by e-mail. A user
is linked the first time they are seen, by the id the org chart gave or else by the
e-mail address the platform reports, so nobody has to map ids by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.domain import Person, Platform
from bot.ports import Store

logger = logging.getLogger(__name__)

EmailLookup = Callable[[str], Awaitable[str | None]]
"""Asks the platform for a user's e-mail address (None when it has none to give)."""


async def person_for_slack_user(
    store: Store, slack_user_id: str, lookup_email: EmailLookup
) -> Person | None:
    """The person behind a Slack user id, linking the id on first contact."""
    async with store.unit_of_work() as uow:
        person = await uow.people.by_slack_id(slack_user_id)
    if person is not None:
        return person

    email = await lookup_email(slack_user_id)
    if not email:
        return None

    async with store.unit_of_work() as uow:
        person = await uow.people.by_email(email)
        if person is None or person.slack_user_id not in (None, slack_user_id):
            return None
        await uow.people.link_slack(person.id, slack_user_id)
        await uow.commit()
    logger.info("linked person %s to slack user %s", person.id, slack_user_id)
    return await _reload(store, person.id)


async def person_for_teams_user(
    store: Store, aad_object_id: str, lookup_email: EmailLookup
) -> Person | None:
    """The person behind a Teams user (their AAD object id), linking it on first contact."""
    async with store.unit_of_work() as uow:
        person = await uow.people.by_teams_id(aad_object_id)
    if person is not None:
        return person

    email = await lookup_email(aad_object_id)
    if not email:
        return None

    async with store.unit_of_work() as uow:
        person = await uow.people.by_email(email)
        if person is None or person.teams_user_id not in (None, aad_object_id):
            return None
        await uow.people.link_teams(person.id, aad_object_id)
        await uow.commit()
    logger.info("linked person %s to teams user %s", person.id, aad_object_id)
    return await _reload(store, person.id)


async def note_platform(store: Store, person_id: int, platform: Platform) -> None:
    """Remembers that the person just used the bot on `platform`, where nudges then go.

    Adapters call it for the person who acts (never for someone a command names), so a
    manager who mentions a colleague does not move that colleague's nudges.
    """
    async with store.unit_of_work() as uow:
        await uow.people.note_platform(person_id, platform)
        await uow.commit()


async def person_by_email(store: Store, email: str) -> Person | None:
    async with store.unit_of_work() as uow:
        return await uow.people.by_email(email)


async def person_by_handle(store: Store, handle: str) -> Person | None:
    """A plain `@name`: the one person whose e-mail local part or name matches it."""
    wanted = handle.strip().lstrip("@").casefold()
    if not wanted:
        return None
    async with store.unit_of_work() as uow:
        everyone = await uow.people.all()
    matches = [
        p
        for p in everyone
        if p.email.split("@", 1)[0].casefold() == wanted
        or p.name.casefold() == wanted
        or p.name.casefold().replace(" ", ".") == wanted
    ]
    return matches[0] if len(matches) == 1 else None


async def _reload(store: Store, person_id: int) -> Person | None:
    async with store.unit_of_work() as uow:
        return await uow.people.get(person_id)
