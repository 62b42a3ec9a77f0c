"""The nudge outbox: claiming with a lease, bulk outcomes in one round trip, folding."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from bot.domain import CheckInStatus, NudgeKind, NudgeState, Person
from storage.repositories.nudges import FOLDED
from storage.store import SqlStore
from tests.support.factories import add_people, person_row
from tests.support.nudges import Booked, all_nudges, book_check_in, plan, set_nudge_columns

NOW = dt.datetime(2027, 3, 4, 8, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)


@pytest.fixture
async def people(store: SqlStore) -> dict[str, Person]:
    return await add_people(
        store,
        [
            person_row("maria@example.com", slack_user_id="UMARIA"),
            person_row("alice@example.com", "maria@example.com", slack_user_id="UALICE"),
            person_row("bob@example.com", "maria@example.com", slack_user_id="UBOB"),
        ],
    )


@pytest.fixture
async def booked(store: SqlStore, people: dict[str, Person]) -> Booked:
    return await book_check_in(
        store,
        employee=people["alice@example.com"],
        manager=people["maria@example.com"],
        starts_at=NOW + dt.timedelta(days=1),
    )


@contextmanager
def counted_statements(store: SqlStore) -> Iterator[list[str]]:
    """Statements sent to the database inside the block; an executemany counts once."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)


async def claim(store: SqlStore, now: dt.datetime, limit: int = 100, **options: Any) -> list[int]:
    async with store.unit_of_work() as uow:
        claimed = await uow.nudges.claim_due(
            now=now, lease_until=now + LEASE, limit=limit, **options
        )
        await uow.commit()
    return [nudge.id for nudge in claimed]


async def test_claim_due_leases_due_planned_nudges_oldest_first_and_counts_an_attempt(
    store: SqlStore, booked: Booked
) -> None:
    alice, maria = booked.employee, booked.manager
    await plan(store, booked, alice, due_at=NOW - dt.timedelta(hours=1), kind=NudgeKind.DUE)
    await plan(store, booked, maria, due_at=NOW - dt.timedelta(hours=2), kind=NudgeKind.DUE)
    await plan(store, booked, alice, due_at=NOW + dt.timedelta(seconds=1), kind=NudgeKind.OVERDUE)
    by_due = sorted((await all_nudges(store)).values(), key=lambda n: n.due_at)

    async with store.unit_of_work() as uow:
        claimed = await uow.nudges.claim_due(now=NOW, lease_until=NOW + LEASE, limit=10)
        await uow.commit()

    stored = await all_nudges(store)
    assert [n.id for n in claimed] == [by_due[0].id, by_due[1].id]
    assert [(n.lease_until, n.attempts) for n in claimed] == [(NOW + LEASE, 1)] * 2
    assert [(stored[n.id].lease_until, stored[n.id].attempts) for n in claimed] == [
        (NOW + LEASE, 1)
    ] * 2
    assert (stored[by_due[2].id].lease_until, stored[by_due[2].id].attempts) == (None, 0)


async def test_claim_due_honours_the_limit_and_due_by(store: SqlStore, booked: Booked) -> None:
    for minutes in (30, 20, 10):
        await plan(
            store,
            booked,
            booked.employee,
            due_at=NOW - dt.timedelta(minutes=minutes),
            kind=NudgeKind.DUE,
        )

    first_two = await claim(store, NOW, limit=2)
    by_earlier_instant = await claim(store, NOW, due_by=NOW - dt.timedelta(minutes=15))
    the_rest = await claim(store, NOW)

    ordered = sorted(await all_nudges(store))
    assert first_two == ordered[:2]
    assert by_earlier_instant == []
    assert the_rest == ordered[2:]


async def test_a_leased_nudge_is_claimed_again_only_once_its_lease_ran_out(
    store: SqlStore, booked: Booked
) -> None:
    await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)

    first = await claim(store, NOW)
    while_leased = await claim(store, NOW + LEASE - dt.timedelta(seconds=1))
    after_lease = await claim(store, NOW + LEASE)

    assert len(first) == 1
    assert while_leased == []
    assert after_lease == first
    assert (await all_nudges(store))[first[0]].attempts == 2


async def test_claim_due_skips_sent_failed_and_cancelled_nudges(
    store: SqlStore, booked: Booked
) -> None:
    nudges = await plan(
        store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE
    )
    await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.PREPARE)
    async with store.unit_of_work() as uow:
        await uow.nudges.mark_sent([(nudges[0].id, "D1:1.0")], at=NOW)
        await uow.nudges.mark_failed([(nudges[1].id, "user_not_found")])
        await uow.commit()

    claimed = await claim(store, NOW)

    assert len(claimed) == 1
    assert claimed[0] not in {nudges[0].id, nudges[1].id}


