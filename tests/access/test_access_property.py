"""SPEC §11 "Access": no read path shows a review's text to anyone SPEC §4 excludes.

Hypothesis draws an org chart (a forest of 2 to 12 people, some HR), reviews recorded by
the employee's manager of the moment, and later moves between managers, role changes and
people leaving, with skip-level access on or off. Every stored text carries a token naming
its review, so whatever a read path returns can be traced back to the review it came from.
Then every person asks through every read path of the core (`show`, `open_review`,
`list_reviews`, `start_review`'s form, the App Home) about everyone and every review, and
what they get is held against an oracle written from the SPEC §4 table and the final chart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.agreements import load_vague_phrases
from bot.app import install_builtin_templates
from bot.domain import Person, ReviewKind, ReviewStatus, Role, Surface
from bot.errors import AccessDenied, NotAvailable, UnknownPerson
from bot.home import build_home
from bot.ports import PersonRow, Store
from bot.review_form import ReviewFormState
from bot.reviews import ReviewDesk, ReviewRules
from storage.store import SqlStore
from tests.support.clock import SettableClock

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
FIRST_REVIEW_DAY = TODAY - dt.timedelta(days=90)
NO_SUCH_REVIEW = 9_999_999
WHAT = "wh"

# Every allowed read commits an audit event; on a disk in memory those commits cost nothing.
MEMORY_DISK = Path("/dev/shm")

TOKEN = re.compile(r"tk\d{3}[a-z]{2}")


# --- the scenario Hypothesis draws ---------------------------------------------------------


@dataclass(frozen=True)
class RecordReview:
    employee: int
    kind: ReviewKind
    prepared: bool  # the employee answered their part first (development only)


@dataclass(frozen=True)
class Move:
    person: int
    pick: int  # which of the managers that keep the chart a forest; one more means "none"


@dataclass(frozen=True)
class ChangeRole:
    person: int
    hr: bool


@dataclass(frozen=True)
class ChangeActive:
    person: int
    active: bool


Step = RecordReview | Move | ChangeRole | ChangeActive


@dataclass(frozen=True)
class Scenario:
    managers: tuple[int | None, ...]  # index of each person's first manager
    hr: tuple[bool, ...]
    steps: tuple[Step, ...]
    skip_level_access: bool


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    size = draw(st.integers(min_value=2, max_value=12))
    # Person i reports to someone before them, or (drawn as -1) to nobody: a forest.
    firsts = [draw(st.integers(min_value=-1, max_value=i - 1)) for i in range(size)]
    managers = tuple(None if first < 0 else first for first in firsts)
    hr = tuple(draw(st.integers(min_value=0, max_value=5)) == 0 for _ in range(size))
    person = st.integers(min_value=0, max_value=size - 1)
    review = st.builds(RecordReview, person, st.sampled_from(ReviewKind), st.booleans())
    move = st.builds(Move, person, st.integers(min_value=0, max_value=size))
    role = st.builds(ChangeRole, person, st.sampled_from([False, False, True]))
    leave = st.builds(ChangeActive, person, st.booleans())
    first_reviews = draw(st.lists(review, min_size=1, max_size=6))
    later = draw(st.lists(st.one_of(review, move, move, role, leave), max_size=10))
    return Scenario(managers, hr, (*first_reviews, *later), draw(st.booleans()))


# --- the org chart as the test keeps it ---------------------------------------------------


@dataclass
class Member:
    email: str
    name: str
    manager: int | None
    hr: bool
    active: bool = True


@dataclass
class RecordedReview:
    id: int
    employee: int
    kind: ReviewKind
    answer_tokens: set[str]  # manager and employee answers
    agreement_tokens: set[str] = field(default_factory=set)


def chain_above(chart: list[Member], person: int) -> list[int]:
    """The person's managers, direct manager first."""
    chain = []
    boss = chart[person].manager
    while boss is not None:
        chain.append(boss)
        boss = chart[boss].manager
    return chain


def below(chart: list[Member], person: int) -> set[int]:
    return {other for other in range(len(chart)) if person in chain_above(chart, other)}


# --- the oracle, written from the SPEC §4 table ---------------------------------------------


def relation(chart: list[Member], viewer: int, employee: int) -> str:
    """Which row of the table the viewer falls in, as the chart stands now."""
    if not chart[viewer].active:
        return "nobody"
    if chart[viewer].hr:
        return "hr"
    if viewer == employee:
        return "employee"
    chain = chain_above(chart, employee)
    if chain and chain[0] == viewer:
        return "manager"
    if viewer in chain[1:]:
        return "manager chain"
    # The manager who held a review and anyone else alike: nothing.
    return "nobody"


