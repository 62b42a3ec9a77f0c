"""Teams conversation references: each user's personal chat, and the HR channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Person
from storage.models import TeamsChannelModel, TeamsConversationModel, table_of

HR_PURPOSE = "hr"


class SqlTeamsConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember_personal(
        self,
        *,
        aad_object_id: str,
        person_id: int | None,
        reference: dict[str, Any],
        at: dt.datetime,
    ) -> None:
        """One statement, so two replicas storing the same user at once cannot collide."""
        statement = self._insert(TeamsConversationModel).values(
            aad_object_id=aad_object_id, person_id=person_id, reference=reference, updated_at=at
        )
        changes: dict[str, Any] = {
            "reference": statement.excluded.reference,
            "updated_at": statement.excluded.updated_at,
        }
        if person_id is not None:
            changes["person_id"] = statement.excluded.person_id
        statement = statement.on_conflict_do_update(index_elements=["aad_object_id"], set_=changes)

        await self._session.execute(statement)

    async def personal_for(self, person: Person) -> dict[str, Any] | None:
        if person.teams_user_id:
            by_user = await self._session.scalar(
                select(TeamsConversationModel.reference).where(
                    TeamsConversationModel.aad_object_id == person.teams_user_id
                )
            )
            if by_user is not None:
                return dict(by_user)
        by_person = await self._session.scalar(
            select(TeamsConversationModel.reference)
            .where(TeamsConversationModel.person_id == person.id)
            .order_by(TeamsConversationModel.updated_at.desc())
            .limit(1)
        )
        return dict(by_person) if by_person is not None else None

    async def remember_hr_channel(
        self, reference: dict[str, Any], *, registered_by: int, at: dt.datetime
    ) -> None:
        statement = self._insert(TeamsChannelModel).values(
            purpose=HR_PURPOSE, reference=reference, registered_by=registered_by, updated_at=at
        )
        statement = statement.on_conflict_do_update(
            index_elements=["purpose"],
            set_={
                "reference": statement.excluded.reference,
                "registered_by": statement.excluded.registered_by,
                "updated_at": statement.excluded.updated_at,
            },
        )

        await self._session.execute(statement)

    async def hr_channel(self) -> dict[str, Any] | None:
        reference = await self._session.scalar(
            select(TeamsChannelModel.reference).where(TeamsChannelModel.purpose == HR_PURPOSE)
        )
        return dict(reference) if reference is not None else None

    def _insert(self, model: type[TeamsConversationModel] | type[TeamsChannelModel]) -> Any:
        """The dialect's own INSERT, which knows ON CONFLICT; both of ours have it."""
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table_of(model))
        if dialect == "sqlite":
            return sqlite.insert(table_of(model))
        raise NotImplementedError(f"teams conversations cannot be stored on {dialect}")
