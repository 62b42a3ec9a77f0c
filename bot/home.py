"""The App Home: each person's own agreements, a manager's team, HR's module figures.

Everything here is either the viewer's own data, counts about their direct reports (whom
they manage and so may read), or aggregates for HR; no other person's text is included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain import (
    OPEN_AGREEMENT_STATUSES,
    Agreement,
    CheckIn,
    CheckInStatus,
    Person,
    ReviewKind,
)
from bot.ports import Clock, ModuleFigures, Store, UnitOfWork


@dataclass(frozen=True, slots=True)
class ReportRow:
    employee: Person
    last_review_on: dt.date | None
    open_agreements: int
    next_check_in: CheckIn | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class HomeView:
    viewer: Person
    own_agreements: list[Agreement]
    own_next_check_in: CheckIn | None
    reports: list[ReportRow]
    figures: ModuleFigures | None


async def build_home(store: Store, clock: Clock, viewer: Person) -> HomeView:
    if not viewer.active:
        # Someone who has left reads nothing, not even their own agreements (bot.access).
        return HomeView(viewer, [], None, [], None)
    now = clock.now()
    async with store.unit_of_work() as uow:
        own_agreements = await _latest_agreements(uow, viewer.id)
        own_next = await uow.check_ins.next_for(viewer.id)
        reports = [
            await _report_row(uow, person, now)
            for person in await uow.people.direct_reports(viewer.id)
        ]
        figures = await uow.reviews.module_figures(now=now) if viewer.is_hr else None
    return HomeView(viewer, own_agreements, own_next, reports, figures)


async def _latest_agreements(uow: UnitOfWork, employee_id: int) -> list[Agreement]:
    review = await uow.reviews.latest_completed(employee_id, ReviewKind.DEVELOPMENT)
    return await uow.agreements.for_review(review.id) if review else []


async def _report_row(uow: UnitOfWork, employee: Person, now: dt.datetime) -> ReportRow:
    """One query chain per report; a manager's team is small enough for that."""
    review = await uow.reviews.latest_completed(employee.id, ReviewKind.DEVELOPMENT)
    agreements = await uow.agreements.for_review(review.id) if review else []
    next_check_in = await uow.check_ins.next_for(employee.id)
    overdue = (
        next_check_in is not None
        and next_check_in.status is CheckInStatus.SCHEDULED
        and next_check_in.starts_at < now
    )
    return ReportRow(
        employee=employee,
        last_review_on=review.held_on if review else None,
        open_agreements=sum(a.status in OPEN_AGREEMENT_STATUSES for a in agreements),
        next_check_in=next_check_in,
        overdue=overdue,
    )
