"""Nudges: the outbox of planned direct messages about check-ins."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Nudge, NudgeKind, NudgeState
from bot.ports import NewNudge
from storage.models import NudgeModel, table_of


def to_nudge(record: NudgeModel) -> Nudge:
    return Nudge(
        id=record.id,
        check_in_id=record.check_in_id,
        person_id=record.person_id,
        kind=NudgeKind(record.kind),
        due_at=record.due_at,
        state=NudgeState(record.state),
        attempts=record.attempts,
        last_error=record.last_error,
        message_ref=record.message_ref,
        lease_until=record.lease_until,
    )


_due_order = (NudgeModel.due_at, NudgeModel.id)


class SqlNudgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, nudges: Sequence[NewNudge]) -> None:
        """Plans the nudges in one batched statement, however many there are."""
        if not nudges:
            return
        await self._session.execute(
            insert(table_of(NudgeModel)),
            [
                {
                    "check_in_id": nudge.check_in_id,
                    "person_id": nudge.person_id,
                    "kind": nudge.kind.value,
                    "due_at": nudge.due_at,
                    "state": NudgeState.PLANNED.value,
                    "attempts": 0,
                }
                for nudge in nudges
            ],
        )

    async def for_check_in(self, check_in_id: int) -> builtins.list[Nudge]:
        records = await self._session.scalars(
            select(NudgeModel).where(NudgeModel.check_in_id == check_in_id).order_by(*_due_order)
        )
        return [to_nudge(record) for record in records]

    async def list(
        self, *, state: NudgeState | None = None, limit: int = 200
    ) -> builtins.list[Nudge]:
        query = select(NudgeModel).order_by(*_due_order).limit(limit)
        if state is not None:
            query = query.where(NudgeModel.state == state.value)

        records = await self._session.scalars(query)
        return [to_nudge(record) for record in records]
