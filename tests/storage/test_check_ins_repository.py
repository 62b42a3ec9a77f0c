"""Check-ins: booking them and finding the next one due."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from bot.domain import CheckInStatus, Review
from storage.models import CheckInModel
from storage.store import SqlStore
from tests.support.factories import add_people, add_review, person_row

NOON = dt.datetime(2024, 9, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
async def review(store: SqlStore) -> Review:
    people = await add_people(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )
    return await add_review(
        store, employee=people["ann@example.com"], manager=people["boss@example.com"]
    )


async def book(store: SqlStore, review: Review, starts_at: dt.datetime, minutes: int = 20) -> int:
    async with store.unit_of_work() as uow:
        check_in = await uow.check_ins.add(
            review_id=review.id,
            employee_id=review.employee_id,
            manager_id=review.manager_id,
            starts_at=starts_at,
            minutes=minutes,
        )
        await uow.commit()
    return check_in.id


async def test_add_books_a_scheduled_check_in(store: SqlStore, review: Review) -> None:
    check_in_id = await book(store, review, NOON, minutes=45)

    async with store.unit_of_work() as uow:
        check_in = await uow.check_ins.get(check_in_id)
        sequence = await uow.session.scalar(
            select(CheckInModel.sequence).where(CheckInModel.id == check_in_id)
        )

    assert check_in is not None
    assert (check_in.review_id, check_in.employee_id, check_in.manager_id) == (
        review.id,
        review.employee_id,
        review.manager_id,
    )
    assert (check_in.starts_at, check_in.minutes) == (NOON, 45)
    assert (check_in.status, check_in.notes) == (CheckInStatus.SCHEDULED, None)
    assert sequence == 0


async def test_get_of_an_unknown_check_in_is_none(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        found = await uow.check_ins.get(4242)

    assert found is None


async def test_next_for_is_the_earliest_scheduled_check_in(
    store: SqlStore, review: Review
) -> None:
    later = await book(store, review, NOON + dt.timedelta(days=90))
    earliest = await book(store, review, NOON)
    done = await book(store, review, NOON - dt.timedelta(days=90))
    async with store.unit_of_work() as uow:
        await uow.session.execute(
            update(CheckInModel)
            .where(CheckInModel.id == done)
            .values(status=CheckInStatus.DONE.value)
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        found = await uow.check_ins.next_for(review.employee_id)
        for_manager = await uow.check_ins.next_for(review.manager_id)

    assert found is not None
    assert found.id == earliest
    assert later not in (earliest, done)
    assert for_manager is None


async def test_move_books_the_new_time_and_raises_the_sequence_on_each_move(
    store: SqlStore, review: Review
) -> None:
    check_in_id = await book(store, review, NOON, minutes=20)
    later = NOON + dt.timedelta(days=7)
    async with store.unit_of_work() as uow:
        first = await uow.check_ins.move(check_in_id, starts_at=later, minutes=30)
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.check_ins.move(check_in_id, starts_at=later + dt.timedelta(hours=2), minutes=45)
        await uow.commit()

    async with store.unit_of_work() as uow:
        moved = await uow.check_ins.get(check_in_id)

    assert (first.starts_at, first.minutes, first.sequence) == (later, 30, 1)
    assert moved is not None
    assert (moved.starts_at, moved.minutes, moved.sequence) == (
        later + dt.timedelta(hours=2),
        45,
        2,
    )
    assert moved.status is CheckInStatus.SCHEDULED


async def test_move_within_the_booking_unit_of_work_is_what_get_returns(
    store: SqlStore, review: Review
) -> None:
    later = NOON + dt.timedelta(days=1)

    async with store.unit_of_work() as uow:
        booked = await uow.check_ins.add(
            review_id=review.id,
            employee_id=review.employee_id,
            manager_id=review.manager_id,
            starts_at=NOON,
            minutes=20,
        )
        await uow.check_ins.move(booked.id, starts_at=later, minutes=25)
        seen = await uow.check_ins.get(booked.id)

    assert seen is not None
    assert (seen.starts_at, seen.minutes, seen.sequence) == (later, 25, 1)


async def test_move_of_an_unknown_check_in_raises_lookup_error(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.check_ins.move(4242, starts_at=NOON, minutes=20)


async def test_cancelling_raises_the_sequence_once_even_when_cancelled_twice(
    store: SqlStore, review: Review
) -> None:
    check_in_id = await book(store, review, NOON)
    async with store.unit_of_work() as uow:
        await uow.check_ins.move(check_in_id, starts_at=NOON + dt.timedelta(days=1), minutes=20)
        first = await uow.check_ins.set_status(check_in_id, CheckInStatus.CANCELLED)
        await uow.commit()

    async with store.unit_of_work() as uow:
        again = await uow.check_ins.set_status(check_in_id, CheckInStatus.CANCELLED)
        await uow.commit()

    assert (first.status, first.sequence) == (CheckInStatus.CANCELLED, 2)
    assert (again.status, again.sequence) == (CheckInStatus.CANCELLED, 2)


async def test_set_status_done_records_notes_and_keeps_the_sequence(
    store: SqlStore, review: Review
) -> None:
    check_in_id = await book(store, review, NOON)
    async with store.unit_of_work() as uow:
        await uow.check_ins.set_status(
            check_in_id, CheckInStatus.DONE, notes="Course booked; demo went well"
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        recorded = await uow.check_ins.get(check_in_id)
        upcoming = await uow.check_ins.next_for(review.employee_id)

    assert recorded is not None
    assert (recorded.status, recorded.notes, recorded.sequence) == (
        CheckInStatus.DONE,
        "Course booked; demo went well",
        0,
    )
    assert upcoming is None


async def test_set_status_without_notes_keeps_the_stored_notes(
    store: SqlStore, review: Review
) -> None:
    check_in_id = await book(store, review, NOON)
    async with store.unit_of_work() as uow:
        await uow.check_ins.set_status(check_in_id, CheckInStatus.SKIPPED, notes="Ann was ill")
        await uow.commit()

    async with store.unit_of_work() as uow:
        cancelled = await uow.check_ins.set_status(check_in_id, CheckInStatus.CANCELLED)
        await uow.commit()

    assert (cancelled.status, cancelled.notes) == (CheckInStatus.CANCELLED, "Ann was ill")


async def test_set_status_of_an_unknown_check_in_raises_lookup_error(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.check_ins.set_status(4242, CheckInStatus.DONE)