def may_read_review(chart: list[Member], viewer: int, review: RecordedReview, skip: bool) -> bool:
    row = relation(chart, viewer, review.employee)
    if row in ("hr", "employee", "manager"):
        return True
    if row == "manager chain":
        return skip and review.kind is ReviewKind.DEVELOPMENT
    return False


def may_read_agreements(chart: list[Member], viewer: int, employee: int, skip: bool) -> bool:
    row = relation(chart, viewer, employee)
    return row in ("hr", "employee", "manager") or (row == "manager chain" and skip)


def may_write_review(chart: list[Member], viewer: int, employee: int) -> bool:
    return relation(chart, viewer, employee) in ("hr", "manager")


def readable_tokens(
    chart: list[Member], viewer: int, reviews: list[RecordedReview], skip: bool
) -> set[str]:
    tokens: set[str] = set()
    for review in reviews:
        if may_read_review(chart, viewer, review, skip):
            tokens |= review.answer_tokens
        if may_read_agreements(chart, viewer, review.employee, skip):
            tokens |= review.agreement_tokens
    return tokens


def tokens_in(value: Any) -> set[str]:
    return set(TOKEN.findall(repr(value)))


# --- building the world through the real store and use cases ------------------------------


class World:
    """One example's database, desk and chart, built step by step."""

    def __init__(self, store: Store, desk: ReviewDesk, chart: list[Member]) -> None:
        self.store = store
        self.desk = desk
        self.chart = chart
        self.ids: list[int] = []
        self.reviews: list[RecordedReview] = []

    async def import_chart(self) -> None:
        """Re-imports the whole chart as an org import would, then marks leavers inactive."""
        rows = [
            PersonRow(
                email=m.email,
                name=m.name,
                manager_email=self.chart[m.manager].email if m.manager is not None else None,
                role=Role.HR if m.hr else Role.EMPLOYEE,
            )
            for m in self.chart
        ]
        async with self.store.unit_of_work() as uow:
            await uow.people.upsert(rows, default_timezone="UTC")
            await uow.people.deactivate_except([m.email for m in self.chart if m.active])
            await uow.commit()
            by_email = {p.email: p.id for p in await uow.people.all()}
        self.ids = [by_email[m.email] for m in self.chart]

    async def person(self, index: int) -> Person:
        async with self.store.unit_of_work() as uow:
            person = await uow.people.get(self.ids[index])
        assert person is not None
        return person

    async def apply(self, step: Step) -> None:
        if isinstance(step, RecordReview):
            await self.record(step)
            return
        if isinstance(step, Move):
            options = [None, *self.possible_managers(step.person)]
            self.chart[step.person].manager = options[step.pick % len(options)]
        elif isinstance(step, ChangeRole):
            self.chart[step.person].hr = step.hr
        else:
            self.chart[step.person].active = step.active
        await self.import_chart()

    def possible_managers(self, person: int) -> list[int]:
        """Anyone but the person and those below them, so the chart stays a forest."""
        return sorted(set(range(len(self.chart))) - below(self.chart, person) - {person})

    async def record(self, step: RecordReview) -> None:
        """The employee's manager of the moment records it; without one, nothing happens."""
        employee = self.chart[step.employee]
        manager = employee.manager
        if manager is None or not employee.active or not self.chart[manager].active:
            return
        number = len(self.reviews)
        held_on = FIRST_REVIEW_DAY + dt.timedelta(days=number)
        if step.kind is ReviewKind.SALARY:
            recorded = await self._store_salary_review(step.employee, manager, number, held_on)
        else:
            recorded = await self._save_development_review(step, manager, number, held_on)
        self.reviews.append(recorded)

    async def _save_development_review(
        self, step: RecordReview, manager: int, number: int, held_on: dt.date
    ) -> RecordedReview:
        actor, employee = await self.person(manager), await self.person(step.employee)
        answers = {token(number, "st"), token(number, "gr")}
        preparing_id = None
        if step.prepared:
            request = await self.desk.request_preparation(actor, employee, Surface.SLACK)
            preparing_id = request.review.id
            went_well = {"went_well": f"Shipped the billing rewrite {token(number, 'ww')}"}
            state = {"r": preparing_id}
            await self.desk.save_preparation(employee, state, went_well, Surface.SLACK)
            answers.add(token(number, "ww"))

        async with self.store.unit_of_work() as uow:
            template = await uow.templates.latest("development")
        assert template is not None
        form_state = ReviewFormState(
            employee_id=employee.id,
            template_key=template.key,
            template_version=template.version,
            review_id=preparing_id,
        )
        raw = {
            "held_on": held_on.isoformat(),
            "q_strengths": f"Calm with customers {token(number, 'st')}",
            "q_growth_areas": f"Planning larger deliveries {token(number, 'gr')}",
            "agreement_0_what": f"Run the onboarding workshop for new hires {token(number, WHAT)}",
            "agreement_0_owner": "employee",
            "agreement_0_due": (TODAY + dt.timedelta(days=30)).isoformat(),
            "agreement_0_how": f"Workshop slides shared in the team channel {token(number, 'hw')}",
            "checkin_date": (TODAY + dt.timedelta(days=14)).isoformat(),
            "checkin_time": "10:00",
            "checkin_minutes": "20",
        }
        saved = await self.desk.save_review(actor, form_state.to_dict(), raw, Surface.SLACK)
        agreements = {token(number, WHAT), token(number, "hw")}
        return RecordedReview(
            saved.review.id, step.employee, ReviewKind.DEVELOPMENT, answers, agreements
        )

    async def _store_salary_review(
        self, employee: int, manager: int, number: int, held_on: dt.date
    ) -> RecordedReview:
        """The salary form is not built yet, so the review goes in through the repository."""
        async with self.store.unit_of_work() as uow:
            template = await uow.templates.latest("salary")
            assert template is not None
            review = await uow.reviews.add(
                employee_id=self.ids[employee],
                manager_id=self.ids[manager],
                template=template,
                held_on=held_on,
                status=ReviewStatus.COMPLETED,
                manager_answers={
                    "rationale": f"Took over the team lead role {token(number, 'ra')}"
                },
                employee_answers={"own_view": f"Below market for the role {token(number, 'ov')}"},
            )
            await uow.commit()
        tokens = {token(number, "ra"), token(number, "ov")}
        return RecordedReview(review.id, employee, ReviewKind.SALARY, tokens)


