"""Where the bot can write on Teams, and proactive messages to those places.

A bot may message a Teams user only in a conversation that already exists, so the
reference to each user's personal chat is stored when they install the app or first write,
and the HR channel's when HR registers it. Proactive messages then continue those
conversations through the adapter, inside or outside a turn alike.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference

from adapters.teams.cards import Card
from bot.domain import Person
from bot.ports import Clock, Store

logger = logging.getLogger(__name__)


class NotReachable(Exception):
    """No conversation with that person (or no HR channel) is stored."""


def message_activity(content: str | Card) -> Activity:
    """A message of text or one Adaptive Card.

    Teams reads message text as markdown, where a single line break does not break the
    line; each line of our texts becomes its own paragraph instead.
    """
    if isinstance(content, str):
        lines = [line for line in content.split("\n") if line.strip()]
        return MessageFactory.text("\n\n".join(lines))
    return MessageFactory.attachment(CardFactory.adaptive_card(content))


def reference_of(activity: Activity) -> dict[str, Any]:
    """The conversation an activity came from, as JSON, addressed to the conversation itself.

    The incoming message's id is dropped, so later messages start afresh rather than reply
    to it, and a channel thread's `;messageid=` suffix is cut, so posts go to the channel.
    """
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    if reference.conversation is not None and reference.conversation.id:
        reference.conversation.id = reference.conversation.id.split(";messageid=")[0]
    return dict(reference.serialize())


class TeamsConversations:
    def __init__(
        self, *, adapter: CloudAdapter, store: Store, clock: Clock, app_id: str | None
    ) -> None:
        self._adapter = adapter
        self._store = store
        self._clock = clock
        self._app_id = app_id or None

    async def remember_personal(self, activity: Activity, person: Person | None) -> None:
        """Stores the personal chat the activity came from, under its sender's AAD id."""
        sender = activity.from_property
        aad_object_id = (sender.aad_object_id if sender else None) or (
            person.teams_user_id if person else None
        )
        if not aad_object_id:
            logger.info("teams conversation not stored: sender has no AAD object id")
            return
        async with self._store.unit_of_work() as uow:
            await uow.teams.remember_personal(
                aad_object_id=aad_object_id,
                person_id=person.id if person else None,
                reference=reference_of(activity),
                at=self._clock.now(),
            )
            await uow.commit()

    async def remember_hr_channel(self, activity: Activity, registered_by: Person) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.teams.remember_hr_channel(
                reference_of(activity), registered_by=registered_by.id, at=self._clock.now()
            )
            await uow.commit()
        logger.info("teams hr channel registered by person %s", registered_by.id)

    async def send_to_person(self, person: Person, content: str | Card) -> str:
        """Posts to the person's personal chat; returns `conversation id|activity id`.

        Raises NotReachable without a stored chat, and botbuilder's own errors
        (`ErrorResponseException` with the HTTP answer) when the Bot Connector refuses.
        """
        async with self._store.unit_of_work() as uow:
            reference = await uow.teams.personal_for(person)
        if reference is None:
            raise NotReachable(f"person {person.id} has no teams conversation")
        return await self.send(reference, content)

    async def send_to_hr_channel(self, content: str | Card) -> str:
        """Posts to the HR channel (aggregates only, by the caller's promise)."""
        async with self._store.unit_of_work() as uow:
            reference = await uow.teams.hr_channel()
        if reference is None:
            raise NotReachable("no teams hr channel is registered")
        return await self.send(reference, content)

    async def send(self, reference: dict[str, Any], content: str | Card) -> str:
        conversation = ConversationReference().deserialize(reference)
        sent: list[str] = []

        async def post(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(message_activity(content))
            sent.append(response.id if response and response.id else "")

        await self._adapter.continue_conversation(conversation, post, self._app_id)
        conversation_id = conversation.conversation.id if conversation.conversation else ""
        return f"{conversation_id}|{sent[0] if sent else ''}"
