"""Teams users and org-chart people: the caller of a turn, and the people commands name.

Teams identifies a user by their Azure AD object id (`from.aadObjectId`), which the org
chart keeps as `teams_user_id`. A user the chart does not know by that id yet is looked up
in the conversation's roster (`TeamsInfo.get_member`), whose e-mail finds them in the chart,
and the id is linked for next time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from bot import people
from bot.commands import Target, TargetKind
from bot.domain import Person
from bot.ports import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Member:
    """What the roster says about a Teams user."""

    aad_object_id: str | None
    email: str | None


class TeamsIdentity:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def caller(self, turn_context: TurnContext) -> Person | None:
        """The active org-chart person who sent this activity, or None for strangers."""
        sender = turn_context.activity.from_property
        if sender is None or not sender.id:
            return None
        aad_object_id = sender.aad_object_id
        member: Member | None = None
        if not aad_object_id:
            member = await roster_member(turn_context, sender.id)
            aad_object_id = member.aad_object_id if member else None
        if not aad_object_id:
            return None

        async def email_of(_: str) -> str | None:
            found = member or await roster_member(turn_context, sender.id)
            return found.email if found else None

        person = await people.person_for_teams_user(self._store, aad_object_id, email_of)
        return person if person is not None and person.active else None

    async def target(self, turn_context: TurnContext, target: Target) -> Person | None:
        """The person a command names: a mention, an e-mail address, a handle or a name."""
        if target.kind is TargetKind.EMAIL:
            return await people.person_by_email(self._store, target.value)
        if target.kind is TargetKind.HANDLE:
            return await people.person_by_handle(self._store, target.value)
        if target.kind is TargetKind.NAME:
            mentioned = await self._mentioned(turn_context, target.value)
            return mentioned or await people.person_by_handle(self._store, target.value)
        return None  # a Slack mention means nothing on Teams

    async def _mentioned(self, turn_context: TurnContext, name: str) -> Person | None:
        """The person behind an @mention of `name`, asked of the roster by their user id."""
        member_id = mentioned_user_id(turn_context.activity, name)
        if member_id is None:
            return None
        member = await roster_member(turn_context, member_id)
        if member is None:
            return None
        async with self._store.unit_of_work() as uow:
            if member.aad_object_id:
                person = await uow.people.by_teams_id(member.aad_object_id)
                if person is not None:
                    return person
            return await uow.people.by_email(member.email) if member.email else None


async def roster_member(turn_context: TurnContext, member_id: str) -> Member | None:
    """The roster's entry for a user of this conversation; None when it has none to give.

    botbuilder raises on a missing conversation or member, on a channel-data shape it does
    not expect and on transport errors alike; each means the same here: not found.
    """
    try:
        account = await TeamsInfo.get_member(turn_context, member_id)
    except Exception as error:
        logger.info("teams roster has no member %s: %s", member_id, type(error).__name__)
        return None
    extra: Mapping[str, Any] = getattr(account, "additional_properties", None) or {}
    email = account.email or account.user_principal_name or extra.get("email")
    return Member(aad_object_id=account.aad_object_id or None, email=email or None)


def mentioned_user_id(activity: Activity, name: str) -> str | None:
    """The user id of a mention of `name` in the activity, the bot's own mention left out.

    Mention entities keep `mentioned` ({id, name}) and `text` ("<at>Name</at>") among
    their additional properties rather than as attributes.
    """
    bot_id = activity.recipient.id if activity.recipient else None
    wanted = " ".join(name.split()).casefold()
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "") or "").casefold() != "mention":
            continue
        extra: Mapping[str, Any] = getattr(entity, "additional_properties", None) or {}
        mentioned = extra.get("mentioned")
        if not isinstance(mentioned, Mapping) or not mentioned.get("id"):
            continue
        if mentioned["id"] == bot_id:
            continue
        names = {str(mentioned.get("name") or ""), _unwrapped(str(extra.get("text") or ""))}
        if wanted in {" ".join(n.split()).casefold() for n in names}:
            return str(mentioned["id"])
    return None


def _unwrapped(text: str) -> str:
    return text.removeprefix("<at>").removesuffix("</at>")