async def test_each_bulk_outcome_is_one_statement_for_the_whole_batch(
    store: SqlStore, booked: Booked
) -> None:
    for _ in range(40):
        await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    ids = await claim(store, NOW)
    sent_at = NOW + dt.timedelta(seconds=3)
    later = NOW + dt.timedelta(minutes=2)

    with counted_statements(store) as statements:
        async with store.unit_of_work() as uow:
            await uow.nudges.mark_sent([(i, f"D1:{i}.0") for i in ids[:10]], at=sent_at)
            await uow.nudges.reschedule([(i, later, "ratelimited") for i in ids[10:20]])
            await uow.nudges.mark_failed([(i, "user_not_found") for i in ids[20:30]])
            await uow.nudges.mark_cancelled([(i, "recipient is inactive") for i in ids[30:]])
            await uow.commit()

    stored = await all_nudges(store)
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE")]) == 4
    assert [stored[i].message_ref for i in ids[:10]] == [f"D1:{i}.0" for i in ids[:10]]
    assert {(stored[i].state, stored[i].lease_until) for i in ids[:10]} == {
        (NudgeState.SENT, None)
    }
    assert {
        (stored[i].state, stored[i].due_at, stored[i].last_error, stored[i].lease_until)
        for i in ids[10:20]
    } == {(NudgeState.PLANNED, later, "ratelimited", None)}
    assert {(stored[i].state, stored[i].last_error) for i in ids[20:30]} == {
        (NudgeState.FAILED, "user_not_found")
    }
    assert {(stored[i].state, stored[i].last_error) for i in ids[30:]} == {
        (NudgeState.CANCELLED, "recipient is inactive")
    }


async def test_outcomes_of_nothing_send_no_statement(store: SqlStore) -> None:
    with counted_statements(store) as statements:
        async with store.unit_of_work() as uow:
            await uow.nudges.mark_sent([], at=NOW)
            await uow.nudges.reschedule([])
            await uow.nudges.mark_failed([])
            await uow.nudges.mark_cancelled([])

    assert statements == []


async def test_a_nudge_cancelled_during_delivery_is_not_revived_by_retry_or_failure(
    store: SqlStore, booked: Booked
) -> None:
    nudges = await plan(
        store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE
    )
    await claim(store, NOW)
    async with store.unit_of_work() as uow:
        cancelled = await uow.nudges.cancel_for_check_in(booked.check_in.id)
        await uow.commit()

    async with store.unit_of_work() as uow:
        await uow.nudges.reschedule([(nudges[0].id, NOW + LEASE, "internal_error")])
        await uow.nudges.mark_failed([(nudges[1].id, "user_not_found")])
        await uow.commit()

    stored = await all_nudges(store)
    assert cancelled == 2
    assert {(n.state, n.last_error, n.lease_until) for n in stored.values()} == {
        (NudgeState.CANCELLED, None, None)
    }


async def test_cancel_for_check_in_leaves_other_check_ins_and_finished_nudges(
    store: SqlStore, booked: Booked, people: dict[str, Person]
) -> None:
    other = await book_check_in(
        store,
        employee=people["bob@example.com"],
        manager=people["maria@example.com"],
        starts_at=NOW,
    )
    mine = await plan(
        store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE
    )
    theirs = await plan(store, other, other.employee, due_at=NOW, kind=NudgeKind.DUE)
    async with store.unit_of_work() as uow:
        await uow.nudges.mark_sent([(mine[0].id, "D1:1.0")], at=NOW)
        await uow.commit()

    async with store.unit_of_work() as uow:
        count = await uow.nudges.cancel_for_check_in(booked.check_in.id)
        await uow.commit()

    stored = await all_nudges(store)
    assert count == 1
    assert stored[mine[0].id].state is NudgeState.SENT
    assert stored[mine[1].id].state is NudgeState.CANCELLED
    assert stored[theirs[0].id].state is NudgeState.PLANNED


