"""The audit trail: every read, change and refusal, with ids and reasons only."""

from __future__ import annotations

import builtins

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import AuditEvent, Surface
from storage.models import AuditEventModel, table_of, utc_now


def to_audit_event(record: AuditEventModel) -> AuditEvent:
    return AuditEvent(
        actor_id=record.actor_id,
        action=record.action,
        surface=Surface(record.surface),
        allowed=record.allowed,
        review_id=record.review_id,
        subject_person_id=record.subject_person_id,
        detail=record.detail,
        at=record.at,
    )


class SqlAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, event: AuditEvent) -> None:
        """Appends the event; one without a time is stamped now."""
        await self._session.execute(
            insert(table_of(AuditEventModel)).values(
                actor_id=event.actor_id,
                action=event.action,
                surface=event.surface.value,
                allowed=event.allowed,
                review_id=event.review_id,
                subject_person_id=event.subject_person_id,
                detail=event.detail,
                at=event.at or utc_now(),
            )
        )

    async def list(
        self, *, review_id: int | None = None, actor_id: int | None = None, limit: int = 100
    ) -> builtins.list[AuditEvent]:
        query = (
            select(AuditEventModel)
            .order_by(AuditEventModel.at.desc(), AuditEventModel.id.desc())
            .limit(limit)
        )
        if review_id is not None:
            query = query.where(AuditEventModel.review_id == review_id)
        if actor_id is not None:
            query = query.where(AuditEventModel.actor_id == actor_id)

        records = await self._session.scalars(query)
        return [to_audit_event(record) for record in records]
