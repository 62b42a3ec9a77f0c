"""The audit trail: every event is kept, refusals included, and listed newest first."""

from __future__ import annotations

import datetime as dt

from bot.domain import AuditEvent, Surface
from storage.store import SqlStore

START = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


def event(minute: int, *, actor_id: int | None = 1, review_id: int | None = 10) -> AuditEvent:
    return AuditEvent(
        actor_id=actor_id,
        action="review.read",
        surface=Surface.SLACK,
        allowed=True,
        review_id=review_id,
        subject_person_id=2,
        detail="via show",
        at=START + dt.timedelta(minutes=minute),
    )


async def record(store: SqlStore, *events: AuditEvent) -> None:
    async with store.unit_of_work() as uow:
        for item in events:
            await uow.audit.record(item)
        await uow.commit()


async def test_record_keeps_every_field_and_list_returns_newest_first(store: SqlStore) -> None:
    await record(store, event(0), event(2), event(1))

    async with store.unit_of_work() as uow:
        listed = await uow.audit.list()

    assert listed == [event(2), event(1), event(0)]


async def test_record_keeps_refusals_of_unknown_people_and_reviews(store: SqlStore) -> None:
    refusal = AuditEvent(
        actor_id=None,
        action="review.read",
        surface=Surface.TEAMS,
        allowed=False,
        review_id=987_654,
        detail="not in org chart",
        at=START,
    )

    await record(store, refusal)

    async with store.unit_of_work() as uow:
        listed = await uow.audit.list(review_id=987_654)
    assert listed == [refusal]


async def test_record_without_a_time_is_stamped_now(store: SqlStore) -> None:
    before = dt.datetime.now(dt.UTC)

    await record(
        store, AuditEvent(actor_id=1, action="summary.post", surface=Surface.CLI, allowed=True)
    )

    async with store.unit_of_work() as uow:
        [stored] = await uow.audit.list()
    assert stored.at is not None
    assert before <= stored.at <= dt.datetime.now(dt.UTC)


async def test_list_filters_by_review_and_actor_and_honours_the_limit(store: SqlStore) -> None:
    await record(
        store,
        event(0, actor_id=1, review_id=10),
        event(1, actor_id=2, review_id=10),
        event(2, actor_id=1, review_id=11),
        event(3, actor_id=1, review_id=10),
    )

    async with store.unit_of_work() as uow:
        review_10 = await uow.audit.list(review_id=10)
        actor_1 = await uow.audit.list(actor_id=1)
        both = await uow.audit.list(review_id=10, actor_id=1)
        newest_two = await uow.audit.list(limit=2)

    assert [e.at for e in review_10] == [event(3).at, event(1).at, event(0).at]
    assert [e.at for e in actor_1] == [event(3).at, event(2).at, event(0).at]
    assert [e.at for e in both] == [event(3).at, event(0).at]
    assert [e.at for e in newest_two] == [event(3).at, event(2).at]
