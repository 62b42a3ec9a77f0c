"""Nudges: the outbox of planned direct messages about check-ins.

The sweep works on this table in bulk: one statement claims a batch, one records each kind
of outcome for the whole batch. Statements go through the Core table rather than ORM
objects, so a batch of hundreds costs one round trip and no per-row bookkeeping.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Nudge, NudgeKind, NudgeState
from bot.ports import NewNudge
from storage.models import NudgeModel, table_of

FOLDED = "folded into one missed-check-in message"

_nudges = table_of(NudgeModel)
_NUDGE_COLUMNS = (
    _nudges.c.id,
    _nudges.c.check_in_id,
    _nudges.c.person_id,
    _nudges.c.kind,
    _nudges.c.due_at,
    _nudges.c.state,
    _nudges.c.attempts,
    _nudges.c.last_error,
    _nudges.c.message_ref,
    _nudges.c.lease_until,
)
_PLANNED = NudgeState.PLANNED.value


def to_nudge(record: NudgeModel | Row[Any]) -> Nudge:
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
            insert(_nudges),
            [
                {
                    "check_in_id": nudge.check_in_id,
                    "person_id": nudge.person_id,
                    "kind": nudge.kind.value,
                    "due_at": nudge.due_at,
                    "state": _PLANNED,
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

    async def claim_due(
        self,
        *,
        now: dt.datetime,
        lease_until: dt.datetime,
        limit: int,
        due_by: dt.datetime | None = None,
    ) -> builtins.list[Nudge]:
        """Leases a batch in one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING.

        On PostgreSQL the inner SELECT takes its rows FOR UPDATE SKIP LOCKED: a row that
        another sweep is claiming right now is passed over instead of waited for, and one
        whose claim has just committed is re-checked against the lease condition and left
        out. SQLite has a single writer, so the statement alone is enough there (the
        clause is not rendered on SQLite).
        """
        free = or_(_nudges.c.lease_until.is_(None), _nudges.c.lease_until <= now)
        batch = (
            select(_nudges.c.id)
            .where(_nudges.c.state == _PLANNED, _nudges.c.due_at <= (due_by or now), free)
            .order_by(_nudges.c.due_at, _nudges.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._session.execute(
            update(_nudges)
            .where(_nudges.c.id.in_(batch.scalar_subquery()))
            .values(lease_until=lease_until, attempts=_nudges.c.attempts + 1)
            .returning(*_NUDGE_COLUMNS)
        )
        claimed = [to_nudge(row) for row in result]
        return sorted(claimed, key=lambda nudge: (nudge.due_at, nudge.id))

    async def mark_sent(self, items: Sequence[tuple[int, str]], *, at: dt.datetime) -> None:
        """Sent stays sent even if the nudge was cancelled meanwhile: the message went out."""
        await self._update_each(
            update(_nudges)
            .where(_nudges.c.id == bindparam("b_id"))
            .values(
                state=NudgeState.SENT.value,
                message_ref=bindparam("b_ref"),
                sent_at=at,
                last_error=None,
                lease_until=None,
            ),
            [{"b_id": nudge_id, "b_ref": ref} for nudge_id, ref in items],
        )

    async def reschedule(self, items: Sequence[tuple[int, dt.datetime, str]]) -> None:
        await self._update_each(
            update(_nudges)
            .where(_nudges.c.id == bindparam("b_id"), _nudges.c.state == _PLANNED)
            .values(
                due_at=bindparam("b_due_at"), last_error=bindparam("b_error"), lease_until=None
            ),
            [
                {"b_id": nudge_id, "b_due_at": due_at, "b_error": error}
                for nudge_id, due_at, error in items
            ],
        )

    async def mark_failed(self, items: Sequence[tuple[int, str]]) -> None:
        await self._end_planned(items, NudgeState.FAILED)

    async def mark_cancelled(self, items: Sequence[tuple[int, str]]) -> None:
        await self._end_planned(items, NudgeState.CANCELLED)

    async def fold_missed(self, *, now: dt.datetime, older_than: dt.timedelta) -> int:
        """One UPDATE: cancel each long-missed nudge that has a newer long-missed sibling.

        The newer sibling may be under a lease (being delivered right now); the nudges
        folded into it may not, since their own delivery could be under way.
        """
        cutoff = now - older_than
        newer = table_of(NudgeModel).alias("newer")
        has_newer = exists().where(
            newer.c.person_id == _nudges.c.person_id,
            newer.c.state == _PLANNED,
            newer.c.due_at < cutoff,
            or_(
                newer.c.due_at > _nudges.c.due_at,
                and_(newer.c.due_at == _nudges.c.due_at, newer.c.id > _nudges.c.id),
            ),
        )
        result = await self._session.execute(
            update(_nudges)
            .where(
                _nudges.c.state == _PLANNED,
                _nudges.c.due_at < cutoff,
                or_(_nudges.c.lease_until.is_(None), _nudges.c.lease_until <= now),
                has_newer,
            )
            .values(state=NudgeState.CANCELLED.value, last_error=FOLDED, lease_until=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_for_check_in(self, check_in_id: int) -> int:
        result = await self._session.execute(
            update(_nudges)
            .where(_nudges.c.check_in_id == check_in_id, _nudges.c.state == _PLANNED)
            .values(state=NudgeState.CANCELLED.value, lease_until=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _end_planned(self, items: Sequence[tuple[int, str]], state: NudgeState) -> None:
        await self._update_each(
            update(_nudges)
            .where(_nudges.c.id == bindparam("b_id"), _nudges.c.state == _PLANNED)
            .values(state=state.value, last_error=bindparam("b_error"), lease_until=None),
            [{"b_id": nudge_id, "b_error": error} for nudge_id, error in items],
        )

    async def _update_each(
        self, statement: Any, parameters: builtins.list[dict[str, Any]]
    ) -> None:
        """One executemany: a single round trip for the whole batch."""
        if parameters:
            await self._session.execute(statement, parameters)
