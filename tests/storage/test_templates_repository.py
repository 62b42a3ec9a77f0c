"""Templates: versions are added, never changed, and an identical import adds nothing."""

from __future__ import annotations

import dataclasses

from bot.domain import Audience, FieldType, ReviewKind, Template, TemplateField
from storage.store import SqlStore
from tests.support.factories import sample_template


async def add_version(store: SqlStore, template: Template) -> Template:
    async with store.unit_of_work() as uow:
        stored = await uow.templates.add_version(template)
        await uow.commit()
    return stored


async def test_first_version_of_a_key_is_one_whatever_version_it_carries(
    store: SqlStore,
) -> None:
    stored = await add_version(store, sample_template(version=7))

    assert stored.version == 1
    assert stored == dataclasses.replace(sample_template(), version=1)


async def test_every_field_property_survives_the_round_trip(store: SqlStore) -> None:
    fields = (
        TemplateField(
            key="growth",
            label="Where do you want to grow?",
            type=FieldType.MULTI_DROPDOWN,
            audience=Audience.EMPLOYEE,
            required=True,
            help="Pick up to three",
            options=("Leading", "Architecture", "Coaching"),
        ),
        TemplateField(key="score", label="Overall", type=FieldType.RATING),
    )
    await add_version(store, dataclasses.replace(sample_template(), fields=fields))

    async with store.unit_of_work() as uow:
        stored = await uow.templates.get("development", 1)

    assert stored is not None
    assert stored.fields == fields


async def test_adding_identical_content_returns_the_latest_version_and_writes_nothing(
    store: SqlStore,
) -> None:
    first = await add_version(store, sample_template())

    again = await add_version(store, sample_template(version=3))

    async with store.unit_of_work() as uow:
        latest = await uow.templates.latest("development")
        second = await uow.templates.get("development", 2)
    assert again == first == latest
    assert second is None


async def test_changed_content_becomes_the_next_version_and_keeps_the_old_one(
    store: SqlStore,
) -> None:
    original = await add_version(store, sample_template())
    renamed = dataclasses.replace(sample_template(), name="Development talk")

    second = await add_version(store, renamed)

    async with store.unit_of_work() as uow:
        latest = await uow.templates.latest("development")
        first = await uow.templates.get("development", 1)
    assert second.version == 2
    assert latest == second
    assert first == original


async def test_latest_and_get_of_an_unknown_key_are_none(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        latest = await uow.templates.latest("nothing")
        exact = await uow.templates.get("nothing", 1)

    assert latest is None
    assert exact is None


async def test_list_latest_gives_the_newest_version_of_each_key_ordered_by_key(
    store: SqlStore,
) -> None:
    await add_version(store, sample_template(ReviewKind.SALARY))
    await add_version(store, sample_template(ReviewKind.DEVELOPMENT))
    await add_version(
        store, dataclasses.replace(sample_template(ReviewKind.DEVELOPMENT), name="New name")
    )

    async with store.unit_of_work() as uow:
        listed = await uow.templates.list_latest()

    assert [(t.key, t.version, t.kind) for t in listed] == [
        ("development", 2, ReviewKind.DEVELOPMENT),
        ("salary", 1, ReviewKind.SALARY),
    ]
    assert listed[0].name == "New name"
