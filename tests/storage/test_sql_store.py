"""The store's units of work: commit keeps, anything else rolls back; instants stay aware."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.pool import QueuePool

from bot.domain import NudgeKind, Person
from bot.ports import NewNudge, PersonRow, Store
from storage.store import SqlStore
from tests.support.factories import add_people, add_review, person_row


async def _check_in_for(
    store: SqlStore, employee: Person, manager: Person, starts_at: dt.datetime
) -> int:
    review = await add_review(store, employee=employee, manager=manager)
    async with store.unit_of_work() as uow:
        check_in = await uow.check_ins.add(
            review_id=review.id,
            employee_id=employee.id,
            manager_id=manager.id,
            starts_at=starts_at,
            minutes=20,
        )
        await uow.commit()
    return check_in.id


async def _pair(store: SqlStore) -> tuple[Person, Person]:
    people = await add_people(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )
    return people["ann@example.com"], people["boss@example.com"]


def test_sql_store_satisfies_the_store_protocol(store: SqlStore) -> None:
    as_port: Store = store

    assert as_port is store


async def test_leaving_a_unit_of_work_without_commit_rolls_it_back(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.people.upsert([PersonRow("ann@example.com", "Ann")], default_timezone="UTC")

    async with store.unit_of_work() as uow:
        found = await uow.people.by_email("ann@example.com")

    assert found is None


async def _add_ann_then_fail(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.people.upsert([PersonRow("ann@example.com", "Ann")], default_timezone="UTC")
        raise RuntimeError("boom")


async def test_an_error_inside_a_unit_of_work_rolls_it_back_and_propagates(
    store: SqlStore,
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        await _add_ann_then_fail(store)

    async with store.unit_of_work() as uow:
        found = await uow.people.by_email("ann@example.com")

    assert found is None


async def test_changes_after_the_last_commit_are_rolled_back(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.people.upsert([PersonRow("ann@example.com", "Ann")], default_timezone="UTC")
        await uow.commit()
        await uow.people.upsert([PersonRow("bob@example.com", "Bob")], default_timezone="UTC")

    async with store.unit_of_work() as uow:
        ann = await uow.people.by_email("ann@example.com")
        bob = await uow.people.by_email("bob@example.com")

    assert ann is not None
    assert bob is None


async def test_explicit_rollback_discards_the_work_so_far(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.people.upsert([PersonRow("ann@example.com", "Ann")], default_timezone="UTC")
        await uow.rollback()
        found_in_same_unit = await uow.people.by_email("ann@example.com")

    assert found_in_same_unit is None


async def test_values_returned_before_commit_stay_readable_after_it(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.people.upsert([PersonRow("ann@example.com", "Ann")], default_timezone="UTC")
        ann = await uow.people.by_email("ann@example.com")
        await uow.commit()

    assert ann is not None
    assert ann.name == "Ann"


async def test_ping_succeeds_on_a_reachable_database(store: SqlStore) -> None:
    await store.ping()


async def test_ping_raises_when_the_database_server_cannot_be_reached() -> None:
    # Port 1 on the loopback interface refuses connections at once. (A SQLite file that
    # cannot be opened would do too, but aiosqlite then leaves a thread behind.)
    unreachable = SqlStore.from_url("postgresql://reviewbot@127.0.0.1:1/reviewbot")

    with pytest.raises(ConnectionRefusedError):
        await unreachable.ping()
    await unreachable.close()


async def test_close_returns_every_pooled_connection(database_url: str) -> None:
    sql_store = SqlStore.from_url(database_url)
    await sql_store.ping()
    pool_before = sql_store.engine.pool

    await sql_store.close()

    assert isinstance(pool_before, QueuePool)
    assert pool_before.checkedin() == 0
    assert sql_store.engine.pool is not pool_before


async def test_aware_instants_come_back_aware_in_utc(store: SqlStore) -> None:
    ann, boss = await _pair(store)
    stockholm_morning = dt.datetime(
        2024, 6, 3, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Stockholm")
    )
    check_in_id = await _check_in_for(store, ann, boss, stockholm_morning)

    async with store.unit_of_work() as uow:
        check_in = await uow.check_ins.get(check_in_id)

    assert check_in is not None
    assert check_in.starts_at == stockholm_morning
    assert check_in.starts_at.utcoffset() == dt.timedelta(0)
    assert check_in.starts_at.hour == 7


async def test_naive_instants_are_refused(store: SqlStore) -> None:
    ann, boss = await _pair(store)

    with pytest.raises(StatementError, match="naive datetime"):
        await _check_in_for(store, ann, boss, dt.datetime(2024, 6, 3, 9, 30))


async def test_instants_in_different_zones_sort_by_the_moment_they_name(store: SqlStore) -> None:
    ann, boss = await _pair(store)
    check_in_id = await _check_in_for(store, ann, boss, dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC))
    # Read as local clock times, 05:00 in New York would sort before 09:00 in Stockholm.
    sooner_in_stockholm = dt.datetime(2024, 6, 3, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    later_in_new_york = dt.datetime(2024, 6, 3, 5, 0, tzinfo=ZoneInfo("America/New_York"))
    async with store.unit_of_work() as uow:
        await uow.nudges.add_many(
            [
                NewNudge(check_in_id, ann.id, NudgeKind.DUE, later_in_new_york),
                NewNudge(check_in_id, ann.id, NudgeKind.PREPARE, sooner_in_stockholm),
            ]
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        nudges = await uow.nudges.for_check_in(check_in_id)

    assert [nudge.due_at for nudge in nudges] == [sooner_in_stockholm, later_in_new_york]
