"""Check-ins: the follow-up meetings booked after a review."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import CheckIn, CheckInStatus
from storage.models import CheckInModel


def to_check_in(record: CheckInModel) -> CheckIn:
    return CheckIn(
        id=record.id,
        review_id=record.review_id,
        employee_id=record.employee_id,
        manager_id=record.manager_id,
        starts_at=record.starts_at,
        minutes=record.minutes,
        status=CheckInStatus(record.status),
        notes=record.notes,
    )


class SqlCheckInRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        review_id: int,
        employee_id: int,
        manager_id: int,
        starts_at: dt.datetime,
        minutes: int,
    ) -> CheckIn:
        record = CheckInModel(
            review_id=review_id,
            employee_id=employee_id,
            manager_id=manager_id,
            starts_at=starts_at,
            minutes=minutes,
            status=CheckInStatus.SCHEDULED.value,
            sequence=0,
        )
        self._session.add(record)
        await self._session.flush()
        return to_check_in(record)

    async def get(self, check_in_id: int) -> CheckIn | None:
        record = await self._session.get(CheckInModel, check_in_id)
        return to_check_in(record) if record else None

    async def next_for(self, employee_id: int) -> CheckIn | None:
        record = await self._session.scalar(
            select(CheckInModel)
            .where(
                CheckInModel.employee_id == employee_id,
                CheckInModel.status == CheckInStatus.SCHEDULED.value,
            )
            .order_by(CheckInModel.starts_at, CheckInModel.id)
            .limit(1)
        )
        return to_check_in(record) if record else None
