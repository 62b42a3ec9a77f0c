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
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
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
    managers = tuple(
        None if i == 0 else draw(st.none() | st.integers(min_value=0, max_value=i - 1))
        for i in range(size)
    )
    hr = tuple(draw(st.integers(min_value=0, max_value=5)) == 0 for _ in range(size))
    person = st.integers(min_value=0, max_value=size - 1)
    review = st.builds(RecordReview, person, st.sampled_from(ReviewKind), st.booleans())
    change = st.one_of(
        st.builds(Move, person, st.integers(min_value=0, max_value=size)),
        st.builds(ChangeRole, person, st.booleans()),
        st.builds(ChangeActive, person, st.booleans()),
    )
    first_reviews = draw(st.lists(review, min_size=1, max_size=6))
    later = draw(st.lists(review | change | change, max_size=10))
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
            options = [None, *sorted(set(range(len(self.chart))) - below(self.chart, step.person) - {step.person})]
            self.chart[step.person].manager = options[step.pick % len(options)]
        elif isinstance(step, ChangeRole):
            self.chart[step.person].hr = step.hr
        else:
            self.chart[step.person].active = step.active
        await self.import_chart()

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
            "agreement_0_what": f"Run the onboarding workshop for new hires {token(number, 'wh')}",
            "agreement_0_owner": "employee",
            "agreement_0_due": (TODAY + dt.timedelta(days=30)).isoformat(),
            "agreement_0_how": f"Workshop slides shared in the team channel {token(number, 'hw')}",
            "checkin_date": (TODAY + dt.timedelta(days=14)).isoformat(),
            "checkin_time": "10:00",
            "checkin_minutes": "20",
        }
        saved = await self.desk.save_review(actor, form_state.to_dict(), raw, Surface.SLACK)
        agreements = {token(number, "wh"), token(number, "hw")}
        return RecordedReview(saved.review.id, step.employee, ReviewKind.DEVELOPMENT, answers, agreements)

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
                manager_answers={"rationale": f"Took over the team lead role {token(number, 'ra')}"},
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

    async def expect(self, call: Callable[[], Awaitable[Any]], allowed: bool) -> Any:
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
    chart, reviews, desk = world.chart, world.reviews, world.desk
    refusals = Refusals()
    people = [await world.person(index) for index in range(len(chart))]

    for viewer_index, viewer in enumerate(people):
        readable = readable_tokens(chart, viewer_index, reviews, skip)

        listed = await desk.list_reviews(viewer, Surface.SLACK)
        expected_ids = {r.id for r in reviews if may_read_review(chart, viewer_index, r, skip)}
        assert {item.review.id for item in listed} == expected_ids
        assert tokens_in(listed) <= readable

        for review in reviews:
            allowed = may_read_review(chart, viewer_index, review, skip)
            form = await refusals.expect(
                lambda: desk.open_review(viewer, review.id, Surface.SLACK), allowed
            )
            if form is not None:
                assert tokens_in(form) == review.answer_tokens | review.agreement_tokens
        await refusals.expect(
            lambda: desk.open_review(viewer, NO_SUCH_REVIEW, Surface.SLACK), False
        )

        for employee_index, employee in enumerate(people):
            allowed = may_read_agreements(chart, viewer_index, employee_index, skip)
            overview = await refusals.expect(
                lambda: desk.show(viewer, employee, Surface.SLACK), allowed
            )
            if overview is not None:
                assert tokens_in(overview) <= readable
                assert latest_agreement_tokens(reviews, employee_index) <= tokens_in(overview)
            await check_review_form(desk, refusals, world, viewer_index, employee_index, readable)

        home = await build_home(world.store, SettableClock(NOW), viewer)
        assert tokens_in(home) <= readable

    async with world.store.unit_of_work() as uow:
        audited = await uow.audit.list(limit=100_000)
    assert sum(not event.allowed for event in audited) == refusals.count


async def check_review_form(
    desk: ReviewDesk,
    refusals: Refusals,
    world: World,
    viewer_index: int,
    employee_index: int,
    readable: set[str],
) -> None:
    """`start` shows last time's agreements, so its form is a read path too."""
    viewer = await world.person(viewer_index)
    employee = await world.person(employee_index)
    start = lambda: desk.start_review(viewer, employee, None, Surface.SLACK)  # noqa: E731
    if viewer_index == employee_index:
        await _expect_error(start, NotAvailable)
        return
    if not world.chart[employee_index].active:
        await _expect_error(start, UnknownPerson)
        return
    allowed = may_write_review(world.chart, viewer_index, employee_index)
    form = await refusals.expect(start, allowed)
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
    own = [r for r in reviews if r.employee == employee and r.kind is ReviewKind.DEVELOPMENT]
    return own[-1].agreement_tokens if own else set()


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


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_no_read_path_shows_review_text_to_anyone_the_access_table_excludes(
    _migrated_sqlite_file: Path, scenario: Scenario
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "reviewbot.db"
        shutil.copyfile(_migrated_sqlite_file, database)

        asyncio.run(run_scenario(scenario, database))