def token(number: int, part: str) -> str:
    return f"tk{number:03d}{part}"


# --- asking through every read path -------------------------------------------------------


@dataclass
class Refusals:
    count: int = 0

    async def expect(self, call: Callable[[], Awaitable[Any]], *, allowed: bool) -> Any:
        """Runs the read; a refusal must be AccessDenied exactly when the oracle refuses."""
        try:
            result = await call()
        except AccessDenied:
            self.count += 1
            assert not allowed, "refused someone the table lets read"
            return None
        assert allowed, "let someone read what the table refuses"
        return result


async def check_every_read_path(world: World, skip: bool) -> None:
    """Everyone asks about everyone and every review; refusals are all on record."""
    refusals = Refusals()
    people = [await world.person(index) for index in range(len(world.chart))]

    for viewer in enumerate(people):
        readable = readable_tokens(world.chart, viewer[0], world.reviews, skip)
        await check_list(world, viewer, readable, skip)
        await check_open_review(world, refusals, viewer, skip)
        for employee in enumerate(people):
            await check_show(world, refusals, viewer, employee, readable, skip)
            await check_review_form(world, refusals, viewer, employee, readable)
        await check_home(world, viewer, readable)

    async with world.store.unit_of_work() as uow:
        audited = await uow.audit.list(limit=100_000)
    assert sum(not event.allowed for event in audited) == refusals.count


async def check_list(
    world: World, viewer: tuple[int, Person], readable: set[str], skip: bool
) -> None:
    viewer_index, viewer_person = viewer
    expected = {r.id for r in world.reviews if may_read_review(world.chart, viewer_index, r, skip)}

    listed = await world.desk.list_reviews(viewer_person, Surface.SLACK)

    assert {item.review.id for item in listed} == expected
    assert tokens_in(listed) <= readable


async def check_open_review(
    world: World, refusals: Refusals, viewer: tuple[int, Person], skip: bool
) -> None:
    """Each review by its id, and one id that was never stored, which reads as a refusal."""
    viewer_index, viewer_person = viewer
    for review in world.reviews:
        allowed = may_read_review(world.chart, viewer_index, review, skip)
        open_it = partial(world.desk.open_review, viewer_person, review.id, Surface.SLACK)
        form = await refusals.expect(open_it, allowed=allowed)
        if form is not None:
            shown = review.answer_tokens | what_tokens(review.agreement_tokens)
            assert shown <= tokens_in(form) <= review.answer_tokens | review.agreement_tokens

    open_missing = partial(world.desk.open_review, viewer_person, NO_SUCH_REVIEW, Surface.SLACK)
    await refusals.expect(open_missing, allowed=False)


async def check_show(
    world: World,
    refusals: Refusals,
    viewer: tuple[int, Person],
    employee: tuple[int, Person],
    readable: set[str],
    skip: bool,
) -> None:
    (viewer_index, viewer_person), (employee_index, employee_person) = viewer, employee
    allowed = may_read_agreements(world.chart, viewer_index, employee_index, skip)

    show = partial(world.desk.show, viewer_person, employee_person, Surface.SLACK)
    overview = await refusals.expect(show, allowed=allowed)

    if overview is not None:
        assert tokens_in(overview) <= readable
        assert latest_agreement_tokens(world.reviews, employee_index) <= tokens_in(overview)


