"""Reviews: recording, preparing, completing and listing them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.domain import (
    AgreementOwner,
    AgreementStatus,
    Person,
    ReviewKind,
    ReviewStatus,
)
from bot.ports import NewAgreement
from storage.store import SqlStore
from tests.support.factories import add_people, add_review, person_row, sample_template


@pytest.fixture
async def people(store: SqlStore) -> dict[str, Person]:
    return await add_people(
        store,
        [
            person_row("boss@example.com"),
            person_row("ann@example.com", "boss@example.com"),
            person_row("bob@example.com", "boss@example.com"),
        ],
    )


async def test_add_stores_the_review_with_its_template_version_and_answers(
    store: SqlStore, people: dict[str, Person]
) -> None:
    template = sample_template(version=3)

    async with store.unit_of_work() as uow:
        added = await uow.reviews.add(
            employee_id=people["ann@example.com"].id,
            manager_id=people["boss@example.com"].id,
            template=template,
            held_on=dt.date(2024, 5, 2),
            status=ReviewStatus.COMPLETED,
            manager_answers={
                "summary": "Good year",
                "score": 4,
                "tasks": [{"task": "x", "done": False}],
            },
            employee_answers={"hopes": "More design work"},
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        fetched = await uow.reviews.get(added.id)

    assert fetched == added
    assert (fetched.template_key, fetched.template_version, fetched.kind) == (
        "development",
        3,
        ReviewKind.DEVELOPMENT,
    )
    assert fetched.manager_answers["tasks"] == [{"task": "x", "done": False}]
    assert fetched.created_at is not None
    assert fetched.created_at.tzinfo is not None


async def test_get_of_an_unknown_review_is_none(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        found = await uow.reviews.get(4242)

    assert found is None


async def test_set_employee_answers_replaces_them(
    store: SqlStore, people: dict[str, Person]
) -> None:
    review = await add_review(
        store,
        employee=people["ann@example.com"],
        manager=people["boss@example.com"],
        status=ReviewStatus.PREPARING,
    )

    async with store.unit_of_work() as uow:
        await uow.reviews.set_employee_answers(review.id, {"hopes": "Lead a project"})
        seen_in_same_unit = await uow.reviews.get(review.id)
        await uow.commit()

    assert seen_in_same_unit is not None
    assert seen_in_same_unit.employee_answers == {"hopes": "Lead a project"}


async def test_set_employee_answers_of_an_unknown_review_raises_lookup_error(
    store: SqlStore,
) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.reviews.set_employee_answers(4242, {})


async def test_complete_turns_a_preparing_review_into_a_completed_one(
    store: SqlStore, people: dict[str, Person]
) -> None:
    preparing = await add_review(
        store,
        employee=people["ann@example.com"],
        manager=people["boss@example.com"],
        held_on=dt.date(2024, 5, 1),
        status=ReviewStatus.PREPARING,
    )
    newer_template = dataclasses.replace(sample_template(), version=2)

    async with store.unit_of_work() as uow:
        await uow.reviews.get(preparing.id)
        completed = await uow.reviews.complete(
            preparing.id,
            manager_id=people["bob@example.com"].id,
            template=newer_template,
            held_on=dt.date(2024, 5, 9),
            manager_answers={"summary": "Done"},
        )
        reread = await uow.reviews.get(preparing.id)
        await uow.commit()

    assert completed == reread
    assert completed.status is ReviewStatus.COMPLETED
    assert completed.manager_id == people["bob@example.com"].id
    assert (completed.template_version, completed.held_on) == (2, dt.date(2024, 5, 9))
    assert completed.manager_answers == {"summary": "Done"}
    assert completed.employee_answers == preparing.employee_answers


async def test_complete_refuses_a_review_that_is_not_preparing(
    store: SqlStore, people: dict[str, Person]
) -> None:
    done = await add_review(
        store, employee=people["ann@example.com"], manager=people["boss@example.com"]
    )

    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.reviews.complete(
                done.id,
                manager_id=people["boss@example.com"].id,
                template=sample_template(),
                held_on=dt.date(2024, 6, 1),
                manager_answers={},
            )


async def test_preparing_for_finds_the_newest_preparing_review_of_that_kind(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]
    await add_review(store, employee=ann, manager=boss, status=ReviewStatus.PREPARING)
    newest = await add_review(store, employee=ann, manager=boss, status=ReviewStatus.PREPARING)
    await add_review(store, employee=ann, manager=boss, status=ReviewStatus.COMPLETED)

    async with store.unit_of_work() as uow:
        development = await uow.reviews.preparing_for(ann.id, ReviewKind.DEVELOPMENT)
        salary = await uow.reviews.preparing_for(ann.id, ReviewKind.SALARY)

    assert development == newest
    assert salary is None


async def test_latest_completed_is_the_one_held_last_of_that_kind(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]
    latest = await add_review(store, employee=ann, manager=boss, held_on=dt.date(2024, 9, 1))
    await add_review(store, employee=ann, manager=boss, held_on=dt.date(2024, 1, 1))
    await add_review(
        store,
        employee=ann,
        manager=boss,
        held_on=dt.date(2024, 12, 1),
        status=ReviewStatus.CANCELLED,
    )
    await add_review(
        store,
        employee=ann,
        manager=boss,
        held_on=dt.date(2024, 11, 1),
        template=sample_template(ReviewKind.SALARY),
    )

    async with store.unit_of_work() as uow:
        found = await uow.reviews.latest_completed(ann.id, ReviewKind.DEVELOPMENT)
        for_bob = await uow.reviews.latest_completed(
            people["bob@example.com"].id, ReviewKind.DEVELOPMENT
        )

    assert found == latest
    assert for_bob is None


async def test_list_for_gives_newest_held_on_first_then_newest_id(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, bob, boss = (
        people["ann@example.com"],
        people["bob@example.com"],
        people["boss@example.com"],
    )
    old = await add_review(store, employee=ann, manager=boss, held_on=dt.date(2023, 1, 1))
    same_day_first = await add_review(
        store, employee=bob, manager=boss, held_on=dt.date(2024, 1, 1)
    )
    same_day_second = await add_review(
        store, employee=ann, manager=boss, held_on=dt.date(2024, 1, 1)
    )
    boss_review = await add_review(store, employee=boss, manager=boss, held_on=dt.date(2025, 1, 1))

    async with store.unit_of_work() as uow:
        everyone = await uow.reviews.list_for(None)
        team = await uow.reviews.list_for([ann.id, bob.id])
        limited = await uow.reviews.list_for(None, limit=2)
        nobody = await uow.reviews.list_for([])

    assert [r.id for r in everyone] == [
        boss_review.id,
        same_day_second.id,
        same_day_first.id,
        old.id,
    ]
    assert [r.id for r in team] == [same_day_second.id, same_day_first.id, old.id]
    assert [r.id for r in limited] == [boss_review.id, same_day_second.id]
    assert nobody == []


async def test_list_for_accepts_tens_of_thousands_of_employee_ids(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]
    review = await add_review(store, employee=ann, manager=boss)
    many_ids = [ann.id, *range(100_000, 140_000)]

    async with store.unit_of_work() as uow:
        found = await uow.reviews.list_for(many_ids)

    assert [r.id for r in found] == [review.id]


async def test_held_on_day_leaves_out_cancelled_reviews_and_other_days(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]
    day = dt.date(2024, 4, 4)
    development = await add_review(store, employee=ann, manager=boss, held_on=day)
    salary = await add_review(
        store, employee=ann, manager=boss, held_on=day, template=sample_template(ReviewKind.SALARY)
    )
    await add_review(store, employee=ann, manager=boss, held_on=day, status=ReviewStatus.CANCELLED)
    await add_review(store, employee=ann, manager=boss, held_on=dt.date(2024, 4, 5))
    await add_review(store, employee=people["bob@example.com"], manager=boss, held_on=day)

    async with store.unit_of_work() as uow:
        found = await uow.reviews.held_on_day(ann.id, day)

    assert found == [development, salary]


async def test_module_figures_count_people_recent_reviews_open_agreements_and_overdue_check_ins(
    store: SqlStore, people: dict[str, Person]
) -> None:
    ann, bob, boss = (
        people["ann@example.com"],
        people["bob@example.com"],
        people["boss@example.com"],
    )
    now = dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC)
    recent = await add_review(store, employee=ann, manager=boss, held_on=dt.date(2024, 6, 1))
    await add_review(store, employee=bob, manager=boss, held_on=dt.date(2024, 1, 1))
    await add_review(
        store,
        employee=bob,
        manager=boss,
        held_on=dt.date(2024, 6, 2),
        status=ReviewStatus.PREPARING,
    )
    item = NewAgreement("Run the demo", AgreementOwner.EMPLOYEE, dt.date(2024, 9, 1), "Demo held")
    async with store.unit_of_work() as uow:
        agreements = await uow.agreements.add_many(
            review_id=recent.id, employee_id=ann.id, items=[item, item, item]
        )
        await uow.agreements.set_status(
            agreements[0].id, AgreementStatus.DONE, author_id=ann.id, at=now
        )
        for starts_at in (now - dt.timedelta(days=1), now + dt.timedelta(days=1)):
            await uow.check_ins.add(
                review_id=recent.id,
                employee_id=ann.id,
                manager_id=boss.id,
                starts_at=starts_at,
                minutes=20,
            )
        await uow.people.deactivate_except(["ann@example.com", "boss@example.com"])
        await uow.commit()

    async with store.unit_of_work() as uow:
        figures = await uow.reviews.module_figures(now=now)

    assert figures.active_people == 2
    assert figures.reviews_last_90_days == 1
    assert figures.open_agreements == 2
    assert figures.overdue_check_ins == 1
