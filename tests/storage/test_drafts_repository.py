"""Drafts: one per manager, employee and kind, replaced on every save."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain import Draft, Person, ReviewKind
from storage.store import SqlStore
from tests.support.factories import add_people, person_row

EARLY = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


@pytest.fixture
async def people(store: SqlStore) -> tuple[Person, Person]:
    stored = await add_people(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )
    return stored["boss@example.com"], stored["ann@example.com"]


async def save(store: SqlStore, draft: Draft) -> None:
    async with store.unit_of_work() as uow:
        await uow.drafts.save(draft)
        await uow.commit()


async def test_save_then_get_returns_the_draft(
    store: SqlStore, people: tuple[Person, Person]
) -> None:
    boss, ann = people
    draft = Draft(boss.id, ann.id, ReviewKind.DEVELOPMENT, {"summary": "Half written"}, EARLY)

    await save(store, draft)

    async with store.unit_of_work() as uow:
        found = await uow.drafts.get(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        other_kind = await uow.drafts.get(boss.id, ann.id, ReviewKind.SALARY)
    assert found == draft
    assert other_kind is None


async def test_save_replaces_the_earlier_draft_of_the_same_kind(
    store: SqlStore, people: tuple[Person, Person]
) -> None:
    boss, ann = people
    await save(store, Draft(boss.id, ann.id, ReviewKind.DEVELOPMENT, {"summary": "v1"}, EARLY))
    await save(store, Draft(boss.id, ann.id, ReviewKind.SALARY, {"pay": "later"}, EARLY))

    async with store.unit_of_work() as uow:
        await uow.drafts.get(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        await uow.drafts.save(Draft(boss.id, ann.id, ReviewKind.DEVELOPMENT, {"summary": "v2"}))
        seen_in_same_unit = await uow.drafts.get(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        await uow.commit()
    async with store.unit_of_work() as uow:
        salary = await uow.drafts.get(boss.id, ann.id, ReviewKind.SALARY)

    assert seen_in_same_unit is not None
    assert seen_in_same_unit.answers == {"summary": "v2"}
    assert seen_in_same_unit.updated_at is not None
    assert seen_in_same_unit.updated_at > EARLY
    assert salary is not None
    assert salary.answers == {"pay": "later"}


async def test_delete_removes_only_that_draft(
    store: SqlStore, people: tuple[Person, Person]
) -> None:
    boss, ann = people
    await save(store, Draft(boss.id, ann.id, ReviewKind.DEVELOPMENT, {"summary": "x"}, EARLY))
    await save(store, Draft(boss.id, ann.id, ReviewKind.SALARY, {"pay": "y"}, EARLY))

    async with store.unit_of_work() as uow:
        await uow.drafts.delete(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        await uow.drafts.delete(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        await uow.commit()

    async with store.unit_of_work() as uow:
        development = await uow.drafts.get(boss.id, ann.id, ReviewKind.DEVELOPMENT)
        salary = await uow.drafts.get(boss.id, ann.id, ReviewKind.SALARY)
    assert development is None
    assert salary is not None
