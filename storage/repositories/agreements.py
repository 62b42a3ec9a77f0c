"""Agreements made in a review, and the history of their statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Agreement, AgreementOwner, AgreementStatus, AgreementStatusChange
from bot.ports import NewAgreement
from storage.models import AgreementModel, AgreementStatusChangeModel


def to_agreement(record: AgreementModel) -> Agreement:
    return Agreement(
        id=record.id,
        review_id=record.review_id,
        employee_id=record.employee_id,
        position=record.position,
        what=record.what,
        owner=AgreementOwner(record.owner),
        due_on=record.due_on,
        how_we_know=record.how_we_know,
        status=AgreementStatus(record.status),
    )


def to_status_change(record: AgreementStatusChangeModel) -> AgreementStatusChange:
    return AgreementStatusChange(
        agreement_id=record.agreement_id,
        status=AgreementStatus(record.status),
        author_id=record.author_id,
        at=record.at,
        note=record.note,
    )


class SqlAgreementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(
        self, *, review_id: int, employee_id: int, items: Sequence[NewAgreement]
    ) -> list[Agreement]:
        """Adds open agreements to the review, numbered after any it already has."""
        last_position = await self._session.scalar(
            select(func.coalesce(func.max(AgreementModel.position), 0)).where(
                AgreementModel.review_id == review_id
            )
        )
        records = [
            AgreementModel(
                review_id=review_id,
                employee_id=employee_id,
                position=(last_position or 0) + offset,
                what=item.what,
                owner=item.owner.value,
                due_on=item.due_on,
                how_we_know=item.how_we_know,
                status=AgreementStatus.OPEN.value,
            )
            for offset, item in enumerate(items, start=1)
        ]

        self._session.add_all(records)
        await self._session.flush()
        return [to_agreement(record) for record in records]

    async def get(self, agreement_id: int) -> Agreement | None:
        record = await self._session.get(AgreementModel, agreement_id)
        return to_agreement(record) if record else None

    async def for_review(self, review_id: int) -> list[Agreement]:
        records = await self._session.scalars(
            select(AgreementModel)
            .where(AgreementModel.review_id == review_id)
            .order_by(AgreementModel.position)
        )
        return [to_agreement(record) for record in records]

    async def set_status(
        self,
        agreement_id: int,
        status: AgreementStatus,
        *,
        author_id: int,
        at: dt.datetime,
        note: str | None = None,
    ) -> Agreement:
        """Changes the status and appends the change; raises LookupError if unknown.

        The agreement's row stays locked (on PostgreSQL) until the transaction ends, so
        two people changing it at once leave a history in the order the changes won.
        """
        record = await self._session.get(AgreementModel, agreement_id, with_for_update=True)
        if record is None:
            raise LookupError(f"no agreement with id {agreement_id}")

        record.status = status.value
        self._session.add(
            AgreementStatusChangeModel(
                agreement_id=agreement_id,
                status=status.value,
                note=note,
                author_id=author_id,
                at=at,
            )
        )
        await self._session.flush()
        return to_agreement(record)

    async def history(self, agreement_id: int) -> list[AgreementStatusChange]:
        """Oldest change first."""
        records = await self._session.scalars(
            select(AgreementStatusChangeModel)
            .where(AgreementStatusChangeModel.agreement_id == agreement_id)
            .order_by(AgreementStatusChangeModel.at, AgreementStatusChangeModel.id)
        )
        return [to_status_change(record) for record in records]