async def check_home(world: World, viewer: tuple[int, Person], readable: set[str]) -> None:
    viewer_index, viewer_person = viewer

    home = await build_home(world.store, SettableClock(NOW), viewer_person)

    assert tokens_in(home) <= readable
    if world.chart[viewer_index].active:
        assert latest_agreement_tokens(world.reviews, viewer_index) <= tokens_in(home)


async def check_review_form(
    world: World,
    refusals: Refusals,
    viewer: tuple[int, Person],
    employee: tuple[int, Person],
    readable: set[str],
) -> None:
    """`start` shows last time's agreements, so its form is a read path too."""
    (viewer_index, viewer_person), (employee_index, employee_person) = viewer, employee
    start = partial(world.desk.start_review, viewer_person, employee_person, None, Surface.SLACK)
    if viewer_index == employee_index:
        await _expect_error(start, NotAvailable)
        return
    if not world.chart[employee_index].active:
        await _expect_error(start, UnknownPerson)
        return
    allowed = may_write_review(world.chart, viewer_index, employee_index)
    form = await refusals.expect(start, allowed=allowed)
    if form is not None:
        assert tokens_in(form) <= readable
        assert latest_agreement_tokens(world.reviews, employee_index) <= tokens_in(form)


async def _expect_error(call: Callable[[], Awaitable[Any]], error: type[Exception]) -> None:
    try:
        await call()
    except error:
        return
    raise AssertionError(f"expected {error.__name__}")


def latest_agreement_tokens(reviews: list[RecordedReview], employee: int) -> set[str]:
    """What the employee's latest agreements say they will do: every surface lists that."""
    own = [r for r in reviews if r.employee == employee and r.kind is ReviewKind.DEVELOPMENT]
    return what_tokens(own[-1].agreement_tokens) if own else set()


def what_tokens(agreement_tokens: set[str]) -> set[str]:
    """Agreement lines name what, status, owner and due date, but not "how we'll know"."""
    return {t for t in agreement_tokens if t.endswith(WHAT)}


# --- the property ----------------------------------------------------------------------------


async def run_scenario(scenario: Scenario, database: Path) -> None:
    store = SqlStore.from_url(f"sqlite+aiosqlite:///{database}")
    try:
        await install_builtin_templates(store)
        rules = ReviewRules(skip_level_access=scenario.skip_level_access)
        desk = ReviewDesk(
            store=store, clock=SettableClock(NOW), rules=rules, phrases=load_vague_phrases()
        )
        chart = [
            Member(f"p{i}@example.com", f"Person {i}", manager, hr)
            for i, (manager, hr) in enumerate(zip(scenario.managers, scenario.hr, strict=True))
        ]
        world = World(store, desk, chart)
        await world.import_chart()
        for step in scenario.steps:
            await world.apply(step)

        await check_every_read_path(world, scenario.skip_level_access)
    finally:
        await store.close()


# The rows a random chart reaches least often, spelled out. Person 2 is reviewed by manager 1,
# then moves to manager 3 (options: none, 0, 1, 3, 4, 5) and is reviewed again; person 4 (HR)
# leaves, and so does person 5 after a review.
MOVED_AWAY = Scenario(
    managers=(None, 0, 1, 0, 0, 3),
    hr=(False, False, False, False, True, False),
    steps=(
        RecordReview(2, ReviewKind.DEVELOPMENT, prepared=True),
        RecordReview(2, ReviewKind.SALARY, prepared=False),
        RecordReview(1, ReviewKind.DEVELOPMENT, prepared=False),
        RecordReview(5, ReviewKind.DEVELOPMENT, prepared=False),
        Move(2, pick=3),
        RecordReview(2, ReviewKind.DEVELOPMENT, prepared=False),
        ChangeActive(4, active=False),
        ChangeActive(5, active=False),
    ),
    skip_level_access=False,
)


@example(scenario=MOVED_AWAY)
@example(scenario=replace(MOVED_AWAY, skip_level_access=True))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_no_read_path_shows_review_text_to_anyone_the_access_table_excludes(
    _migrated_sqlite_file: Path,  # noqa: PT019 - the migrated file is copied, so it is used
    scenario: Scenario,
) -> None:
    with tempfile.TemporaryDirectory(
        dir=MEMORY_DISK if MEMORY_DISK.is_dir() else None
    ) as directory:
        database = Path(directory) / "reviewbot.db"
        shutil.copyfile(_migrated_sqlite_file, database)

        asyncio.run(run_scenario(scenario, database))
