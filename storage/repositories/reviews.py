"""Reviews: what a manager recorded, and what the employee prepared for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    OPEN_AGREEMENT_STATUSES,
    CheckInStatus,
    Review,
    ReviewKind,
    ReviewStatus,
    Template,
)
from bot.ports import ModuleFigures
from storage.models import AgreementModel, CheckInModel, PersonModel, ReviewModel
from storage.repositories.id_sets import in_ids


def to_review(record: ReviewModel) -> Review:
    return Review(
        id=record.id,
        employee_id=record.employee_id,
        manager_id=record.manager_id,
        template_key=record.template_key,
        template_version=record.template_version,
        kind=ReviewKind(record.kind),
        held_on=record.held_on,
        status=ReviewStatus(record.status),
        manager_answers=dict(record.manager_answers),
        employee_answers=dict(record.employee_answers),
        created_at=record.created_at,
    )


_newest_first = (ReviewModel.held_on.desc(), ReviewModel.id.desc())


class SqlReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        employee_id: int,
        manager_id: int,
        template: Template,
        held_on: dt.date,
        status: ReviewStatus,
        manager_answers: dict[str, Any],
        employee_answers: dict[str, Any],
    ) -> Review:
        record = ReviewModel(
            employee_id=employee_id,
            manager_id=manager_id,
            template_key=template.key,
            template_version=template.version,
            kind=template.kind.value,
            held_on=held_on,
            status=status.value,
            manager_answers=manager_answers,
            employee_answers=employee_answers,
        )
        self._session.add(record)
        await self._session.flush()
        return to_review(record)

    async def get(self, review_id: int) -> Review | None:
        record = await self._session.get(ReviewModel, review_id)
        return to_review(record) if record else None

    async def set_employee_answers(self, review_id: int, answers: dict[str, Any]) -> None:
        """Replaces the employee's answers; raises LookupError for an unknown review."""
        result = await self._session.execute(
            update(ReviewModel).where(ReviewModel.id == review_id).values(employee_answers=answers)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise LookupError(f"no review with id {review_id}")

    async def complete(
        self,
        review_id: int,
        *,
        manager_id: int,
        template: Template,
        held_on: dt.date,
        manager_answers: dict[str, Any],
    ) -> Review:
        """Turns a `preparing` review into a `completed` one, in one conditional statement.

        Raises LookupError unless the review exists and is still preparing, so two managers
        saving the same review at once cannot both complete it.
        """
        record = await self._session.scalar(
            update(ReviewModel)
            .where(ReviewModel.id == review_id, ReviewModel.status == ReviewStatus.PREPARING.value)
            .values(
                manager_id=manager_id,
                template_key=template.key,
                template_version=template.version,
                kind=template.kind.value,
                held_on=held_on,
                manager_answers=manager_answers,
                status=ReviewStatus.COMPLETED.value,
            )
            .returning(ReviewModel)
        )
        if record is None:
            raise LookupError(f"no preparing review with id {review_id}")
        return to_review(record)

    async def preparing_for(self, employee_id: int, kind: ReviewKind) -> Review | None:
        """The employee's most recently started review of that kind still being prepared."""
        record = await self._session.scalar(
            select(ReviewModel)
            .where(
                ReviewModel.employee_id == employee_id,
                ReviewModel.kind == kind.value,
                ReviewModel.status == ReviewStatus.PREPARING.value,
            )
            .order_by(ReviewModel.id.desc())
            .limit(1)
        )
        return to_review(record) if record else None

    async def latest_completed(self, employee_id: int, kind: ReviewKind) -> Review | None:
        record = await self._session.scalar(
            select(ReviewModel)
            .where(
                ReviewModel.employee_id == employee_id,
                ReviewModel.kind == kind.value,
                ReviewModel.status == ReviewStatus.COMPLETED.value,
            )
            .order_by(*_newest_first)
            .limit(1)
        )
        return to_review(record) if record else None

    async def list_for(
        self, employee_ids: Collection[int] | None, *, limit: int = 50
    ) -> list[Review]:
        query = select(ReviewModel).order_by(*_newest_first).limit(limit)
        if employee_ids is not None:
            if not employee_ids:
                return []
            query = query.where(in_ids(ReviewModel.employee_id, employee_ids))

        records = await self._session.scalars(query)
        return [to_review(record) for record in records]

    async def held_on_day(self, employee_id: int, day: dt.date) -> list[Review]:
        records = await self._session.scalars(
            select(ReviewModel)
            .where(
                ReviewModel.employee_id == employee_id,
                ReviewModel.held_on == day,
                ReviewModel.status != ReviewStatus.CANCELLED.value,
            )
            .order_by(ReviewModel.id)
        )
        return [to_review(record) for record in records]

    async def module_figures(self, *, now: dt.datetime) -> ModuleFigures:
        """Four counts in one round trip, whatever the size of the organisation."""
        since = now.date() - dt.timedelta(days=90)
        open_statuses = [s.value for s in OPEN_AGREEMENT_STATUSES]
        row = (
            await self._session.execute(
                select(
                    select(func.count())
                    .select_from(PersonModel)
                    .where(PersonModel.active.is_(True))
                    .scalar_subquery(),
                    select(func.count())
                    .select_from(ReviewModel)
                    .where(
                        ReviewModel.held_on >= since,
                        ReviewModel.status == ReviewStatus.COMPLETED.value,
                    )
                    .scalar_subquery(),
                    select(func.count())
                    .select_from(AgreementModel)
                    .where(AgreementModel.status.in_(open_statuses))
                    .scalar_subquery(),
                    select(func.count())
                    .select_from(CheckInModel)
                    .where(
                        CheckInModel.status == CheckInStatus.SCHEDULED.value,
                        CheckInModel.starts_at < now,
                    )
                    .scalar_subquery(),
                )
            )
        ).one()
        return ModuleFigures(
            active_people=row[0],
            reviews_last_90_days=row[1],
            open_agreements=row[2],
            overdue_check_ins=row[3],
        )
