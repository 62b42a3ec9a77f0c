"""Calendar invites for check-ins, as iCalendar (RFC 5545) files in the iTIP style of RFC 5546.

Both people get the same file. Calendars recognise a check-in by its UID, which never
changes, and keep whichever copy has the highest SEQUENCE; storage raises that number on
every move and on cancellation, so a later REQUEST replaces the event and a CANCEL removes
it. Invites are forwarded and land in shared calendars, so they carry names and times only,
never agreement text or notes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from icalendar import Calendar, Event, vCalAddress

from bot import messages
from bot.domain import CheckIn, Person

InviteMethod = Literal["REQUEST", "CANCEL"]

PRODUCT_ID = "-//reviewbot//check-in invites//EN"


def check_in_invite(
    *,
    check_in: CheckIn,
    employee: Person,
    manager: Person,
    method: InviteMethod,
    domain: str = "reviewbot",
    stamped_at: dt.datetime | None = None,
) -> bytes:
    """The .ics file that books (REQUEST) or withdraws (CANCEL) the check-in.

    `stamped_at` is when the file was made (DTSTAMP); it defaults to now, and tests pass it
    to get the same bytes every time.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)

    calendar.add_component(
        _event(check_in, employee, manager, method, domain, stamped_at or dt.datetime.now(dt.UTC))
    )
    return calendar.to_ical()


def invite_filename(check_in: CheckIn, *, zone: dt.tzinfo = dt.UTC) -> str:
    """A file name that says which check-in it is: its day in the recipient's time zone."""
    day = check_in.starts_at.astimezone(zone).date()
    return f"check-in-{day.isoformat()}.ics"


def _event(
    check_in: CheckIn,
    employee: Person,
    manager: Person,
    method: InviteMethod,
    domain: str,
    stamped_at: dt.datetime,
) -> Event:
    starts_at = _utc(check_in.starts_at)

    event = Event()
    event.add("uid", f"check-in-{check_in.id}@{domain}")
    event.add("sequence", check_in.sequence)
    event.add("dtstamp", _utc(stamped_at))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + dt.timedelta(minutes=check_in.minutes))
    event.add("summary", messages.calendar_summary(employee.name, manager.name))
    event.add("description", messages.CALENDAR_DESCRIPTION)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")

    event.add("organizer", _address(manager), parameters={"CN": manager.name})
    event.add("attendee", _address(manager), parameters=_attendee(manager, "CHAIR", "ACCEPTED"))
    event.add(
        "attendee",
        _address(employee),
        parameters=_attendee(employee, "REQ-PARTICIPANT", "NEEDS-ACTION"),
    )
    return event


def _attendee(person: Person, role: str, participation: str) -> dict[str, str]:
    return {"CN": person.name, "ROLE": role, "PARTSTAT": participation}


def _address(person: Person) -> vCalAddress:
    return vCalAddress(f"mailto:{person.email}")


def _utc(instant: dt.datetime) -> dt.datetime:
    """The instant in UTC, so the file says `...Z` and needs no VTIMEZONE block."""
    if instant.tzinfo is None:
        raise ValueError("check-in times must be timezone-aware")
    return instant.astimezone(dt.UTC)
