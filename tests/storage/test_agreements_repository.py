"""Agreements: numbered in order, and every status change kept with its author and note."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain import AgreementOwner, AgreementStatus, AgreementStatusChange, Person, Review
from bot.ports import NewAgreement
from storage.store import SqlStore
from tests.support.factories import add_people, add_review, person_row

MONDAY = dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC)


def new_agreement(what: str) -> NewAgreement:
    return NewAgreement(
        what=what,
        owner=AgreementOwner.BOTH,
        due_on=dt.date(2024, 9, 30),
        how_we_know="We both see it in the team's board",
    )


@pytest.fixture
async def review(store: SqlStore) -> Review:
    people = await add_people(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )
    return await add_review(
        store, employee=people["ann@example.com"], manager=people["boss@example.com"]
    )


@pytest.fixture
async def boss(store: SqlStore, review: Review) -> Person:
    async with store.unit_of_work() as uow:
        manager = await uow.people.get(review.manager_id)
    assert manager is not None
    return manager


async def test_add_many_numbers_agreements_in_order_and_opens_them(
    store: SqlStore, review: Review
) -> None:
    items = [new_agreement("Lead the Stockholm delivery"), new_agreement("Take the PMI course")]

    async with store.unit_of_work() as uow:
        added = await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=items
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        listed = await uow.agreements.for_review(review.id)

    assert listed == added
    assert [(a.position, a.what, a.status) for a in listed] == [
        (1, "Lead the Stockholm delivery", AgreementStatus.OPEN),
        (2, "Take the PMI course", AgreementStatus.OPEN),
    ]
    assert {a.owner for a in listed} == {AgreementOwner.BOTH}
    assert {a.due_on for a in listed} == {dt.date(2024, 9, 30)}


async def test_add_many_again_numbers_after_the_existing_agreements(
    store: SqlStore, review: Review
) -> None:
    async with store.unit_of_work() as uow:
        await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=[new_agreement("First")]
        )
        later = await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=[new_agreement("Second")]
        )
        await uow.commit()

    assert [a.position for a in later] == [2]


async def test_get_returns_the_agreement_or_none(store: SqlStore, review: Review) -> None:
    async with store.unit_of_work() as uow:
        [added] = await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=[new_agreement("Demo")]
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        found = await uow.agreements.get(added.id)
        missing = await uow.agreements.get(added.id + 100)

    assert found == added
    assert missing is None


async def test_set_status_changes_it_and_keeps_the_history_oldest_first(
    store: SqlStore, review: Review, boss: Person
) -> None:
    async with store.unit_of_work() as uow:
        [added] = await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=[new_agreement("Demo")]
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        await uow.agreements.set_status(
            added.id, AgreementStatus.IN_PROGRESS, author_id=review.employee_id, at=MONDAY
        )
        done = await uow.agreements.set_status(
            added.id,
            AgreementStatus.DONE,
            author_id=boss.id,
            at=MONDAY + dt.timedelta(days=30),
            note="Held on Friday",
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.agreements.get(added.id)
        history = await uow.agreements.history(added.id)

    assert done.status is AgreementStatus.DONE
    assert stored == done
    assert history == [
        AgreementStatusChange(added.id, AgreementStatus.IN_PROGRESS, review.employee_id, MONDAY),
        AgreementStatusChange(
            added.id,
            AgreementStatus.DONE,
            boss.id,
            MONDAY + dt.timedelta(days=30),
            note="Held on Friday",
        ),
    ]


async def test_set_status_of_an_unknown_agreement_raises_lookup_error(
    store: SqlStore, review: Review
) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.agreements.set_status(
                4242, AgreementStatus.DONE, author_id=review.employee_id, at=MONDAY
            )


async def test_history_of_an_agreement_without_changes_is_empty(
    store: SqlStore, review: Review
) -> None:
    async with store.unit_of_work() as uow:
        [added] = await uow.agreements.add_many(
            review_id=review.id, employee_id=review.employee_id, items=[new_agreement("Demo")]
        )
        history = await uow.agreements.history(added.id)

    assert history == []
