"""SPEC §11 delivery: concurrent sweeps deliver once; an interrupted sweep loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.domain import NudgeKind, NudgeState, Person
from bot.nudges import NudgeSweep
from bot.ports import DeliveryOutcome, Messenger, NudgeMessage
from storage.store import SqlStore
from tests.support.clock import SettableClock
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import (
    Booked,
    all_nudges,
    book_check_in,
    deliveries,
    plan,
    slack_messenger,
    slack_sweep,
)

NOW = dt.datetime(2027, 3, 4, 8, 5, tzinfo=dt.UTC)
LEASE_SECONDS = 300.0


class SweepKilled(BaseException):
    """Stands for the process dying: nothing after it runs, not even an `except Exception`."""


class DyingMessenger:
    """Delivers `lives` nudges through the real messenger, then kills the sweep."""

    def __init__(self, messenger: Messenger, lives: int) -> None:
        self._messenger = messenger
        self._lives = lives

    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        if self._lives == 0:
            raise SweepKilled
        self._lives -= 1
        return await self._messenger.send_nudge(message)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(latency=0.005) as fake_slack:
        yield fake_slack


async def book_many(store: SqlStore, count: int) -> list[Booked]:
    """`count` check-ins, a due nudge to the employee and to the manager of each."""
    managers = [person_row(f"manager{m}@example.com", slack_user_id=f"UM{m}") for m in range(4)]
    reports = [
        person_row(f"report{r}@example.com", f"manager{r % 4}@example.com", slack_user_id=f"UR{r}")
        for r in range(count)
    ]
    people = await add_people(store, managers + reports)
    bookings = []
    for r in range(count):
        employee: Person = people[f"report{r}@example.com"]
        manager = people[f"manager{r % 4}@example.com"]
        booked = await book_check_in(
            store, employee=employee, manager=manager, starts_at=NOW + dt.timedelta(hours=1)
        )
        await plan(store, booked, employee, manager, due_at=NOW, kind=NudgeKind.DUE)
        bookings.append(booked)
    return bookings


def expected_keys(bookings: list[Booked]) -> set[tuple[str, int]]:
    return {
        (str(person.slack_user_id), booked.check_in.id)
        for booked in bookings
        for person in (booked.employee, booked.manager)
    }


async def sent_keys(store: SqlStore, bookings: list[Booked]) -> set[tuple[str, int]]:
    people = {p.id: p for b in bookings for p in (b.employee, b.manager)}
    return {
        (str(people[n.person_id].slack_user_id), n.check_in_id)
        for n in (await all_nudges(store)).values()
        if n.state is NudgeState.SENT
    }


async def test_two_sweeps_at_once_on_postgres_deliver_every_nudge_exactly_once(
    database_url: str, fake: FakeSlack
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "SQLite serialises writers, so two sweeps never claim at the same moment there; "
            "the row locking under test (FOR UPDATE SKIP LOCKED) is PostgreSQL's"
        )
    first_store, second_store = SqlStore.from_url(database_url), SqlStore.from_url(database_url)
    clock = SettableClock(NOW)
    try:
        bookings = await book_many(first_store, 40)
        options = {"batch_size": 7, "concurrency": 3}
        first = slack_sweep(first_store, fake, clock, **options)
        second = slack_sweep(second_store, fake, clock, **options)

        reports = await asyncio.gather(first.run_once(), second.run_once())
    finally:
        await second_store.close()

    try:
        stored = await all_nudges(first_store)
    finally:
        await first_store.close()
    assert deliveries(fake) == dict.fromkeys(expected_keys(bookings), 1)
    assert sum(report.sent for report in reports) == 80
    assert all(report.sent > 0 for report in reports)
    assert {n.state for n in stored.values()} == {NudgeState.SENT}


async def test_a_sweep_cancelled_mid_batch_keeps_what_it_sent_and_the_rest_follows_the_lease(
    store: SqlStore, fake: FakeSlack
) -> None:
    bookings = await book_many(store, 6)
    clock = SettableClock(NOW)
    options = {"batch_size": 6, "concurrency": 1, "lease_seconds": LEASE_SECONDS}
    sweep = slack_sweep(store, fake, clock, **options)

    running = asyncio.create_task(sweep.run_once())
    await fake.wait_for_calls("chat.postMessage", 8)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    sent_before_restart = await sent_keys(store, bookings)
    while_leased = await slack_sweep(store, fake, clock, **options).run_once()
    clock.advance(seconds=LEASE_SECONDS)
    after_lease = await slack_sweep(store, fake, clock, **options).run_once()

    delivered = deliveries(fake)
    assert len(sent_before_restart) >= 7  # the first batch and what the second had sent
    assert while_leased.sent == 0
    assert after_lease.sent == 12 - len(sent_before_restart)
    assert set(delivered) == expected_keys(bookings)
    assert {delivered[key] for key in sent_before_restart} == {1}
    assert sum(delivered.values()) - 12 <= 1  # at most the one message on the wire
    assert await sent_keys(store, bookings) == expected_keys(bookings)


async def test_a_sweep_killed_mid_batch_loses_nothing_once_the_lease_runs_out(
    store: SqlStore, fake: FakeSlack
) -> None:
    bookings = await book_many(store, 6)
    clock = SettableClock(NOW)
    options: dict[str, Any] = {"batch_size": 4, "concurrency": 1, "lease_seconds": LEASE_SECONDS}
    dying = DyingMessenger(slack_messenger(store, fake, clock), lives=6)
    sweep = NudgeSweep(store=store, clock=clock, messenger=dying, **options)

    with pytest.raises(BaseExceptionGroup):
        await sweep.run_once()
    sent_before_restart = await sent_keys(store, bookings)
    while_leased = await slack_sweep(store, fake, clock, **options).run_once()
    clock.advance(seconds=LEASE_SECONDS)
    after_lease = await slack_sweep(store, fake, clock, **options).run_once()

    delivered = deliveries(fake)
    assert len(sent_before_restart) == 4  # the first batch; the second died unrecorded
    assert while_leased.sent == 4  # the third batch, which nobody had claimed
    assert after_lease.sent == 4  # the second batch, whose lease ran out
    assert set(delivered) == expected_keys(bookings)
    assert {delivered[key] for key in sent_before_restart} == {1}
    assert sum(delivered.values()) == 12 + 2  # the second batch's first two went twice
    assert await sent_keys(store, bookings) == expected_keys(bookings)


async def test_deliveries_stop_when_the_lease_runs_short_and_the_rest_is_released(
    store: SqlStore, fake: FakeSlack
) -> None:
    bookings = await book_many(store, 3)
    clock = SettableClock(NOW)
    fake.latency = 0.2
    sweep = slack_sweep(store, fake, clock, concurrency=1, lease_seconds=0.5)

    report = await sweep.run_once()
    stored = await all_nudges(store)
    finished = await slack_sweep(store, fake, clock).run_once()

    released = [n for n in stored.values() if n.state is NudgeState.PLANNED]
    assert 1 <= report.sent < 6
    assert report.retried == len(released) == 6 - report.sent
    assert {(n.due_at, n.lease_until, n.last_error) for n in released} == {
        (NOW, None, "lease ran out before delivery")
    }
    assert finished.sent == len(released)
    assert set(deliveries(fake).values()) == {1}
    assert len(deliveries(fake)) == len(expected_keys(bookings))
