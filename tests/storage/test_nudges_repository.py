"""Nudges: the planned DMs are stored in bulk and listed in the order they fall due."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.domain import Nudge, NudgeKind, NudgeState, Review
from bot.ports import NewNudge
from storage.models import NudgeModel
from storage.store import SqlStore
from tests.support.factories import add_people, add_review, person_row

MORNING = dt.datetime(2024, 9, 2, 7, tzinfo=dt.UTC)


@pytest.fixture
async def review(store: SqlStore) -> Review:
    people = await add_people(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )
    return await add_review(
        store, employee=people["ann@example.com"], manager=people["boss@example.com"]
    )


async def book(store: SqlStore, review: Review) -> int:
    async with store.unit_of_work() as uow:
        check_in = await uow.check_ins.add(
            review_id=review.id,
            employee_id=review.employee_id,
            manager_id=review.manager_id,
            starts_at=MORNING + dt.timedelta(days=3),
            minutes=20,
        )
        await uow.commit()
    return check_in.id


async def plan(store: SqlStore, nudges: list[NewNudge]) -> None:
    async with store.unit_of_work() as uow:
        await uow.nudges.add_many(nudges)
        await uow.commit()


async def test_add_many_plans_nudges_that_for_check_in_lists_by_due_time(
    store: SqlStore, review: Review
) -> None:
    first, second = await book(store, review), await book(store, review)
    await plan(
        store,
        [
            NewNudge(first, review.manager_id, NudgeKind.DUE, MORNING + dt.timedelta(days=3)),
            NewNudge(first, review.employee_id, NudgeKind.PREPARE, MORNING),
            NewNudge(second, review.employee_id, NudgeKind.PREPARE, MORNING),
        ],
    )

    async with store.unit_of_work() as uow:
        listed = await uow.nudges.for_check_in(first)

    assert [(n.person_id, n.kind, n.due_at) for n in listed] == [
        (review.employee_id, NudgeKind.PREPARE, MORNING),
        (review.manager_id, NudgeKind.DUE, MORNING + dt.timedelta(days=3)),
    ]
    assert all(isinstance(n, Nudge) and n.check_in_id == first for n in listed)
    assert {(n.state, n.attempts, n.last_error, n.message_ref, n.lease_until) for n in listed} == {
        (NudgeState.PLANNED, 0, None, None, None)
    }


async def test_add_many_of_nothing_writes_nothing(store: SqlStore) -> None:
    await plan(store, [])

    async with store.unit_of_work() as uow:
        listed = await uow.nudges.list()

    assert listed == []


async def test_add_many_plans_thousands_of_nudges_at_once(store: SqlStore, review: Review) -> None:
    check_in = await book(store, review)
    many = [
        NewNudge(check_in, review.employee_id, NudgeKind.DUE, MORNING + dt.timedelta(minutes=n))
        for n in range(5000)
    ]

    await plan(store, many)

    async with store.unit_of_work() as uow:
        listed = await uow.nudges.list(limit=10_000)
    assert len(listed) == 5000
    assert listed[0].due_at == MORNING


async def test_list_filters_by_state_orders_by_due_time_and_id_and_honours_the_limit(
    store: SqlStore, review: Review
) -> None:
    check_in = await book(store, review)
    await plan(
        store,
        [
            NewNudge(
                check_in, review.employee_id, NudgeKind.OVERDUE, MORNING + dt.timedelta(days=9)
            ),
            NewNudge(check_in, review.employee_id, NudgeKind.DUE, MORNING),
            NewNudge(check_in, review.manager_id, NudgeKind.DUE, MORNING),
        ],
    )
    async with store.unit_of_work() as uow:
        by_id = {n.kind: n for n in await uow.nudges.for_check_in(check_in)}
        await uow.session.execute(
            update(NudgeModel)
            .where(NudgeModel.id == by_id[NudgeKind.OVERDUE].id)
            .values(state=NudgeState.FAILED.value, attempts=3, last_error="user_not_found")
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        everything = await uow.nudges.list()
        planned = await uow.nudges.list(state=NudgeState.PLANNED)
        failed = await uow.nudges.list(state=NudgeState.FAILED)
        first_only = await uow.nudges.list(limit=1)

    ids = [n.id for n in everything]
    assert [n.due_at for n in everything] == [MORNING, MORNING, MORNING + dt.timedelta(days=9)]
    assert ids[:2] == sorted(ids[:2])
    assert [n.id for n in planned] == ids[:2]
    assert [(n.kind, n.attempts, n.last_error) for n in failed] == [
        (NudgeKind.OVERDUE, 3, "user_not_found")
    ]
    assert [n.id for n in first_only] == ids[:1]
