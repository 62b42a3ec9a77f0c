"""The org-chart import against the real store (the `store` fixture of tests/conftest.py)."""

from pathlib import Path

import pytest

from adapters.org.csv_import import OrgImportError, import_org_chart
from bot.domain import Person, Role
from bot.ports import Store, UpsertCounts

ORG = (
    "email,name,manager_email,role,timezone,slack_user_id\n"
    "ceo@example.com,Carla Ceo,,hr,Europe/Stockholm,U0CEO\n"
    "lead@example.com,Leo Lead,ceo@example.com,,,\n"
    "dev@example.com,Dana Dev,lead@example.com,,America/New_York,U0DEV\n"
)


def write_csv(tmp_path: Path, text: str, *, name: str = "org.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def stored_people(store: Store) -> dict[str, Person]:
    async with store.unit_of_work() as uow:
        return {person.email: person for person in await uow.people.all()}


async def test_import_creates_people_with_their_managers(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, ORG)

    counts = await import_org_chart(store, path, default_timezone="Europe/Oslo")

    people = await stored_people(store)
    assert counts == UpsertCounts(created=3, updated=0, unchanged=0)
    assert sorted(people) == ["ceo@example.com", "dev@example.com", "lead@example.com"]
    assert people["ceo@example.com"].manager_id is None
    assert people["lead@example.com"].manager_id == people["ceo@example.com"].id
    assert people["dev@example.com"].manager_id == people["lead@example.com"].id
    assert people["ceo@example.com"].role is Role.HR
    assert people["dev@example.com"].slack_user_id == "U0DEV"


async def test_import_gives_new_people_without_a_time_zone_the_default(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, ORG)

    await import_org_chart(store, path, default_timezone="Europe/Oslo")

    people = await stored_people(store)
    assert people["lead@example.com"].timezone == "Europe/Oslo"
    assert people["dev@example.com"].timezone == "America/New_York"


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, ORG)
    await import_org_chart(store, path, default_timezone="UTC")
    before = await stored_people(store)

    counts = await import_org_chart(store, path, default_timezone="UTC")

    assert counts == UpsertCounts(created=0, updated=0, unchanged=3)
    assert await stored_people(store) == before


async def test_a_manager_change_on_reimport_is_stored(store: Store, tmp_path: Path) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    moved = ORG.replace(
        "dev@example.com,Dana Dev,lead@example.com", "dev@example.com,Dana Dev,ceo@example.com"
    )

    counts = await import_org_chart(
        store, write_csv(tmp_path, moved, name="moved.csv"), default_timezone="UTC"
    )

    people = await stored_people(store)
    assert counts == UpsertCounts(created=0, updated=1, unchanged=2)
    assert people["dev@example.com"].manager_id == people["ceo@example.com"].id


async def test_import_of_a_file_with_one_bad_line_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    before = await stored_people(store)
    changed = (
        ORG.replace("Leo Lead", "Leo Renamed")
        + "new@example.com,New Person,lead@example.com,,,\n"
        + "bad@example.com,Bad Zone,lead@example.com,,Mars/Olympus,\n"
    )

    with pytest.raises(OrgImportError) as raised:
        await import_org_chart(
            store, write_csv(tmp_path, changed, name="bad.csv"), default_timezone="UTC"
        )

    assert [(p.line, p.column) for p in raised.value.problems] == [(6, "timezone")]
    assert await stored_people(store) == before


async def test_import_into_an_empty_store_of_a_bad_file_creates_nobody(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, ORG + "x@example.com,X,ghost@example.com,,,\n")

    with pytest.raises(OrgImportError):
        await import_org_chart(store, path, default_timezone="UTC")

    assert await stored_people(store) == {}


async def test_import_accepts_a_manager_who_is_already_stored(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    newcomer = "email,name,manager_email\nnew@example.com,Nina New,lead@example.com\n"

    counts = await import_org_chart(
        store, write_csv(tmp_path, newcomer, name="new.csv"), default_timezone="UTC"
    )

    people = await stored_people(store)
    assert counts == UpsertCounts(created=1, updated=0, unchanged=0)
    assert people["new@example.com"].manager_id == people["lead@example.com"].id


async def test_import_refuses_a_reporting_cycle_through_a_stored_person_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    before = await stored_people(store)
    loop = "email,name,manager_email\nceo@example.com,Carla Ceo,dev@example.com\n"

    with pytest.raises(OrgImportError) as raised:
        await import_org_chart(
            store, write_csv(tmp_path, loop, name="loop.csv"), default_timezone="UTC"
        )

    [problem] = raised.value.problems
    assert problem.line == 2
    assert problem.message.startswith(
        "reporting cycle: ceo@example.com -> dev@example.com -> lead@example.com"
        " -> ceo@example.com"
    )
    assert await stored_people(store) == before


async def test_import_refuses_a_slack_user_id_already_linked_to_someone_else(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    before = await stored_people(store)
    taken = "email,name,slack_user_id\nnew@example.com,Nina New,U0DEV\n"

    with pytest.raises(OrgImportError) as raised:
        await import_org_chart(
            store, write_csv(tmp_path, taken, name="taken.csv"), default_timezone="UTC"
        )

    assert [(p.line, p.column) for p in raised.value.problems] == [(2, "slack_user_id")]
    assert await stored_people(store) == before


async def test_deactivate_missing_marks_people_left_out_of_the_file_inactive(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    without_dev = "".join(line for line in ORG.splitlines(keepends=True) if "Dana" not in line)

    counts = await import_org_chart(
        store,
        write_csv(tmp_path, without_dev, name="smaller.csv"),
        default_timezone="UTC",
        deactivate_missing=True,
    )

    people = await stored_people(store)
    assert counts == UpsertCounts(created=0, updated=0, unchanged=2, deactivated=1)
    assert not people["dev@example.com"].active
    assert people["ceo@example.com"].active
    assert people["lead@example.com"].active


async def test_deactivate_missing_refuses_a_manager_who_is_only_stored(
    store: Store, tmp_path: Path
) -> None:
    await import_org_chart(store, write_csv(tmp_path, ORG), default_timezone="UTC")
    before = await stored_people(store)
    newcomer = "email,name,manager_email\nnew@example.com,Nina New,lead@example.com\n"

    with pytest.raises(OrgImportError) as raised:
        await import_org_chart(
            store,
            write_csv(tmp_path, newcomer, name="new.csv"),
            default_timezone="UTC",
            deactivate_missing=True,
        )

    assert [(p.line, p.column) for p in raised.value.problems] == [(2, "manager_email")]
    assert await stored_people(store) == before


async def test_import_reports_progress_to_the_end(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, ORG)
    reports: list[tuple[int, int]] = []

    await import_org_chart(
        store,
        path,
        default_timezone="UTC",
        progress=lambda done, total: reports.append((done, total)),
    )

    assert reports == [(3, 3)]
