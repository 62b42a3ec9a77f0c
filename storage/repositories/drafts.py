"""Drafts: what a manager typed into a review form they closed without saving."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Draft, ReviewKind
from storage.models import DraftModel, table_of, utc_now


def to_draft(record: DraftModel) -> Draft:
    return Draft(
        manager_id=record.manager_id,
        employee_id=record.employee_id,
        kind=ReviewKind(record.kind),
        answers=dict(record.answers),
        updated_at=record.updated_at,
    )


class SqlDraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, manager_id: int, employee_id: int, kind: ReviewKind) -> Draft | None:
        record = await self._session.scalar(
            select(DraftModel).where(
                DraftModel.manager_id == manager_id,
                DraftModel.employee_id == employee_id,
                DraftModel.kind == kind.value,
            )
        )
        return to_draft(record) if record else None

    async def save(self, draft: Draft) -> None:
        """Creates or replaces the draft in one statement, so two saves cannot collide."""
        values = {
            "manager_id": draft.manager_id,
            "employee_id": draft.employee_id,
            "kind": draft.kind.value,
            "answers": draft.answers,
            "updated_at": draft.updated_at or utc_now(),
        }
        statement = self._insert().values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["manager_id", "employee_id", "kind"],
            set_={
                "answers": statement.excluded.answers,
                "updated_at": statement.excluded.updated_at,
            },
        )

        await self._session.execute(statement)
        self._forget_loaded_drafts()

    async def delete(self, manager_id: int, employee_id: int, kind: ReviewKind) -> None:
        await self._session.execute(
            delete(DraftModel).where(
                DraftModel.manager_id == manager_id,
                DraftModel.employee_id == employee_id,
                DraftModel.kind == kind.value,
            )
        )

    def _insert(self) -> Any:
        """The dialect's own INSERT, which knows ON CONFLICT; both of ours have it."""
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table_of(DraftModel))
        if dialect == "sqlite":
            return sqlite.insert(table_of(DraftModel))
        raise NotImplementedError(f"drafts cannot be saved on {dialect}")

    def _forget_loaded_drafts(self) -> None:
        for record in list(self._session.identity_map.values()):
            if isinstance(record, DraftModel):
                self._session.expire(record)
