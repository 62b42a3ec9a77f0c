"""Check-ins: the follow-up meetings booked after a review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import Row, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain import Agreement, AgreementOwner, AgreementStatus, CheckIn, CheckInStatus
from bot.ports import CheckInAgenda
from storage.models import AgreementModel, CheckInModel, PersonModel, table_of
from storage.repositories.id_sets import in_ids


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
        sequence=record.sequence,
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

    async def out_of_step(self) -> list[CheckIn]:
        employee = aliased(PersonModel)
        records = await self._session.scalars(
            select(CheckInModel)
            .join(employee, employee.id == CheckInModel.employee_id)
            .where(
                CheckInModel.status == CheckInStatus.SCHEDULED.value,
                or_(
                    employee.active.is_(False),
                    employee.manager_id.is_(None),
                    employee.manager_id != CheckInModel.manager_id,
                ),
            )
            .order_by(CheckInModel.id)
        )
        return [to_check_in(record) for record in records]

    async def reassign(self, check_in_id: int, *, manager_id: int) -> CheckIn:
        """A new organizer is a change calendars must take over: the sequence goes up."""
        values = {"manager_id": manager_id, "sequence": CheckInModel.sequence + 1}
        return await self._update(check_in_id, values)

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

    async def agendas(self, check_in_ids: Collection[int]) -> dict[int, CheckInAgenda]:
        """Check-ins joined with their reviews' agreements: one query for any number.

        Read as plain rows rather than ORM objects: the nudge sweep reads hundreds at a
        time, and building ORM objects took most of that query's time.
        """
        if not check_in_ids:
            return {}
        rows = await self._session.execute(
            select(*_CHECK_IN_COLUMNS, *_AGREEMENT_COLUMNS)
            .outerjoin(_agreements, _agreements.c.review_id == _check_ins.c.review_id)
            .where(in_ids(_check_ins.c.id, check_in_ids))
            .order_by(_check_ins.c.id, _agreements.c.position)
        )

        agendas: dict[int, CheckInAgenda] = {}
        for row in rows:
            agenda = agendas.get(row.id)
            if agenda is None:
                # The row holds the check-in's columns under the model's attribute names.
                check_in = to_check_in(cast(CheckInModel, row))
                agenda = agendas[row.id] = CheckInAgenda(check_in, [])
            if row.agreement_id is not None:
                agenda.agreements.append(_agreement_of(row))
        return agendas

    async def move(self, check_in_id: int, *, starts_at: dt.datetime, minutes: int) -> CheckIn:
        """Books the check-in at another time and raises its sequence; LookupError if unknown.

        The sequence is raised in the UPDATE itself, so two moves at once never hand out
        the same number, and calendars always keep the later invite.
        """
        values = {
            "starts_at": starts_at,
            "minutes": minutes,
            "sequence": CheckInModel.sequence + 1,
        }
        return await self._update(check_in_id, values)

    async def set_status(
        self, check_in_id: int, status: CheckInStatus, *, notes: str | None = None
    ) -> CheckIn:
        """Records the outcome; notes None keeps the stored ones; LookupError if unknown.

        Cancelling raises the sequence (RFC 5546 wants a CANCEL to outrank the invite it
        withdraws); a check-in already cancelled keeps its number.
        """
        values: dict[str, object] = {"status": status.value}
        if notes is not None:
            values["notes"] = notes
        if status is CheckInStatus.CANCELLED:
            already_cancelled = CheckInModel.status == CheckInStatus.CANCELLED.value
            values["sequence"] = case(
                (already_cancelled, CheckInModel.sequence), else_=CheckInModel.sequence + 1
            )
        return await self._update(check_in_id, values)

    async def _update(self, check_in_id: int, values: dict[str, object]) -> CheckIn:
        record = await self._session.scalar(
            update(CheckInModel)
            .where(CheckInModel.id == check_in_id)
            .values(values)
            .returning(CheckInModel)
        )
        if record is None:
            raise LookupError(f"no check-in with id {check_in_id}")
        return to_check_in(record)


# Agendas are read as plain rows; the agreement's columns carry an `agreement_` prefix.
# The bookkeeping instants are left out: each row repeats its check-in once per
# agreement, and turning SQLite's text back into datetimes is the costliest part.
_check_ins = table_of(CheckInModel)
_agreements = table_of(AgreementModel)
_CHECK_IN_COLUMNS = [c for c in _check_ins.c if c.name not in ("created_at", "updated_at")]
_AGREEMENT_COLUMNS = [
    _agreements.c[name].label(f"agreement_{name}")
    for name in (
        "id",
        "review_id",
        "employee_id",
        "position",
        "what",
        "owner",
        "due_on",
        "how_we_know",
        "status",
    )
]


def _agreement_of(row: Row[Any]) -> Agreement:
    """The agreement in the row's last columns; by position, which is quicker than by name
    over the thousand or so rows a sweep batch reads."""
    id_, review_id, employee_id, position, what, owner, due_on, how_we_know, status = row[
        -len(_AGREEMENT_COLUMNS) :
    ]
    return Agreement(
        id=id_,
        review_id=review_id,
        employee_id=employee_id,
        position=position,
        what=what,
        owner=AgreementOwner(owner),
        due_on=due_on,
        how_we_know=how_we_know,
        status=AgreementStatus(status),
    )
