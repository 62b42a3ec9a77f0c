import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import NudgeKind, Person
from bot.planning import (
    PlannedNudge,
    add_working_days,
    at_nudge_hour,
    is_working_day,
    next_working_day,
    plan_nudges,
    time_zone_of,
)

UTC = dt.UTC
STOCKHOLM = "Europe/Stockholm"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=UTC)


def person(person_id: int, timezone: str) -> Person:
    return Person(
        id=person_id, email=f"p{person_id}@example.com", name=f"P{person_id}", timezone=timezone
    )


EMPLOYEE = person(1, STOCKHOLM)
MANAGER = person(2, STOCKHOLM)


def local(
    year: int, month: int, day: int, hour: int, minute: int = 0, zone: str = STOCKHOLM
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def plan(
    starts_at: dt.datetime,
    *,
    booked_at: dt.datetime = LONG_AGO,
    employee: Person = EMPLOYEE,
    manager: Person = MANAGER,
) -> list[PlannedNudge]:
    return plan_nudges(
        check_in_starts_at=starts_at, booked_at=booked_at, employee=employee, manager=manager
    )


def times(nudges: list[PlannedNudge], kind: NudgeKind, person_id: int) -> list[dt.datetime]:
    return [n.due_at for n in nudges if n.kind is kind and n.person_id == person_id]


# --- the plan ---------------------------------------------------------------------------


def test_a_check_in_booked_well_ahead_gets_prepare_and_due_for_both_and_three_overdue() -> None:
    starts_at = local(2026, 6, 18, 10)  # a Thursday

    nudges = plan(starts_at)

    assert nudges == [
        PlannedNudge(1, NudgeKind.PREPARE, local(2026, 6, 15, 9)),
        PlannedNudge(2, NudgeKind.PREPARE, local(2026, 6, 15, 9)),
        PlannedNudge(1, NudgeKind.DUE, local(2026, 6, 18, 9)),
        PlannedNudge(2, NudgeKind.DUE, local(2026, 6, 18, 9)),
        PlannedNudge(2, NudgeKind.OVERDUE, local(2026, 6, 22, 9)),
        PlannedNudge(2, NudgeKind.OVERDUE, local(2026, 6, 29, 9)),
        PlannedNudge(2, NudgeKind.OVERDUE, local(2026, 7, 6, 9)),
    ]


def test_every_planned_instant_is_aware_and_in_utc() -> None:
    nudges = plan(local(2026, 6, 18, 10))

    assert all(n.due_at.utcoffset() == dt.timedelta(0) for n in nudges)


def test_prepare_skips_the_weekend_when_the_check_in_is_on_a_monday() -> None:
    nudges = plan(local(2026, 6, 22, 13))  # a Monday

    assert times(nudges, NudgeKind.PREPARE, 1) == [local(2026, 6, 17, 9)]  # the Wednesday


def test_a_check_in_on_a_saturday_is_prepared_on_wednesday_and_overdue_from_tuesday() -> None:
    nudges = plan(local(2026, 6, 20, 11))  # a Saturday

    assert times(nudges, NudgeKind.PREPARE, 1) == [local(2026, 6, 17, 9)]
    assert times(nudges, NudgeKind.DUE, 1) == [local(2026, 6, 20, 9)]
    assert times(nudges, NudgeKind.OVERDUE, 2)[0] == local(2026, 6, 23, 9)


def test_overdue_after_a_thursday_check_in_skips_the_weekend() -> None:
    nudges = plan(local(2026, 6, 18, 10))

    assert times(nudges, NudgeKind.OVERDUE, 2)[0] == local(2026, 6, 22, 9)  # Monday


def test_overdue_goes_to_the_manager_only() -> None:
    nudges = plan(local(2026, 6, 18, 10))

    assert {n.person_id for n in nudges if n.kind is NudgeKind.OVERDUE} == {MANAGER.id}


# --- booking late -----------------------------------------------------------------------


def test_a_check_in_booked_two_days_ahead_gets_no_prepare_nudge() -> None:
    nudges = plan(local(2026, 6, 18, 10), booked_at=local(2026, 6, 16, 15))

    assert [n.kind for n in nudges if n.kind is NudgeKind.PREPARE] == []
    assert times(nudges, NudgeKind.DUE, 1) == [local(2026, 6, 18, 9)]


def test_a_check_in_booked_after_nine_on_its_own_day_is_due_at_once() -> None:
    booked_at = local(2026, 6, 18, 11, 17)

    nudges = plan(local(2026, 6, 18, 15), booked_at=booked_at)

    assert times(nudges, NudgeKind.DUE, 1) == [booked_at]
    assert times(nudges, NudgeKind.DUE, 2) == [booked_at]


def test_a_check_in_booked_after_it_began_gets_no_due_nudge_but_keeps_overdue() -> None:
    nudges = plan(local(2026, 6, 18, 10), booked_at=local(2026, 6, 18, 12))

    assert times(nudges, NudgeKind.DUE, 1) == []
    assert len(times(nudges, NudgeKind.OVERDUE, 2)) == 3


def test_overdue_nudges_before_the_booking_are_left_out() -> None:
    nudges = plan(local(2026, 6, 18, 10), booked_at=local(2026, 6, 25, 12))

    assert times(nudges, NudgeKind.OVERDUE, 2) == [local(2026, 6, 29, 9), local(2026, 7, 6, 9)]


def test_a_check_in_before_nine_is_due_at_its_start() -> None:
    starts_at = local(2026, 6, 18, 8, 30)

    nudges = plan(starts_at)

    assert times(nudges, NudgeKind.DUE, 1) == [starts_at]


# --- time zones and daylight saving -----------------------------------------------------


def test_stockholm_nudges_stay_at_nine_local_across_the_spring_change() -> None:
    nudges = plan(local(2026, 3, 31, 10))  # Tuesday after the change on Sunday 29 March

    assert times(nudges, NudgeKind.PREPARE, 1) == [utc(2026, 3, 26, 8)]  # 09:00 CET
    assert times(nudges, NudgeKind.DUE, 1) == [utc(2026, 3, 31, 7)]  # 09:00 CEST


def test_stockholm_nudges_stay_at_nine_local_across_the_autumn_change() -> None:
    nudges = plan(local(2026, 10, 27, 10))  # Tuesday after the change on Sunday 25 October

    assert times(nudges, NudgeKind.PREPARE, 1) == [utc(2026, 10, 22, 7)]  # 09:00 CEST
    assert times(nudges, NudgeKind.DUE, 1) == [utc(2026, 10, 27, 8)]  # 09:00 CET


def test_weekly_overdue_nudges_keep_nine_local_when_the_clocks_change_between_them() -> None:
    nudges = plan(local(2026, 10, 15, 10))  # a Thursday

    assert times(nudges, NudgeKind.OVERDUE, 2) == [
        utc(2026, 10, 19, 7),
        utc(2026, 10, 26, 8),
        utc(2026, 11, 2, 8),
    ]


def test_new_york_nudges_stay_at_nine_local_across_its_spring_change() -> None:
    manager = person(2, NEW_YORK)

    nudges = plan(local(2026, 2, 23, 14, zone=NEW_YORK), manager=manager)  # a Monday

    assert times(nudges, NudgeKind.OVERDUE, 2) == [
        utc(2026, 2, 25, 14),  # 09:00 EST
        utc(2026, 3, 4, 14),
        utc(2026, 3, 11, 13),  # 09:00 EDT, after the change on 8 March
    ]


def test_new_york_nudges_stay_at_nine_local_across_its_autumn_change() -> None:
    employee = person(1, NEW_YORK)

    nudges = plan(local(2026, 11, 3, 14, zone=NEW_YORK), employee=employee)  # a Tuesday

    assert times(nudges, NudgeKind.PREPARE, 1) == [utc(2026, 10, 29, 13)]  # 09:00 EDT
    assert times(nudges, NudgeKind.DUE, 1) == [utc(2026, 11, 3, 14)]  # 09:00 EST


def test_kolkata_nudges_are_at_nine_local_which_is_half_past_three_utc() -> None:
    employee = person(1, KOLKATA)

    nudges = plan(utc(2026, 6, 18, 10), employee=employee)

    assert times(nudges, NudgeKind.PREPARE, 1) == [utc(2026, 6, 15, 3, 30)]
    assert times(nudges, NudgeKind.DUE, 1) == [utc(2026, 6, 18, 3, 30)]


def test_each_recipient_counts_working_days_from_their_own_local_date() -> None:
    employee, manager = person(1, STOCKHOLM), person(2, NEW_YORK)
    starts_at = utc(2026, 6, 16, 3)  # Tuesday 05:00 in Stockholm, Monday 23:00 in New York

    nudges = plan(starts_at, employee=employee, manager=manager)

    assert times(nudges, NudgeKind.PREPARE, 1) == [local(2026, 6, 11, 9)]  # Thursday
    assert times(nudges, NudgeKind.PREPARE, 2) == [local(2026, 6, 10, 9, zone=NEW_YORK)]  # Wed
    assert times(nudges, NudgeKind.OVERDUE, 2)[0] == local(2026, 6, 17, 9, zone=NEW_YORK)


@pytest.mark.parametrize(
    "timezone", ["Mars/Olympus_Mons", "", "America", "../../etc/passwd", "UTC "]
)
def test_an_unknown_time_zone_falls_back_to_utc_and_warns_with_the_id_only(
    timezone: str, caplog: pytest.LogCaptureFixture
) -> None:
    employee = person(7, timezone)

    with caplog.at_level(logging.WARNING, logger="bot.planning"):
        nudges = plan(utc(2026, 6, 18, 10), employee=employee)

    assert times(nudges, NudgeKind.DUE, 7) == [utc(2026, 6, 18, 9)]
    assert [record.args for record in caplog.records] == [(7,)]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(dt.datetime(2026, 6, 18, 10))


def test_instants_in_another_zone_are_read_as_the_same_instant() -> None:
    starts_at = local(2026, 6, 18, 10)

    in_tokyo = plan(starts_at.astimezone(ZoneInfo("Asia/Tokyo")))

    assert in_tokyo == plan(starts_at)


# --- working days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (dt.date(2026, 6, 18), -3, dt.date(2026, 6, 15)),  # Thu -> Mon
        (dt.date(2026, 6, 22), -3, dt.date(2026, 6, 17)),  # Mon -> Wed
        (dt.date(2026, 6, 20), -3, dt.date(2026, 6, 17)),  # Sat -> Wed
        (dt.date(2026, 6, 21), -1, dt.date(2026, 6, 19)),  # Sun -> Fri
        (dt.date(2026, 6, 18), 2, dt.date(2026, 6, 22)),  # Thu -> Mon
        (dt.date(2026, 6, 19), 2, dt.date(2026, 6, 23)),  # Fri -> Tue
        (dt.date(2026, 6, 20), 2, dt.date(2026, 6, 23)),  # Sat -> Tue
        (dt.date(2026, 6, 18), 0, dt.date(2026, 6, 18)),
    ],
)
def test_adding_working_days_skips_saturdays_and_sundays(
    day: dt.date, count: int, expected: dt.date
) -> None:
    assert add_working_days(day, count) == expected


