"""When to nudge whom about a check-in (SPEC §7), as pure functions of the booking.

Every nudge is due at 09:00 on a day in the recipient's own time zone, so the times are
worked out in local wall-clock time first and only then turned into UTC instants. That
keeps 09:00 at 09:00 across daylight-saving changes: the UTC hour moves instead.

The plan for one check-in:
- prepare: to both people, three working days (Monday to Friday) before the check-in's
  date, 09:00 local. Both the date and the hour are the recipient's: a Monday 08:00
  check-in in Stockholm falls on Monday for a colleague in Stockholm, but on Sunday
  evening for one in New York.
- due: to both people, 09:00 local on the check-in's date, or at the start of the
  check-in if it begins before 09:00, since a reminder after the meeting has begun helps
  nobody. If that instant has already passed at booking time but the check-in has not
  begun yet, the nudge is due at once (at the booking instant).
- overdue: to the manager only, 09:00 manager-local two working days after the check-in's
  date, then one and two weeks after that: three at most. The sweep cancels them once
  the check-in is recorded.
- A nudge due before the booking instant is left out (except the due nudge's "at once"
  rule), so booking a check-in for tomorrow sends no stale "prepare" nudge.

Working days are Monday to Friday; public holidays are not known here. They become
working-day rules when the org chart carries a holiday calendar per person.

A person whose time zone is not a known IANA name is planned in UTC (and a warning naming
the person's id is logged), so a bad org-chart value delays a nudge by hours instead of
losing it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import CheckIn, NudgeKind, Person
from bot.ports import NewNudge

logger = logging.getLogger(__name__)

NUDGE_HOUR = dt.time(9, 0)
PREPARE_WORKING_DAYS_BEFORE = 3
OVERDUE_WORKING_DAYS_AFTER = 2
OVERDUE_REPEAT = dt.timedelta(days=7)
OVERDUE_COUNT = 3

_UTC = ZoneInfo("UTC")
_KIND_ORDER = {NudgeKind.PREPARE: 0, NudgeKind.DUE: 1, NudgeKind.OVERDUE: 2}


@dataclass(frozen=True, slots=True)
class PlannedNudge:
    """A nudge to store: the check-in it belongs to is added by the caller."""

    person_id: int
    kind: NudgeKind
    due_at: dt.datetime  # aware, UTC


def plan_nudges(
    *,
    check_in_starts_at: dt.datetime,
    booked_at: dt.datetime,
    employee: Person,
    manager: Person,
) -> list[PlannedNudge]:
    """Every nudge for a check-in booked at `booked_at`, ordered by due instant.

    Both instants must be timezone-aware (any zone; they are compared as instants).
    """
    starts_at = _as_utc(check_in_starts_at, "check_in_starts_at")
    booked = _as_utc(booked_at, "booked_at")

    planned = []
    for person in (employee, manager):
        zone = time_zone_of(person)
        planned += _prepare(person, zone, starts_at, booked)
        planned += _due(person, zone, starts_at, booked)
    planned += _overdue(manager, time_zone_of(manager), starts_at, booked)

    return sorted(planned, key=lambda n: (n.due_at, _KIND_ORDER[n.kind], n.person_id))


def _prepare(
    person: Person, zone: ZoneInfo, starts_at: dt.datetime, booked: dt.datetime
) -> list[PlannedNudge]:
    day = add_working_days(local_date(starts_at, zone), -PREPARE_WORKING_DAYS_BEFORE)
    due_at = at_nudge_hour(day, zone)
    if due_at < booked:
        return []
    return [PlannedNudge(person.id, NudgeKind.PREPARE, due_at)]


def _due(
    person: Person, zone: ZoneInfo, starts_at: dt.datetime, booked: dt.datetime
) -> list[PlannedNudge]:
    due_at = min(at_nudge_hour(local_date(starts_at, zone), zone), starts_at)
    if due_at < booked:
        if starts_at < booked:
            return []
        due_at = booked
    return [PlannedNudge(person.id, NudgeKind.DUE, due_at)]


def _overdue(
    manager: Person, zone: ZoneInfo, starts_at: dt.datetime, booked: dt.datetime
) -> list[PlannedNudge]:
    first_day = add_working_days(local_date(starts_at, zone), OVERDUE_WORKING_DAYS_AFTER)
    days = [first_day + OVERDUE_REPEAT * repeat for repeat in range(OVERDUE_COUNT)]
    instants = [at_nudge_hour(day, zone) for day in days]
    return [
        PlannedNudge(manager.id, NudgeKind.OVERDUE, due_at)
        for due_at in instants
        if due_at >= booked
    ]


def time_zone_of(person: Person) -> ZoneInfo:
    """The person's IANA time zone, or UTC when it is not a known zone name."""
    try:
        return ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        logger.warning("person %s has unknown time zone; nudges planned in UTC", person.id)
        return _UTC


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (before it when negative).

    `day` itself need not be a working day: three working days before a Saturday is
    the Wednesday, two after it the Tuesday.
    """
    step = dt.timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the Monday after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar date of the instant for someone in that time zone."""
    return instant.astimezone(zone).date()


def at_nudge_hour(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """09:00 wall-clock time on that local date, as an aware UTC instant."""
    return dt.datetime.combine(day, NUDGE_HOUR, tzinfo=zone).astimezone(dt.UTC)


def _as_utc(instant: dt.datetime, name: str) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return instant.astimezone(dt.UTC)


def nudges_for_check_in(
    check_in: CheckIn, employee: Person, manager: Person, booked_at: dt.datetime
) -> list[NewNudge]:
    """The outbox rows for a check-in that was just booked or moved."""
    planned = plan_nudges(
        check_in_starts_at=check_in.starts_at,
        booked_at=booked_at,
        employee=employee,
        manager=manager,
    )
    return [NewNudge(check_in.id, p.person_id, p.kind, p.due_at) for p in planned]
