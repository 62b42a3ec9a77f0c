"""People: look-ups, platform links, the org chart walks, and the bulk org import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from bot.domain import Person, Role
from bot.ports import PersonRow, UpsertCounts
from storage.models import PersonModel
from storage.store import SqlStore
from tests.support.factories import add_people, person_row


@contextmanager
def counted_statements(store: SqlStore) -> Iterator[list[str]]:
    """Collects every SQL statement the store sends while the block runs."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)


def chain_rows(length: int) -> list[PersonRow]:
    """p0 at the top, each next person reporting to the one before; listed bottom first."""
    rows = [
        person_row(f"p{level}@example.com", f"p{level - 1}@example.com" if level else None)
        for level in range(length)
    ]
    return list(reversed(rows))


async def upsert(store: SqlStore, rows: list[PersonRow], timezone: str = "UTC") -> UpsertCounts:
    async with store.unit_of_work() as uow:
        counts = await uow.people.upsert(rows, default_timezone=timezone)
        await uow.commit()
    return counts


async def update_stamps(store: SqlStore) -> dict[int, dt.datetime]:
    async with store.unit_of_work() as uow:
        result = await uow.session.execute(select(PersonModel.id, PersonModel.updated_at))
        return {row.id: row.updated_at for row in result}


async def everyone(store: SqlStore) -> dict[str, Person]:
    async with store.unit_of_work() as uow:
        return {person.email: person for person in await uow.people.all()}


# Look-ups


async def test_get_returns_the_person_or_none(store: SqlStore) -> None:
    people = await add_people(store, [person_row("ann@example.com", role=Role.HR)])
    ann = people["ann@example.com"]

    async with store.unit_of_work() as uow:
        found = await uow.people.get(ann.id)
        missing = await uow.people.get(ann.id + 1000)

    assert found == ann
    assert found.role is Role.HR
    assert missing is None


async def test_get_many_returns_the_known_ids_only(store: SqlStore) -> None:
    people = await add_people(
        store, [person_row("ann@example.com"), person_row("bob@example.com")]
    )
    ann, bob = people["ann@example.com"], people["bob@example.com"]

    async with store.unit_of_work() as uow:
        found = await uow.people.get_many([ann.id, bob.id, 999_999])
        none = await uow.people.get_many([])

    assert found == {ann.id: ann, bob.id: bob}
    assert none == {}


async def test_get_many_handles_more_ids_than_a_query_may_bind(store: SqlStore) -> None:
    people = await add_people(store, [person_row(f"p{n}@example.com") for n in range(1200)])
    ids = [person.id for person in people.values()]

    async with store.unit_of_work() as uow:
        found = await uow.people.get_many([*ids, *range(10**6, 10**6 + 40_000)])

    assert set(found) == set(ids)


async def test_by_email_ignores_case_and_surrounding_space(store: SqlStore) -> None:
    await add_people(store, [person_row("Ann.Lee@Example.com")])

    async with store.unit_of_work() as uow:
        found = await uow.people.by_email("  ANN.lee@example.COM ")
        missing = await uow.people.by_email("bob@example.com")

    assert found is not None
    assert found.email == "ann.lee@example.com"
    assert missing is None


async def test_by_slack_id_and_by_teams_id_find_the_linked_person(store: SqlStore) -> None:
    people = await add_people(
        store, [person_row("ann@example.com", slack_user_id="U1", teams_user_id="aad-1")]
    )

    async with store.unit_of_work() as uow:
        by_slack = await uow.people.by_slack_id("U1")
        by_teams = await uow.people.by_teams_id("aad-1")
        unknown_slack = await uow.people.by_slack_id("U2")
        unknown_teams = await uow.people.by_teams_id("aad-2")

    assert by_slack == by_teams == people["ann@example.com"]
    assert unknown_slack is None
    assert unknown_teams is None


async def test_all_lists_everyone_including_inactive_people(store: SqlStore) -> None:
    await add_people(store, [person_row("ann@example.com"), person_row("bob@example.com")])
    async with store.unit_of_work() as uow:
        await uow.people.deactivate_except(["ann@example.com"])
        await uow.commit()

    async with store.unit_of_work() as uow:
        listed = await uow.people.all()

    assert [(person.email, person.active) for person in listed] == [
        ("ann@example.com", True),
        ("bob@example.com", False),
    ]