async def test_fold_missed_keeps_each_persons_newest_long_missed_nudge(
    store: SqlStore, booked: Booked, people: dict[str, Person]
) -> None:
    alice, maria = booked.employee, booked.manager
    week = dt.timedelta(days=7)
    for days in (20, 15, 9):
        await plan(
            store, booked, alice, maria, due_at=NOW - dt.timedelta(days=days), kind=NudgeKind.DUE
        )
    recent = await plan(
        store, booked, alice, due_at=NOW - dt.timedelta(days=2), kind=NudgeKind.OVERDUE
    )
    bob_booked = await book_check_in(
        store, employee=people["bob@example.com"], manager=maria, starts_at=NOW
    )
    bob = await plan(
        store, bob_booked, people["bob@example.com"], due_at=NOW - week * 3, kind=NudgeKind.DUE
    )
    before = await all_nudges(store)

    async with store.unit_of_work() as uow:
        folded = await uow.nudges.fold_missed(now=NOW, older_than=week)
        await uow.commit()

    after = await all_nudges(store)
    planned = {i for i, n in after.items() if n.state is NudgeState.PLANNED}
    newest = {
        person.id: max(
            (n for n in before.values() if n.person_id == person.id and n.due_at < NOW - week),
            key=lambda n: n.due_at,
        ).id
        for person in (alice, maria)
    }
    assert folded == 4
    assert planned == {newest[alice.id], newest[maria.id], recent[-1].id, bob[0].id}
    assert {n.last_error for i, n in after.items() if i not in planned} == {FOLDED}


async def test_fold_missed_leaves_a_nudge_under_a_live_lease(
    store: SqlStore, booked: Booked
) -> None:
    old = NOW - dt.timedelta(days=12)
    await plan(store, booked, booked.employee, due_at=old, kind=NudgeKind.PREPARE)
    await plan(
        store, booked, booked.employee, due_at=old + dt.timedelta(days=1), kind=NudgeKind.DUE
    )
    older = min(await all_nudges(store))
    await set_nudge_columns(store, older, lease_until=NOW + LEASE)

    async with store.unit_of_work() as uow:
        folded = await uow.nudges.fold_missed(now=NOW, older_than=dt.timedelta(days=7))
        await uow.commit()

    assert folded == 0
    assert {n.state for n in (await all_nudges(store)).values()} == {NudgeState.PLANNED}


async def test_agendas_bring_each_check_in_with_its_agreements_in_order(
    store: SqlStore, booked: Booked, people: dict[str, Person]
) -> None:
    bare = await book_check_in(
        store,
        employee=people["bob@example.com"],
        manager=booked.manager,
        starts_at=NOW,
        agreements=0,
    )

    with counted_statements(store) as statements:
        async with store.unit_of_work() as uow:
            agendas = await uow.check_ins.agendas({booked.check_in.id, bare.check_in.id, 999})

    assert len(statements) == 1
    assert set(agendas) == {booked.check_in.id, bare.check_in.id}
    assert agendas[booked.check_in.id].check_in == booked.check_in
    assert [a.position for a in agendas[booked.check_in.id].agreements] == [1, 2]
    assert agendas[bare.check_in.id].agreements == []
    assert agendas[bare.check_in.id].check_in.status is CheckInStatus.SCHEDULED


async def test_job_run_claim_is_won_once_per_period_and_the_loser_can_go_on(
    store: SqlStore,
) -> None:
    async with store.unit_of_work() as uow:
        first = await uow.job_runs.claim("hr_summary", "2027-W09")
        await uow.commit()

    async with store.unit_of_work() as uow:
        again = await uow.job_runs.claim("hr_summary", "2027-W09")
        next_week = await uow.job_runs.claim("hr_summary", "2027-W10")
        other_job = await uow.job_runs.claim("other", "2027-W09")
        await uow.commit()

    assert (first, again, next_week, other_job) == (True, False, True, True)


async def test_postgres_claim_skips_rows_another_open_claim_holds(
    store: SqlStore, booked: Booked
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; row locks exist on PostgreSQL only")
    for _ in range(6):
        await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    other = SqlStore.from_url(store.engine.url.render_as_string(hide_password=False))

    try:
        async with store.unit_of_work() as holding:
            held = await holding.nudges.claim_due(now=NOW, lease_until=NOW + LEASE, limit=4)
            async with asyncio.timeout(10), other.unit_of_work() as second:
                skipped_to = await second.nudges.claim_due(
                    now=NOW, lease_until=NOW + LEASE, limit=10
                )
                await second.commit()
            await holding.commit()
    finally:
        await other.close()

    assert len(held) == 4
    assert len(skipped_to) == 2
    assert not {n.id for n in held} & {n.id for n in skipped_to}
