"""Keeping booked check-ins in step with the org chart.

When an employee gets a new manager, their booked check-in (and its nudges) moves to the
new manager, because access and DMs follow the current manager (SPEC §4, §7). When an
employee leaves, or no longer has a manager, their check-in is cancelled with its nudges.
The org-chart import runs this in its own transaction, so the change is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from bot.domain import CheckIn, CheckInStatus, NudgeState, Person
from bot.planning import nudges_for_check_in
from bot.ports import UnitOfWork

logger = logging.getLogger(__name__)

MANAGER_CHANGED = "the employee has a new manager"
EMPLOYEE_LEFT = "the employee left or has no manager"


@dataclass(frozen=True, slots=True)
class MovedCheckIn:
    check_in: CheckIn  # as booked now, with the new manager
    employee: Person
    former_manager: Person | None
    manager: Person


@dataclass(frozen=True, slots=True)
class CancelledCheckIn:
    check_in: CheckIn
    employee: Person
    manager: Person | None


@dataclass(frozen=True, slots=True)
class OrgFollowUp:
    """What changed, so adapters can update calendars once the transaction committed."""

    moved: list[MovedCheckIn] = field(default_factory=list)
    cancelled: list[CancelledCheckIn] = field(default_factory=list)


async def follow_org_changes(uow: UnitOfWork, *, now: dt.datetime) -> OrgFollowUp:
    """Moves or cancels every scheduled check-in the org chart has moved on from."""
    out_of_step = await uow.check_ins.out_of_step()
    if not out_of_step:
        return OrgFollowUp()
    people = await uow.people.get_many(
        {c.employee_id for c in out_of_step} | {c.manager_id for c in out_of_step}
    )
    managers = await uow.people.get_many(
        {p.manager_id for p in people.values() if p.manager_id is not None}
    )

    follow_up = OrgFollowUp()
    for check_in in out_of_step:
        employee = people[check_in.employee_id]
        former = people.get(check_in.manager_id)
        manager = managers.get(employee.manager_id) if employee.manager_id else None
        if employee.active and manager is not None and manager.active:
            moved = await _move_to_manager(uow, check_in, employee, manager, now)
            follow_up.moved.append(MovedCheckIn(moved, employee, former, manager))
        else:
            cancelled = await _cancel(uow, check_in)
            follow_up.cancelled.append(CancelledCheckIn(cancelled, employee, former))
    logger.info(
        "org change follow-up: %d check-ins moved, %d cancelled",
        len(follow_up.moved),
        len(follow_up.cancelled),
    )
    return follow_up


async def _move_to_manager(
    uow: UnitOfWork, check_in: CheckIn, employee: Person, manager: Person, now: dt.datetime
) -> CheckIn:
    """The old manager's pending nudges go; the new manager's are planned in their zone."""
    planned = [
        n
        for n in await uow.nudges.for_check_in(check_in.id)
        if n.state is NudgeState.PLANNED and n.person_id == check_in.manager_id
    ]
    await uow.nudges.mark_cancelled([(n.id, MANAGER_CHANGED) for n in planned])
    moved = await uow.check_ins.reassign(check_in.id, manager_id=manager.id)
    fresh = nudges_for_check_in(moved, employee, manager, now)
    await uow.nudges.add_many([n for n in fresh if n.person_id == manager.id])
    return moved


async def _cancel(uow: UnitOfWork, check_in: CheckIn) -> CheckIn:
    cancelled = await uow.check_ins.set_status(check_in.id, CheckInStatus.CANCELLED)
    await uow.nudges.cancel_for_check_in(check_in.id)
    return cancelled