def test_the_next_working_day_of_a_weekend_day_is_monday() -> None:
    assert next_working_day(dt.date(2026, 6, 20)) == dt.date(2026, 6, 22)
    assert next_working_day(dt.date(2026, 6, 19)) == dt.date(2026, 6, 19)


def test_nine_local_on_a_date_is_nine_on_the_wall_clock_of_that_zone() -> None:
    instant = at_nudge_hour(dt.date(2026, 3, 29), ZoneInfo(STOCKHOLM))  # the day clocks go forward

    assert instant == utc(2026, 3, 29, 7)


def test_a_known_time_zone_is_used_as_is() -> None:
    assert time_zone_of(person(1, KOLKATA)) == ZoneInfo(KOLKATA)


# --- properties -------------------------------------------------------------------------

ZONES = [
    STOCKHOLM,
    NEW_YORK,
    KOLKATA,
    "UTC",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kathmandu",
    "America/Sao_Paulo",
    "Africa/Casablanca",
]
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2037, 12, 31), timezones=st.just(UTC)
)


@given(
    starts_at=instants,
    booked_before=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=60)),
    employee_zone=st.sampled_from(ZONES),
    manager_zone=st.sampled_from(ZONES),
)
def test_planned_nudges_follow_the_rules_in_every_time_zone(
    starts_at: dt.datetime, booked_before: dt.timedelta, employee_zone: str, manager_zone: str
) -> None:
    employee, manager = person(1, employee_zone), person(2, manager_zone)
    booked_at = starts_at - booked_before
    zones = {1: ZoneInfo(employee_zone), 2: ZoneInfo(manager_zone)}

    nudges = plan(starts_at, booked_at=booked_at, employee=employee, manager=manager)

    assert nudges == sorted(nudges, key=lambda n: n.due_at)
    for nudge in nudges:
        wall = nudge.due_at.astimezone(zones[nudge.person_id])
        assert nudge.due_at >= booked_at
        if nudge.kind is NudgeKind.DUE:
            assert nudge.due_at <= starts_at
            assert nudge.due_at in (booked_at, starts_at) or (wall.hour, wall.minute) == (9, 0)
            assert wall.date() == starts_at.astimezone(zones[nudge.person_id]).date()
        else:
            assert (wall.hour, wall.minute) == (9, 0)
            assert is_working_day(wall.date())
    assert len(times(nudges, NudgeKind.OVERDUE, 2)) <= 3
    assert times(nudges, NudgeKind.OVERDUE, 1) == []
    assert all(n.due_at < starts_at for n in nudges if n.kind is NudgeKind.PREPARE)


@given(starts_at=instants, zone=st.sampled_from(ZONES))
def test_booking_well_ahead_plans_seven_nudges(starts_at: dt.datetime, zone: str) -> None:
    nudges = plan(
        starts_at,
        booked_at=starts_at - dt.timedelta(days=30),
        employee=person(1, zone),
        manager=person(2, zone),
    )

    assert sorted(n.kind for n in nudges) == sorted(
        [NudgeKind.PREPARE] * 2 + [NudgeKind.DUE] * 2 + [NudgeKind.OVERDUE] * 3
    )
