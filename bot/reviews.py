"""Use cases of the development review: start, prepare, save, show and list.

Every method takes the acting person (already identified by an adapter) and asks
`bot.access.decide` before it reads or writes anything about someone else. Refusals are
audited and raised as `AccessDenied`, which adapters turn into one neutral sentence.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import messages
from bot.access import Action, Resource
from bot.agreements import VaguePhrases
from bot.domain import (
    Agreement,
    Audience,
    CheckIn,
    Draft,
    Person,
    Review,
    ReviewKind,
    ReviewStatus,
    Surface,
    Template,
)
from bot.errors import FormRejected, NotAvailable, ReviewbotError, UnknownPerson
from bot.forms import Form, FormField, FormSection, validate
from bot.guard import AccessGuard
from bot.planning import nudges_for_check_in, time_zone_of
from bot.ports import Clock, Store, UnitOfWork
from bot.review_form import (
    HELD_ON_KEY,
    MAX_ROWS,
    START_ROWS,
    ReviewFormState,
    build_review_form,
    is_stored_id,
    read_review_submission,
)

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "development"
ROWS_KEY = "_rows"


class SaveFailed(ReviewbotError):
    """The database refused the save; nothing was written and the user may retry."""


@dataclass(frozen=True, slots=True)
class ReviewRules:
    checkin_after_days: int = 91
    skip_level_access: bool = False
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class SavedReview:
    review: Review
    agreements: list[Agreement]
    check_in: CheckIn
    employee: Person
    manager: Person


@dataclass(frozen=True, slots=True)
class PreparationRequest:
    review: Review
    employee: Person
    manager: Person
    template: Template


@dataclass(frozen=True, slots=True)
class EmployeeOverview:
    """What `show` returns: only what the caller may see of one employee."""

    employee: Person
    review: Review | None
    agreements: list[Agreement]
    next_check_in: CheckIn | None
    can_open_review: bool


@dataclass(frozen=True, slots=True)
class ReviewListItem:
    review: Review
    employee: Person


class ReviewDesk:
    """The review use cases, shared by every platform."""

    def __init__(
        self, *, store: Store, clock: Clock, rules: ReviewRules, phrases: VaguePhrases
    ) -> None:
        self._store = store
        self._clock = clock
        self._rules = rules
        self._phrases = phrases
        self._guard = AccessGuard(clock=clock, skip_level_access=rules.skip_level_access)

    async def start_review(
        self, actor: Person, employee: Person, template_key: str | None, surface: Surface
    ) -> Form:
        """The review form for `employee`, restoring the actor's draft if one was left."""
        async with self._store.unit_of_work() as uow:
            template = await self._development_template(uow, template_key)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, surface)
            preparing = await uow.reviews.preparing_for(employee.id, template.kind)
            draft = await uow.drafts.get(actor.id, employee.id, template.kind)
            initial = dict(draft.answers) if draft else {}
            rows = _rows(initial.pop(ROWS_KEY, START_ROWS))
            state = ReviewFormState(
                employee_id=employee.id,
                template_key=template.key,
                template_version=template.version,
                rows=rows,
                review_id=preparing.id if preparing else None,
            )
            form = await self._compose(uow, actor, employee, template, state, initial)
            await self._guard.audit(uow, actor, "review.start", surface, employee=employee)
            await uow.commit()
        logger.info("review form opened by %s for %s", actor.id, employee.id)
        return form

    async def add_agreement_row(
        self, actor: Person, state_data: Mapping[str, Any], raw: Mapping[str, Any]
    ) -> Form:
        """The same form with one more agreement row, keeping everything typed so far."""
        state = _state(state_data)
        async with self._store.unit_of_work() as uow:
            employee, template = await self._form_subjects(uow, state)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, Surface.SLACK)
            grown = ReviewFormState(
                employee_id=state.employee_id,
                template_key=state.template_key,
                template_version=state.template_version,
                rows=min(state.rows + 1, 10),
                review_id=state.review_id,
            )
            return await self._compose(uow, actor, employee, template, grown, raw)

    async def review_form(
        self,
        actor: Person,
        state_data: Mapping[str, Any],
        raw: Mapping[str, Any],
        surface: Surface,
        *,
        extra_rows: int = 0,
    ) -> Form:
        """The review form again, filled with what was typed, optionally with more rows.

        Teams re-sends a whole dialog to show errors or a new agreement row, where a Slack
        modal stays open; this rebuilds it with the same checks as `start_review`.
        """
        state = _state(state_data)
        async with self._store.unit_of_work() as uow:
            employee, template = await self._form_subjects(uow, state)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, surface)
            shown = ReviewFormState(
                employee_id=state.employee_id,
                template_key=state.template_key,
                template_version=state.template_version,
                rows=max(START_ROWS, min(state.rows + extra_rows, MAX_ROWS)),
                review_id=state.review_id,
            )
            return await self._compose(uow, actor, employee, template, shown, raw)

    async def save_draft(
        self, actor: Person, state_data: Mapping[str, Any], raw: Mapping[str, Any]
    ) -> None:
        """Keeps what was typed into a closed form, so the next `start` restores it."""
        state = _state(state_data)
        async with self._store.unit_of_work() as uow:
            employee, template = await self._form_subjects(uow, state)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, Surface.SLACK)
            answers = {k: v for k, v in raw.items() if v not in (None, "", [])}
            answers[ROWS_KEY] = state.rows
            draft = Draft(actor.id, employee.id, template.kind, answers, self._clock.now())
            await uow.drafts.save(draft)
            await uow.commit()
        logger.info("draft kept for manager %s and employee %s", actor.id, employee.id)

    async def save_review(
        self,
        actor: Person,
        state_data: Mapping[str, Any],
        raw: Mapping[str, Any],
        surface: Surface,
    ) -> SavedReview:
        """Stores review, agreements, check-in and nudges in one transaction.

        Raises FormRejected with per-field errors, or SaveFailed when the database fails;
        in both cases nothing is written and the form stays open with what was typed.
        """
        state = _state(state_data)
        try:
            return await self._save_review(actor, state, raw, surface)
        except ReviewbotError:
            raise
        except Exception as error:
            logger.exception("saving review for employee %s failed", state.employee_id)
            raise SaveFailed(messages.SAVE_FAILED) from error

    async def _save_review(
        self, actor: Person, state: ReviewFormState, raw: Mapping[str, Any], surface: Surface
    ) -> SavedReview:
        now = self._clock.now()
        async with self._store.unit_of_work() as uow:
            employee, template = await self._form_subjects(uow, state)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, surface)
            form = await self._compose(
                uow, actor, employee, template, state, raw, with_history=False
            )
            submission = read_review_submission(
                form, raw, template=template, manager=actor, now=now, phrases=self._phrases
            )
            if isinstance(submission, dict):
                raise FormRejected(submission)
            await self._refuse_same_day(uow, employee, template.kind, submission.held_on)

            manager = await self._manager_of(uow, employee, actor)
            review = await self._store_review(uow, actor, employee, template, state, submission)
            agreements = await uow.agreements.add_many(
                review_id=review.id, employee_id=employee.id, items=submission.agreements
            )
            check_in = await uow.check_ins.add(
                review_id=review.id,
                employee_id=employee.id,
                manager_id=manager.id,
                starts_at=submission.check_in_at,
                minutes=submission.check_in_minutes,
            )
            await uow.nudges.add_many(nudges_for_check_in(check_in, employee, manager, now))
            await uow.drafts.delete(actor.id, employee.id, template.kind)
            await self._guard.audit(uow, actor, "review.save", surface, employee, review.id)
            await uow.commit()
        logger.info("review %s saved by %s for %s", review.id, actor.id, employee.id)
        return SavedReview(review, agreements, check_in, employee, manager)

    async def _store_review(
        self,
        uow: UnitOfWork,
        actor: Person,
        employee: Person,
        template: Template,
        state: ReviewFormState,
        submission: Any,
    ) -> Review:
        if state.review_id is not None:
            preparing = await uow.reviews.get(state.review_id)
            if preparing and preparing.status is ReviewStatus.PREPARING:
                return await uow.reviews.complete(
                    preparing.id,
                    manager_id=actor.id,
                    template=template,
                    held_on=submission.held_on,
                    manager_answers=submission.manager_answers,
                )
        return await uow.reviews.add(
            employee_id=employee.id,
            manager_id=actor.id,
            template=template,
            held_on=submission.held_on,
            status=ReviewStatus.COMPLETED,
            manager_answers=submission.manager_answers,
            employee_answers={},
        )

    async def request_preparation(
        self, actor: Person, employee: Person, surface: Surface
    ) -> PreparationRequest:
        """Opens (or reuses) a `preparing` review so the employee can answer their part."""
        async with self._store.unit_of_work() as uow:
            template = await self._development_template(uow, None)
            await self._require(uow, actor, employee, Action.WRITE, template.kind, surface)
            if not template.fields_for(Audience.EMPLOYEE):
                raise NotAvailable(messages.NOTHING_TO_PREPARE)
            review = await uow.reviews.preparing_for(employee.id, template.kind)
            if review is None:
                review = await uow.reviews.add(
                    employee_id=employee.id,
                    manager_id=actor.id,
                    template=template,
                    held_on=self._today(actor),
                    status=ReviewStatus.PREPARING,
                    manager_answers={},
                    employee_answers={},
                )
            await self._guard.audit(uow, actor, "review.prep", surface, employee, review.id)
            await uow.commit()
        logger.info("preparation of review %s requested by %s", review.id, actor.id)
        return PreparationRequest(review, employee, actor, template)

    async def open_preparation(self, actor: Person, review_id: int, surface: Surface) -> Form:
        """The employee's own questions, pre-filled with anything they answered before."""
        async with self._store.unit_of_work() as uow:
            review, template = await self._own_preparing_review(uow, actor, review_id, surface)
            fields = tuple(
                FormField.from_template(f, initial=review.employee_answers.get(f.key))
                for f in template.fields_for(Audience.EMPLOYEE)
            )
            await uow.commit()
        return Form(
            kind="prepare",
            title=messages.PREPARE_FORM_TITLE,
            submit_label=messages.SAVE,
            sections=(FormSection(None, fields),),
            context=(messages.PREPARE_CONTEXT,),
            state={"r": review.id},
        )

    async def save_preparation(
        self,
        actor: Person,
        state_data: Mapping[str, Any],
        raw: Mapping[str, Any],
        surface: Surface,
    ) -> Review:
        review_id = _int(state_data.get("r"))
        form = await self.open_preparation(actor, review_id, surface)
        result = validate(form, raw)
        if not result.ok:
            raise FormRejected(result.errors)
        async with self._store.unit_of_work() as uow:
            await uow.reviews.set_employee_answers(review_id, result.values)
            await self._guard.audit(uow, actor, "review.prepared", surface, actor, review_id)
            await uow.commit()
            review = await uow.reviews.get(review_id)
        if review is None:
            raise NotAvailable(messages.FORM_OUTDATED)
        logger.info("employee %s prepared review %s", actor.id, review_id)
        return review

    async def show(self, actor: Person, employee: Person, surface: Surface) -> EmployeeOverview:
        """Agreements, statuses and next check-in of `employee`, as far as actor may see."""
        async with self._store.unit_of_work() as uow:
            chain = await self._guard.chain_ids(uow, employee)
            resource = Resource.AGREEMENTS
            decision = self._guard.allows(actor, Action.READ, resource, employee, chain)
            if not decision:
                await self._guard.refuse(uow, actor, "agreements.read", surface, employee)
            review = await uow.reviews.latest_completed(employee.id, ReviewKind.DEVELOPMENT)
            agreements = await uow.agreements.for_review(review.id) if review else []
            next_check_in = await uow.check_ins.next_for(employee.id)
            reading = Resource.DEVELOPMENT_REVIEW
            can_open = self._guard.allows(actor, Action.READ, reading, employee, chain)
            review_id = review.id if review else None
            await self._guard.audit(uow, actor, "agreements.read", surface, employee, review_id)
            await uow.commit()
        return EmployeeOverview(employee, review, agreements, next_check_in, can_open)

    async def open_review(self, actor: Person, review_id: int, surface: Surface) -> Form:
        """A completed review, read-only, for anyone the access table lets read it."""
        async with self._store.unit_of_work() as uow:
            review = await uow.reviews.get(review_id)
            employee = await uow.people.get(review.employee_id) if review else None
            if review is None or employee is None:
                await self._guard.refuse(uow, actor, "review.read", surface, None, review_id)
            chain = await self._guard.chain_ids(uow, employee)
            resource = Resource.review(review.kind)
            if not self._guard.allows(actor, Action.READ, resource, employee, chain):
                await self._guard.refuse(uow, actor, "review.read", surface, employee, review_id)
            template = await uow.templates.get(review.template_key, review.template_version)
            agreements = await uow.agreements.for_review(review.id)
            await self._guard.audit(uow, actor, "review.read", surface, employee, review.id)
            await uow.commit()
        return _read_only_form(review, employee, template, agreements)

    async def list_reviews(self, actor: Person, surface: Surface) -> list[ReviewListItem]:
        """Every review the actor may read, newest first."""
        async with self._store.unit_of_work() as uow:
            if actor.is_hr:
                candidates = None
            else:
                candidates = {actor.id} | set(await uow.people.subordinate_ids(actor.id))
            reviews = await uow.reviews.list_for(candidates, limit=50)
            people = await uow.people.get_many({r.employee_id for r in reviews})
            visible = [
                ReviewListItem(review, people[review.employee_id])
                for review in reviews
                if review.status is not ReviewStatus.CANCELLED
                and self._may_read_listed(actor, review, people[review.employee_id])
            ]
            await self._guard.audit(uow, actor, "review.list", surface, None, None)
            await uow.commit()
        return visible

    def _may_read_listed(self, actor: Person, review: Review, employee: Person) -> bool:
        """Candidates came from the actor's own subtree, so the actor is up their chain."""
        chain = (employee.manager_id or 0, actor.id)
        resource = Resource.review(review.kind)
        return bool(self._guard.allows(actor, Action.READ, resource, employee, chain))

    # --- steps shared by the use cases -------------------------------------------------

    async def _compose(
        self,
        uow: UnitOfWork,
        actor: Person,
        employee: Person,
        template: Template,
        state: ReviewFormState,
        initial: Mapping[str, Any],
        *,
        with_history: bool = True,
    ) -> Form:
        """The review form; `with_history=False` leaves out last time's agreements, which
        are only shown, never checked, so a save need not read them (bench/ack_latency)."""
        previous: list[Agreement] = []
        if with_history:
            previous_review = await uow.reviews.latest_completed(employee.id, template.kind)
            if previous_review:
                previous = await uow.agreements.for_review(previous_review.id)
        prepared = None
        if state.review_id is not None:
            preparing = await uow.reviews.get(state.review_id)
            if preparing and preparing.employee_id == employee.id:
                prepared = preparing.employee_answers
        return build_review_form(
            template=template,
            employee=employee,
            manager=actor,
            state=state,
            previous=previous,
            prepared=prepared,
            initial=initial,
            today=self._today(actor),
            checkin_after_days=self._rules.checkin_after_days,
        )

    async def _development_template(self, uow: UnitOfWork, key: str | None) -> Template:
        template = await uow.templates.latest(key or DEFAULT_TEMPLATE)
        if template is None:
            available = [t.key for t in await uow.templates.list_latest()]
            raise NotAvailable(messages.unknown_template(key or DEFAULT_TEMPLATE, available))
        if template.kind is ReviewKind.SALARY:
            raise NotAvailable(messages.SALARY_HAS_OWN_COMMAND)
        return template

    async def _form_subjects(
        self, uow: UnitOfWork, state: ReviewFormState
    ) -> tuple[Person, Template]:
        employee = await uow.people.get(state.employee_id)
        template = await uow.templates.get(state.template_key, state.template_version)
        if employee is None or template is None:
            raise NotAvailable(messages.FORM_OUTDATED)
        if not employee.active:
            raise UnknownPerson(messages.person_inactive(employee.name))
        return employee, template

    async def _own_preparing_review(
        self, uow: UnitOfWork, actor: Person, review_id: int, surface: Surface
    ) -> tuple[Review, Template]:
        review = await uow.reviews.get(review_id)
        if review is None or review.employee_id != actor.id:
            await self._guard.refuse(uow, actor, "review.prepare", surface, None, review_id)
        if review.status is not ReviewStatus.PREPARING:
            raise NotAvailable(messages.PREPARATION_CLOSED)
        template = await uow.templates.get(review.template_key, review.template_version)
        if template is None:
            raise NotAvailable(messages.FORM_OUTDATED)
        return review, template

    async def _refuse_same_day(
        self, uow: UnitOfWork, employee: Person, kind: ReviewKind, held_on: dt.date
    ) -> None:
        """Salary and development talks never share a day (SPEC §3, "separate salary")."""
        same_day = await uow.reviews.held_on_day(employee.id, held_on)
        if any(r.kind is not kind and r.status is ReviewStatus.COMPLETED for r in same_day):
            other_day = held_on + dt.timedelta(days=1)
            raise FormRejected({HELD_ON_KEY: messages.same_day_as_other_kind(other_day)})

    async def _manager_of(self, uow: UnitOfWork, employee: Person, actor: Person) -> Person:
        """The employee's current manager gets the check-in; HR may record on their behalf."""
        if employee.manager_id is None or employee.manager_id == actor.id:
            return actor
        manager = await uow.people.get(employee.manager_id)
        return manager if manager and manager.active else actor

    async def _require(
        self,
        uow: UnitOfWork,
        actor: Person,
        employee: Person,
        action: Action,
        kind: ReviewKind,
        surface: Surface,
    ) -> None:
        if actor.id == employee.id and action is Action.WRITE:
            raise NotAvailable(messages.NOT_YOUR_OWN_REVIEW)
        if not employee.active:
            raise UnknownPerson(messages.person_inactive(employee.name))
        chain = await self._guard.chain_ids(uow, employee)
        if not self._guard.allows(actor, action, Resource.review(kind), employee, chain):
            await self._guard.refuse(uow, actor, f"review.{action.value}", surface, employee)

    def _today(self, person: Person) -> dt.date:
        return self._clock.now().astimezone(time_zone_of(person)).date()


