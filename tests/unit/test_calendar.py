"""Check-in invites: what calendars read from the .ics file, parsed back with icalendar."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vCalAddress

from bot import messages
from bot.calendar import InviteMethod, check_in_invite, invite_filename
from bot.domain import CheckIn, Person

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STAMPED_AT = dt.datetime(2027, 1, 10, 8, 15, tzinfo=dt.UTC)

ANN = Person(
    id=2, email="ann@example.com", name="Ann Lind", manager_id=1, timezone="Europe/Stockholm"
)
BOSS = Person(id=1, email="boss@example.com", name="Bo Ek", timezone="Europe/Stockholm")


def check_in(starts_at: dt.datetime, *, minutes: int = 20, notes: str | None = None) -> CheckIn:
    return CheckIn(
        id=17,
        review_id=3,
        employee_id=ANN.id,
        manager_id=BOSS.id,
        starts_at=starts_at,
        minutes=minutes,
        notes=notes,
    )


def invite(booked: CheckIn, method: InviteMethod = "REQUEST") -> Calendar:
    content = check_in_invite(
        check_in=booked, employee=ANN, manager=BOSS, method=method, stamped_at=STAMPED_AT
    )
    return Calendar.from_ical(content)


def only_event(calendar: Calendar) -> Event:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert isinstance(events[0], Event)
    return events[0]


def addresses(event: Event, name: str) -> dict[str, dict[str, str]]:
    """Each ORGANIZER or ATTENDEE address with its parameters."""
    found = event[name]
    values: list[object] = list(found) if isinstance(found, list) else [found]
    parameters = {}
    for value in values:
        assert isinstance(value, vCalAddress)
        parameters[str(value)] = dict(value.params)
    return parameters


def test_request_is_a_calendar_with_one_confirmed_event_for_both_people() -> None:
    booked = check_in(dt.datetime(2027, 3, 4, 8, tzinfo=dt.UTC))

    calendar = invite(booked)

    event = only_event(calendar)
    assert (str(calendar["version"]), str(calendar["method"])) == ("2.0", "REQUEST")
    assert str(calendar["prodid"])
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["summary"]) == "Check-in: Ann Lind and Bo Ek"
    assert event.decoded("dtstamp") == STAMPED_AT
    assert addresses(event, "organizer") == {"mailto:boss@example.com": {"CN": "Bo Ek"}}
    assert addresses(event, "attendee") == {
        "mailto:boss@example.com": {"CN": "Bo Ek", "ROLE": "CHAIR", "PARTSTAT": "ACCEPTED"},
        "mailto:ann@example.com": {
            "CN": "Ann Lind",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
        },
    }


def test_uid_stays_the_same_across_a_move_while_the_sequence_rises() -> None:
    booked = check_in(dt.datetime(2027, 3, 4, 8, tzinfo=dt.UTC))
    moved = dataclasses.replace(
        booked, starts_at=booked.starts_at + dt.timedelta(days=2), sequence=1
    )

    first, second = only_event(invite(booked)), only_event(invite(moved))

    assert str(first["uid"]) == str(second["uid"]) == "check-in-17@reviewbot"
    assert (first.decoded("sequence"), second.decoded("sequence")) == (0, 1)
    assert second.decoded("dtstart") == dt.datetime(2027, 3, 6, 8, tzinfo=dt.UTC)


def test_uid_names_the_domain_it_is_given() -> None:
    booked = check_in(dt.datetime(2027, 3, 4, 8, tzinfo=dt.UTC))

    content = check_in_invite(
        check_in=booked, employee=ANN, manager=BOSS, method="REQUEST", domain="example.com"
    )

    assert str(only_event(Calendar.from_ical(content))["uid"]) == "check-in-17@example.com"


def test_cancel_carries_method_cancel_status_cancelled_and_the_same_uid() -> None:
    booked = check_in(dt.datetime(2027, 3, 4, 8, tzinfo=dt.UTC))
    cancelled = dataclasses.replace(booked, sequence=2)

    calendar = invite(cancelled, "CANCEL")

    event = only_event(calendar)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(only_event(invite(booked))["uid"])
    assert event.decoded("sequence") == 2


@pytest.mark.parametrize(
    ("local_start", "minutes", "utc_start", "utc_end"),
    [
        pytest.param(
            dt.datetime(2027, 3, 22, 9, 0), 20, "20270322T080000Z", "20270322T082000Z", id="winter"
        ),
        pytest.param(
            dt.datetime(2027, 3, 29, 9, 0), 20, "20270329T070000Z", "20270329T072000Z", id="summer"
        ),
        # Clocks jump from 02:00 to 03:00 that night: an hour from 01:30 ends at 03:30.
        pytest.param(
            dt.datetime(2027, 3, 28, 1, 30),
            60,
            "20270328T003000Z",
            "20270328T013000Z",
            id="across-the-jump",
        ),
    ],
)
def test_times_are_written_in_utc_for_a_check_in_booked_in_stockholm(
    local_start: dt.datetime, minutes: int, utc_start: str, utc_end: str
) -> None:
    starts_at = local_start.replace(tzinfo=STOCKHOLM).astimezone(dt.UTC)
    booked = check_in(starts_at, minutes=minutes)

    content = check_in_invite(check_in=booked, employee=ANN, manager=BOSS, method="REQUEST")

    event = only_event(Calendar.from_ical(content))
    assert f"DTSTART:{utc_start}".encode() in content
    assert f"DTEND:{utc_end}".encode() in content
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=minutes)


def test_invite_keeps_check_in_notes_out_and_points_to_the_bot() -> None:
    notes = "Ann signed up for the PMI course; the Stockholm delivery slipped"
    booked = check_in(dt.datetime(2027, 3, 4, 8, tzinfo=dt.UTC), notes=notes)

    content = check_in_invite(check_in=booked, employee=ANN, manager=BOSS, method="REQUEST")

    assert b"PMI" not in content
    assert b"Stockholm delivery" not in content
    assert str(only_event(Calendar.from_ical(content))["description"]) == (
        messages.CALENDAR_DESCRIPTION
    )


def test_invite_refuses_a_check_in_time_without_a_time_zone() -> None:
    booked = check_in(dt.datetime(2027, 3, 4, 8))

    with pytest.raises(ValueError, match="timezone-aware"):
        check_in_invite(check_in=booked, employee=ANN, manager=BOSS, method="REQUEST")


def test_invite_filename_names_the_day_in_the_recipients_time_zone() -> None:
    booked = check_in(dt.datetime(2027, 3, 3, 23, 30, tzinfo=dt.UTC))

    in_stockholm = invite_filename(booked, zone=STOCKHOLM)
    in_utc = invite_filename(booked)

    assert in_stockholm == "check-in-2027-03-04.ics"
    assert in_utc == "check-in-2027-03-03.ics"
