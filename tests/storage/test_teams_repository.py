"""Teams conversation references, the HR channel, and each person's last platform."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain import Person, Platform
from storage.store import SqlStore
from tests.support.factories import add_people, person_row

EARLY = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
LATER = EARLY + dt.timedelta(days=1)


def reference(conversation: str) -> dict[str, Any]:
    return {"conversation": {"id": conversation}, "serviceUrl": "https://smba.example/"}


@pytest.fixture
async def ann(store: SqlStore) -> Person:
    stored = await add_people(store, [person_row("ann@example.com")])
    return stored["ann@example.com"]


async def remember(
    store: SqlStore, aad: str, person_id: int | None, conversation: str, at: dt.datetime
) -> None:
    async with store.unit_of_work() as uow:
        await uow.teams.remember_personal(
            aad_object_id=aad, person_id=person_id, reference=reference(conversation), at=at
        )
        await uow.commit()


async def linked(store: SqlStore, person: Person, aad: str) -> Person:
    async with store.unit_of_work() as uow:
        await uow.people.link_teams(person.id, aad)
        await uow.commit()
        found = await uow.people.get(person.id)
    assert found is not None
    return found


async def test_a_personal_chat_is_found_by_the_persons_teams_id_or_their_person_id(
    store: SqlStore, ann: Person
) -> None:
    await remember(store, "aad-ann", None, "a:by-aad", EARLY)
    await remember(store, "aad-old", ann.id, "a:by-person", EARLY)

    async with store.unit_of_work() as uow:
        before_link = await uow.teams.personal_for(ann)
    ann_linked = await linked(store, ann, "aad-ann")
    async with store.unit_of_work() as uow:
        after_link = await uow.teams.personal_for(ann_linked)

    assert before_link == reference("a:by-person")
    assert after_link == reference("a:by-aad")


async def test_remembering_the_same_user_again_replaces_the_reference_and_keeps_the_person(
    store: SqlStore, ann: Person
) -> None:
    await remember(store, "aad-ann", ann.id, "a:first", EARLY)

    await remember(store, "aad-ann", None, "a:second", LATER)

    async with store.unit_of_work() as uow:
        found = await uow.teams.personal_for(ann)
    assert found == reference("a:second")


async def test_someone_without_a_stored_chat_has_none(store: SqlStore, ann: Person) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.teams.personal_for(ann) is None
        assert await uow.teams.hr_channel() is None


async def test_registering_an_hr_channel_replaces_the_one_before(
    store: SqlStore, ann: Person
) -> None:
    for conversation, at in (("19:first@thread", EARLY), ("19:second@thread", LATER)):
        async with store.unit_of_work() as uow:
            await uow.teams.remember_hr_channel(
                reference(conversation), registered_by=ann.id, at=at
            )
            await uow.commit()

    async with store.unit_of_work() as uow:
        assert await uow.teams.hr_channel() == reference("19:second@thread")


async def test_the_last_platform_follows_the_persons_latest_use_and_an_import_keeps_it(
    store: SqlStore, ann: Person
) -> None:
    seen = []
    for platform in (Platform.TEAMS, Platform.TEAMS, Platform.SLACK):
        async with store.unit_of_work() as uow:
            await uow.people.note_platform(ann.id, platform)
            await uow.commit()
            person = await uow.people.get(ann.id)
        assert person is not None
        seen.append(person.last_platform)

    await add_people(store, [person_row("ann@example.com", name="Ann Renamed")])

    async with store.unit_of_work() as uow:
        reimported = await uow.people.get(ann.id)
    assert seen == [Platform.TEAMS, Platform.TEAMS, Platform.SLACK]
    assert reimported is not None
    assert reimported.name == "Ann Renamed"
    assert reimported.last_platform is Platform.SLACK