def _read_only_form(
    review: Review, employee: Person, template: Template | None, agreements: list[Agreement]
) -> Form:
    fields = []
    for template_field in template.fields if template else ():
        answers = (
            review.manager_answers
            if template_field.audience is Audience.MANAGER
            else review.employee_answers
        )
        fields.append(
            FormField.from_template(
                template_field, initial=answers.get(template_field.key), read_only=True
            )
        )
    lines = tuple(messages.agreement_line(a) for a in agreements) or (messages.NO_AGREEMENTS,)
    return Form(
        kind="review_read",
        title=messages.REVIEW_READ_TITLE,
        submit_label=None,
        sections=(
            FormSection(None, tuple(fields)),
            FormSection(messages.AGREEMENTS_SECTION, (), lines=lines),
        ),
        context=(messages.review_read_context(employee.name, review.held_on),),
    )


def _state(data: Mapping[str, Any]) -> ReviewFormState:
    try:
        return ReviewFormState.from_dict(data)
    except ValueError as error:
        raise NotAvailable(messages.FORM_OUTDATED) from error


def _rows(value: Any) -> int:
    try:
        return max(START_ROWS, min(int(value), 10))
    except (TypeError, ValueError):
        return START_ROWS


def _int(value: Any) -> int:
    """A row id sent back by a client; anything that cannot be one means an outdated form."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise NotAvailable(messages.FORM_OUTDATED) from error
    if not is_stored_id(number):
        raise NotAvailable(messages.FORM_OUTDATED)
    return number
