"""bot.access.decide against the table of SPEC §4, one row of the table per test.

The org chart of these tests:

    Bea (CEO) ── Maria ── Alice ── Ada
       ├──────── Olle
       └──────── Hanna (HR)

Each row's expected answers are written out from the SPEC table, column by column:
development review read/write, salary review read/write, agreements read/write/status.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.access import Action, Resource, decide
from bot.domain import Person, Role

BEA = Person(id=1, email="bea@example.com", name="Bea Boss")
MARIA = Person(id=2, email="maria@example.com", name="Maria Manager", manager_id=1)
ALICE = Person(id=3, email="alice@example.com", name="Alice Andersson", manager_id=2)
OLLE = Person(id=4, email="olle@example.com", name="Olle Other", manager_id=1)
HANNA = Person(id=5, email="hanna@example.com", name="Hanna HR", manager_id=1, role=Role.HR)
ADA = Person(id=6, email="ada@example.com", name="Ada Apprentice", manager_id=3)

ALICE_CHAIN = (MARIA.id, BEA.id)

# Alice after a re-import that moved her from Maria to Olle.
ALICE_MOVED = replace(ALICE, manager_id=OLLE.id)
ALICE_MOVED_CHAIN = (OLLE.id, BEA.id)

DEV_READ = (Action.READ, Resource.DEVELOPMENT_REVIEW)
DEV_WRITE = (Action.WRITE, Resource.DEVELOPMENT_REVIEW)
SALARY_READ = (Action.READ, Resource.SALARY_REVIEW)
SALARY_WRITE = (Action.WRITE, Resource.SALARY_REVIEW)
AGREEMENTS_READ = (Action.READ, Resource.AGREEMENTS)
AGREEMENTS_WRITE = (Action.WRITE, Resource.AGREEMENTS)
AGREEMENTS_STATUS = (Action.UPDATE_STATUS, Resource.AGREEMENTS)

COLUMNS = (
    DEV_READ,
    DEV_WRITE,
    SALARY_READ,
    SALARY_WRITE,
    AGREEMENTS_READ,
    AGREEMENTS_WRITE,
    AGREEMENTS_STATUS,
)
COLUMN_IDS = [f"{resource.value}-{action.value}" for action, resource in COLUMNS]

NOTHING: frozenset[tuple[Action, Resource]] = frozenset()
EVERYTHING = frozenset(COLUMNS)


def _allowed_columns(
    viewer: Person,
    *,
    employee: Person = ALICE,
    chain: tuple[int, ...] = ALICE_CHAIN,
    skip_level_access: bool,
) -> frozenset[tuple[Action, Resource]]:
    """The cells of one table row that `decide` allows."""
    return frozenset(
        (action, resource)
        for action, resource in COLUMNS
        if decide(
            viewer,
            action,
            resource,
            employee=employee,
            chain_ids=chain,
            skip_level_access=skip_level_access,
        ).allowed
    )


@pytest.mark.parametrize("skip_level_access", [False, True])
def test_the_employee_reads_everything_of_their_own_and_changes_only_agreement_status(
    skip_level_access: bool,
) -> None:
    expected = {DEV_READ, SALARY_READ, AGREEMENTS_READ, AGREEMENTS_STATUS}

    allowed = _allowed_columns(ALICE, skip_level_access=skip_level_access)

    assert allowed == expected


@pytest.mark.parametrize("skip_level_access", [False, True])
def test_the_current_manager_reads_and_writes_everything_of_their_report(
    skip_level_access: bool,
) -> None:
    allowed = _allowed_columns(MARIA, skip_level_access=skip_level_access)

    assert allowed == EVERYTHING


def test_the_manager_chain_gets_nothing_while_skip_level_access_is_off() -> None:
    allowed = _allowed_columns(BEA, skip_level_access=False)

    assert allowed == NOTHING


def test_the_manager_chain_reads_development_reviews_and_agreements_with_skip_level_on() -> None:
    expected = {DEV_READ, AGREEMENTS_READ}

    allowed = _allowed_columns(BEA, skip_level_access=True)

    assert allowed == expected


def test_skip_level_access_reaches_every_level_of_the_chain_but_never_salary() -> None:
    ada_chain = (ALICE.id, MARIA.id, BEA.id)

    for boss in (MARIA, BEA):
        allowed = _allowed_columns(boss, employee=ADA, chain=ada_chain, skip_level_access=True)
        assert allowed == {DEV_READ, AGREEMENTS_READ}, boss.name


@pytest.mark.parametrize("skip_level_access", [False, True])
def test_the_manager_who_held_the_review_gets_nothing_after_the_employee_moved_on(
    skip_level_access: bool,
) -> None:
    allowed = _allowed_columns(
        MARIA, employee=ALICE_MOVED, chain=ALICE_MOVED_CHAIN, skip_level_access=skip_level_access
    )

    assert allowed == NOTHING


@pytest.mark.parametrize("skip_level_access", [False, True])
def test_the_new_manager_gets_everything_as_soon_as_the_employee_moved_in(
    skip_level_access: bool,
) -> None:
    allowed = _allowed_columns(
        OLLE, employee=ALICE_MOVED, chain=ALICE_MOVED_CHAIN, skip_level_access=skip_level_access
    )

    assert allowed == EVERYTHING


@pytest.mark.parametrize("skip_level_access", [False, True])
def test_hr_reads_and_writes_everything_wherever_they_sit_in_the_chart(
    skip_level_access: bool,
) -> None:
    allowed = _allowed_columns(HANNA, skip_level_access=skip_level_access)

    assert allowed == EVERYTHING


@pytest.mark.parametrize("skip_level_access", [False, True])
@pytest.mark.parametrize("viewer", [OLLE, ADA], ids=["a-peer-of-the-manager", "a-report"])
def test_anyone_else_gets_nothing_not_even_their_own_reports_reviews(
    viewer: Person, skip_level_access: bool
) -> None:
    allowed = _allowed_columns(viewer, skip_level_access=skip_level_access)

    assert allowed == NOTHING


@pytest.mark.parametrize("skip_level_access", [False, True])
@pytest.mark.parametrize(
    "viewer",
    [ALICE, MARIA, BEA, HANNA],
    ids=["the-employee", "the-manager", "the-chain", "hr"],
)
def test_an_inactive_viewer_gets_nothing_whatever_their_place_in_the_chart(
    viewer: Person, skip_level_access: bool
) -> None:
    inactive = replace(viewer, active=False)

    allowed = _allowed_columns(inactive, skip_level_access=skip_level_access)

    assert allowed == NOTHING


@pytest.mark.parametrize("column", COLUMNS, ids=COLUMN_IDS)
def test_hr_keeps_access_to_a_review_even_of_someone_who_reports_to_nobody(
    column: tuple[Action, Resource],
) -> None:
    action, resource = column

    decision = decide(HANNA, action, resource, employee=BEA, chain_ids=(), skip_level_access=False)

    assert decision.allowed


@pytest.mark.parametrize("column", COLUMNS, ids=COLUMN_IDS)
def test_a_manager_losing_the_hr_role_loses_access_beyond_their_own_team(
    column: tuple[Action, Resource],
) -> None:
    action, resource = column
    former_hr = replace(HANNA, role=Role.EMPLOYEE)

    decision = decide(
        former_hr, action, resource, employee=ALICE, chain_ids=ALICE_CHAIN, skip_level_access=True
    )

    assert not decision.allowed