# Platform links


async def test_link_slack_and_link_teams_store_the_platform_ids(store: SqlStore) -> None:
    people = await add_people(store, [person_row("ann@example.com")])
    ann = people["ann@example.com"]

    async with store.unit_of_work() as uow:
        await uow.people.get(ann.id)
        await uow.people.link_slack(ann.id, "U1")
        await uow.people.link_teams(ann.id, "aad-1")
        seen_in_same_unit = await uow.people.get(ann.id)
        await uow.commit()
    async with store.unit_of_work() as uow:
        seen_later = await uow.people.get(ann.id)

    assert seen_in_same_unit == seen_later
    assert seen_later is not None
    assert (seen_later.slack_user_id, seen_later.teams_user_id) == ("U1", "aad-1")


async def test_link_slack_moves_the_link_from_whoever_held_it(store: SqlStore) -> None:
    people = await add_people(
        store, [person_row("ann@example.com", slack_user_id="U1"), person_row("bob@example.com")]
    )

    async with store.unit_of_work() as uow:
        await uow.people.link_slack(people["bob@example.com"].id, "U1")
        await uow.commit()

    stored = await everyone(store)
    assert stored["ann@example.com"].slack_user_id is None
    assert stored["bob@example.com"].slack_user_id == "U1"


async def test_link_teams_of_an_unknown_person_raises_lookup_error(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.people.link_teams(4242, "aad-1")


# Walking the org chart


async def test_manager_chain_lists_managers_nearest_first_in_one_query(store: SqlStore) -> None:
    people = await add_people(store, chain_rows(40))
    bottom = people["p39@example.com"]

    async with store.unit_of_work() as uow:
        with counted_statements(store) as statements:
            chain = await uow.people.manager_chain(bottom.id)

    assert [person.email for person in chain] == [f"p{n}@example.com" for n in range(38, -1, -1)]
    assert len(statements) == 1


async def test_manager_chain_of_the_top_person_is_empty(store: SqlStore) -> None:
    people = await add_people(store, chain_rows(3))

    async with store.unit_of_work() as uow:
        chain = await uow.people.manager_chain(people["p0@example.com"].id)
        unknown = await uow.people.manager_chain(999_999)

    assert chain == []
    assert unknown == []


async def test_manager_chain_stops_after_sixty_four_levels(store: SqlStore) -> None:
    people = await add_people(store, chain_rows(100))

    async with store.unit_of_work() as uow:
        chain = await uow.people.manager_chain(people["p99@example.com"].id)

    assert len(chain) == 64
    assert chain[0].email == "p98@example.com"
    assert chain[-1].email == "p35@example.com"


async def test_manager_chain_and_subordinates_survive_a_reporting_cycle(store: SqlStore) -> None:
    people = await add_people(store, chain_rows(3))
    top, middle, bottom = (people[f"p{n}@example.com"] for n in range(3))
    async with store.unit_of_work() as uow:
        await uow.session.execute(
            update(PersonModel).where(PersonModel.id == top.id).values(manager_id=bottom.id)
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        chain = await uow.people.manager_chain(bottom.id)
        below = await uow.people.subordinate_ids(top.id)

    assert [person.id for person in chain] == [middle.id, top.id]
    assert below == {middle.id, bottom.id}


async def test_subordinate_ids_covers_every_depth_in_one_query(store: SqlStore) -> None:
    rows = [
        *chain_rows(30),
        person_row("side@example.com", "p0@example.com"),
        person_row("side.report@example.com", "side@example.com"),
        person_row("outsider@example.com"),
    ]
    people = await add_people(store, rows)

    async with store.unit_of_work() as uow:
        with counted_statements(store) as statements:
            below_top = await uow.people.subordinate_ids(people["p0@example.com"].id)
        below_middle = await uow.people.subordinate_ids(people["p27@example.com"].id)
        below_bottom = await uow.people.subordinate_ids(people["p29@example.com"].id)

    everyone_but_top_and_outsider = {
        person.id
        for email, person in people.items()
        if email not in ("p0@example.com", "outsider@example.com")
    }
    assert below_top == everyone_but_top_and_outsider
    assert below_middle == {people["p28@example.com"].id, people["p29@example.com"].id}
    assert below_bottom == set()
    assert len(statements) == 1


async def test_subordinate_ids_include_inactive_people(store: SqlStore) -> None:
    people = await add_people(
        store, [person_row("boss@example.com"), person_row("gone@example.com", "boss@example.com")]
    )
    async with store.unit_of_work() as uow:
        await uow.people.deactivate_except(["boss@example.com"])
        await uow.commit()

    async with store.unit_of_work() as uow:
        below = await uow.people.subordinate_ids(people["boss@example.com"].id)

    assert below == {people["gone@example.com"].id}


async def test_direct_reports_are_the_active_ones_ordered_by_name(store: SqlStore) -> None:
    people = await add_people(
        store,
        [
            person_row("boss@example.com"),
            person_row("zed@example.com", "boss@example.com", name="Zed"),
            person_row("amy@example.com", "boss@example.com", name="Amy"),
            person_row("gone@example.com", "boss@example.com", name="Bea"),
            person_row("grandchild@example.com", "amy@example.com"),
        ],
    )
    async with store.unit_of_work() as uow:
        await uow.people.deactivate_except(
            [email for email in people if email != "gone@example.com"]
        )
        await uow.commit()

    async with store.unit_of_work() as uow:
        reports = await uow.people.direct_reports(people["boss@example.com"].id)

    assert [person.name for person in reports] == ["Amy", "Zed"]


# The org import


async def test_upsert_creates_people_with_lower_cased_emails_and_their_managers(
    store: SqlStore,
) -> None:
    rows = [
        person_row("Ann@Example.com", "BOSS@example.com", timezone="Europe/Stockholm"),
        person_row("Boss@Example.com", role=Role.HR, slack_user_id="U9"),
    ]

    counts = await upsert(store, rows, timezone="America/New_York")

    stored = await everyone(store)
    assert (counts.created, counts.updated, counts.unchanged) == (2, 0, 0)
    assert set(stored) == {"ann@example.com", "boss@example.com"}
    boss, ann = stored["boss@example.com"], stored["ann@example.com"]
    assert ann.manager_id == boss.id
    assert boss.manager_id is None
    assert (ann.timezone, boss.timezone) == ("Europe/Stockholm", "America/New_York")
    assert (boss.role, boss.slack_user_id, boss.active) == (Role.HR, "U9", True)


async def test_upsert_of_the_same_rows_again_reports_all_unchanged_and_writes_nothing(
    store: SqlStore,
) -> None:
    rows = [*chain_rows(5), person_row("ann@example.com", "p2@example.com", slack_user_id="U1")]
    await upsert(store, rows)
    stamps_before = await update_stamps(store)

    with counted_statements(store) as statements:
        counts = await upsert(store, rows)

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 6)
    assert await update_stamps(store) == stamps_before
    assert [
        sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
    ] == []


async def test_upsert_counts_only_the_people_whose_imported_fields_changed(
    store: SqlStore,
) -> None:
    await upsert(
        store,
        [
            person_row("boss@example.com"),
            person_row("ann@example.com", "boss@example.com"),
            person_row("bob@example.com", "boss@example.com"),
            person_row("cid@example.com", "boss@example.com"),
        ],
    )
    stamps_before = await update_stamps(store)

    counts = await upsert(
        store,
        [
            person_row("boss@example.com"),
            person_row("ann@example.com", "boss@example.com", name="Ann Renamed"),
            person_row("bob@example.com", "new.boss@example.com"),
            person_row("cid@example.com", "boss@example.com", role=Role.HR),
            person_row("new.boss@example.com", "boss@example.com"),
        ],
    )

    stored = await everyone(store)
    stamps_after = await update_stamps(store)
    assert (counts.created, counts.updated, counts.unchanged) == (1, 3, 1)
    assert stored["ann@example.com"].name == "Ann Renamed"
    assert stored["bob@example.com"].manager_id == stored["new.boss@example.com"].id
    assert stored["cid@example.com"].role is Role.HR
    boss_id = stored["boss@example.com"].id
    assert stamps_after[boss_id] == stamps_before[boss_id]
    assert stamps_after[stored["ann@example.com"].id] > stamps_before[stored["ann@example.com"].id]


async def test_upsert_with_empty_optional_columns_keeps_what_is_stored(store: SqlStore) -> None:
    await upsert(store, [person_row("ann@example.com", timezone="Asia/Tokyo", teams_user_id="t1")])
    ann = (await everyone(store))["ann@example.com"]
    async with store.unit_of_work() as uow:
        await uow.people.link_slack(ann.id, "U1")
        await uow.commit()

    counts = await upsert(store, [person_row("ann@example.com")], timezone="UTC")

    stored = (await everyone(store))["ann@example.com"]
    assert (counts.updated, counts.unchanged) == (0, 1)
    assert (stored.timezone, stored.slack_user_id, stored.teams_user_id) == (
        "Asia/Tokyo",
        "U1",
        "t1",
    )


async def test_upsert_moves_someone_to_the_top_when_their_manager_column_is_empty(
    store: SqlStore,
) -> None:
    await upsert(
        store, [person_row("boss@example.com"), person_row("ann@example.com", "boss@example.com")]
    )

    counts = await upsert(store, [person_row("ann@example.com")])

    assert counts.updated == 1
    assert (await everyone(store))["ann@example.com"].manager_id is None


async def test_upsert_reactivates_a_deactivated_person_listed_again(store: SqlStore) -> None:
    await upsert(store, [person_row("ann@example.com"), person_row("bob@example.com")])
    async with store.unit_of_work() as uow:
        await uow.people.deactivate_except(["ann@example.com"])
        await uow.commit()

    counts = await upsert(store, [person_row("ann@example.com"), person_row("bob@example.com")])

    assert (counts.updated, counts.unchanged) == (1, 1)
    assert (await everyone(store))["bob@example.com"].active is True


async def test_upsert_accepts_managers_already_stored_but_not_in_the_rows(
    store: SqlStore,
) -> None:
    await upsert(store, [person_row("boss@example.com")])

    counts = await upsert(store, [person_row("ann@example.com", "Boss@Example.com")])

    stored = await everyone(store)
    assert counts.created == 1
    assert stored["ann@example.com"].manager_id == stored["boss@example.com"].id


async def test_upsert_refuses_a_manager_neither_stored_nor_imported(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ValueError, match="neither stored nor imported"):
            await uow.people.upsert(
                [person_row("ann@example.com", "ghost@example.com")], default_timezone="UTC"
            )


async def test_upsert_refuses_a_reporting_cycle_among_new_people(store: SqlStore) -> None:
    rows = [
        person_row("a@example.com", "b@example.com"),
        person_row("b@example.com", "a@example.com"),
    ]

    async with store.unit_of_work() as uow:
        with pytest.raises(ValueError, match="cycle"):
            await uow.people.upsert(rows, default_timezone="UTC")


async def test_upsert_of_a_large_org_takes_a_few_statements_per_management_level(
    store: SqlStore,
) -> None:
    rows = [person_row("ceo@example.com")]
    rows += [person_row(f"vp{n}@example.com", "ceo@example.com") for n in range(20)]
    rows += [person_row(f"e{n}@example.com", f"vp{n % 20}@example.com") for n in range(3000)]

    with counted_statements(store) as statements:
        counts = await upsert(store, list(reversed(rows)))

    stored = await everyone(store)
    assert counts.created == 3021
    assert stored["e45@example.com"].manager_id == stored["vp5@example.com"].id
    assert len(statements) <= 12


async def test_upsert_refuses_a_slack_id_that_someone_else_holds(store: SqlStore) -> None:
    await upsert(store, [person_row("ann@example.com", slack_user_id="U1")])

    async with store.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.people.upsert(
                [person_row("bob@example.com", slack_user_id="U1")], default_timezone="UTC"
            )


async def test_deactivate_except_marks_the_unlisted_active_people_inactive(
    store: SqlStore,
) -> None:
    await upsert(store, [person_row(f"{name}@example.com") for name in ("ann", "bob", "cid")])

    async with store.unit_of_work() as uow:
        first = await uow.people.deactivate_except(["ANN@example.com"])
        second = await uow.people.deactivate_except(["ann@example.com"])
        await uow.commit()

    stored = await everyone(store)
    assert (first, second) == (2, 0)
    assert {email: person.active for email, person in stored.items()} == {
        "ann@example.com": True,
        "bob@example.com": False,
        "cid@example.com": False,
    }
