"""Use cases of the check-in: open its form, record how it went, move it, and update an
agreement's status from a DM.

Recording closes the check-in, writes each agreement's new status into its history with
the author, and books the next check-in with fresh nudges, all in one transaction. The
employee, their current manager and HR may act; anyone else is refused and audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import messages
from bot.access import Action, Resource
from bot.domain import (
    Agreement,
    AgreementStatus,
    CheckIn,
    CheckInStatus,
    Nudge,
    NudgeState,
    Person,
    Surface,
)
from bot.errors import FormRejected, NotAvailable, ReviewbotError, UnknownPerson
from bot.forms import Form, FormField, FormSection, InputKind, validate
from bot.guard import AccessGuard
from bot.planning import nudges_for_check_in, time_zone_of
from bot.ports import Clock, Store, UnitOfWork
from bot.review_form import (
    CHECKIN_DATE_KEY,
    check_in_instant,
    check_in_section,
)

logger = logging.getLogger(__name__)

OUTCOME_KEY = "outcome"
NOTES_KEY = "notes"
HELD = "held"
MOVE = "move"
STATUSES = tuple(status.value for status in AgreementStatus)


def status_key(agreement_id: int) -> str:
    return f"status_{agreement_id}"


def note_key(agreement_id: int) -> str:
    return f"note_{agreement_id}"


class CheckInFailed(ReviewbotError):
    """The database refused the recording; nothing was written and the user may retry."""


@dataclass(frozen=True, slots=True)
class CheckInRecorded:
    """What adapters need after a recording or a move: whom to tell and what to update."""

    check_in: CheckIn  # as it is now (done, or moved)
    next_check_in: CheckIn | None  # booked after a held check-in
    moved: bool
    employee: Person
    manager: Person
    agreements: list[Agreement]
    sent_nudges: list[Nudge]  # DMs about this check-in that may be updated to show the result


@dataclass(frozen=True, slots=True)
class StatusChanged:
    agreement: Agreement
    employee: Person


class CheckInDesk:
    def __init__(
        self, *, store: Store, clock: Clock, checkin_after_days: int, skip_level_access: bool
    ) -> None:
        self._store = store
        self._clock = clock
        self._after_days = checkin_after_days
        self._guard = AccessGuard(clock=clock, skip_level_access=skip_level_access)

    async def open_for_employee(self, actor: Person, employee: Person, surface: Surface) -> Form:
        """The form for the employee's next scheduled check-in (`/review checkin @person`)."""
        async with self._store.unit_of_work() as uow:
            await self._require(uow, actor, employee, surface)
            check_in = await uow.check_ins.next_for(employee.id)
            if check_in is None:
                raise NotAvailable(messages.no_check_in_booked(employee.name))
            form = await self._form(uow, actor, employee, check_in)
            await self._guard.audit(
                uow, actor, "check_in.open", surface, employee, check_in.review_id
            )
            await uow.commit()
        return form

    async def open(self, actor: Person, check_in_id: int, surface: Surface) -> Form:
        """The same form, from the "record check-in" button of a DM."""
        async with self._store.unit_of_work() as uow:
            check_in, employee = await self._check_in_and_employee(
                uow, actor, check_in_id, surface
            )
            if check_in.status is not CheckInStatus.SCHEDULED:
                raise NotAvailable(messages.CHECK_IN_ALREADY_RECORDED)
            form = await self._form(uow, actor, employee, check_in)
            await self._guard.audit(
                uow, actor, "check_in.open", surface, employee, check_in.review_id
            )
            await uow.commit()
        return form

    async def record(
        self, actor: Person, state: Mapping[str, Any], raw: Mapping[str, Any], surface: Surface
    ) -> CheckInRecorded:
        """Records the check-in as held (and books the next one) or moves it.

        Raises FormRejected with per-field errors, or CheckInFailed when the database
        fails; in both cases nothing is written and the form keeps what was typed.
        """
        check_in_id = _int(state.get("c"))
        try:
            return await self._record(actor, check_in_id, raw, surface)
        except ReviewbotError:
            raise
        except Exception as error:
            logger.exception("recording check-in %s failed", check_in_id)
            raise CheckInFailed(messages.SAVE_FAILED) from error

    async def _record(
        self, actor: Person, check_in_id: int, raw: Mapping[str, Any], surface: Surface
    ) -> CheckInRecorded:
        now = self._clock.now()
        async with self._store.unit_of_work() as uow:
            check_in, employee = await self._check_in_and_employee(
                uow, actor, check_in_id, surface
            )
            if check_in.status is not CheckInStatus.SCHEDULED:
                raise NotAvailable(messages.CHECK_IN_ALREADY_RECORDED)
            form = await self._form(uow, actor, employee, check_in)
            result = validate(form, raw)
            errors = dict(result.errors)
            starts_at = check_in_instant(result.values, time_zone_of(actor))
            if starts_at is not None and starts_at <= now:
                errors[CHECKIN_DATE_KEY] = messages.CHECKIN_IN_PAST
            if errors or starts_at is None:
                raise FormRejected(errors or {CHECKIN_DATE_KEY: messages.FIELD_REQUIRED})

            manager = await self._current_manager(uow, employee, check_in)
            minutes = int(result.values.get("checkin_minutes") or check_in.minutes)
            sent = [
                n
                for n in await uow.nudges.for_check_in(check_in.id)
                if n.state is NudgeState.SENT and n.message_ref
            ]
            if result.values.get(OUTCOME_KEY) == MOVE:
                recorded = await self._move(
                    uow, check_in, employee, manager, starts_at, minutes, now
                )
            else:
                recorded = await self._hold(
                    uow, actor, check_in, employee, manager, result.values, starts_at, minutes, now
                )
            agreements = await uow.agreements.for_review(check_in.review_id)
            action = "check_in.move" if recorded[1] is None else "check_in.record"
            await self._guard.audit(uow, actor, action, surface, employee, check_in.review_id)
            await uow.commit()
        logger.info("check-in %s %s by %s", check_in.id, action, actor.id)
        current, following = recorded
        return CheckInRecorded(
            current, following, following is None, employee, manager, agreements, sent
        )

    async def _hold(
        self,
        uow: UnitOfWork,
        actor: Person,
        check_in: CheckIn,
        employee: Person,
        manager: Person,
        values: Mapping[str, Any],
        next_at: dt.datetime,
        minutes: int,
        now: dt.datetime,
    ) -> tuple[CheckIn, CheckIn | None]:
        for agreement in await uow.agreements.for_review(check_in.review_id):
            chosen = values.get(status_key(agreement.id))
            note = values.get(note_key(agreement.id))
            if chosen and (chosen != agreement.status.value or note):
                await uow.agreements.set_status(
                    agreement.id, AgreementStatus(chosen), author_id=actor.id, at=now, note=note
                )
        done = await uow.check_ins.set_status(
            check_in.id, CheckInStatus.DONE, notes=values.get(NOTES_KEY)
        )
        await uow.nudges.cancel_for_check_in(check_in.id)
        following = await uow.check_ins.add(
            review_id=check_in.review_id,
            employee_id=employee.id,
            manager_id=manager.id,
            starts_at=next_at,
            minutes=minutes,
        )
        await uow.nudges.add_many(nudges_for_check_in(following, employee, manager, now))
        return done, following

    async def _move(
        self,
        uow: UnitOfWork,
        check_in: CheckIn,
        employee: Person,
        manager: Person,
        starts_at: dt.datetime,
        minutes: int,
        now: dt.datetime,
    ) -> tuple[CheckIn, CheckIn | None]:
        moved = await uow.check_ins.move(check_in.id, starts_at=starts_at, minutes=minutes)
        await uow.nudges.cancel_for_check_in(check_in.id)
        await uow.nudges.add_many(nudges_for_check_in(moved, employee, manager, now))
        return moved, None

    async def change_agreement_status(
        self, actor: Person, agreement_id: int, status: str, surface: Surface
    ) -> StatusChanged:
        """A status picked in a DM; only the employee, their manager and HR may pick."""
        async with self._store.unit_of_work() as uow:
            agreement = await uow.agreements.get(agreement_id)
            employee = await uow.people.get(agreement.employee_id) if agreement else None
            if agreement is None or employee is None:
                await self._guard.refuse(uow, actor, "agreement.update", surface, None)
            await self._require(uow, actor, employee, surface, agreement.review_id)
            try:
                new_status = AgreementStatus(status)
            except ValueError as error:
                raise NotAvailable(messages.FORM_OUTDATED) from error
            updated = await uow.agreements.set_status(
                agreement.id, new_status, author_id=actor.id, at=self._clock.now()
            )
            await self._guard.audit(
                uow, actor, "agreement.update", surface, employee, agreement.review_id
            )
            await uow.commit()
        logger.info("agreement %s set to %s by %s", agreement_id, new_status.value, actor.id)
        return StatusChanged(updated, employee)

    # --- shared steps ---------------------------------------------------------------------

    async def _require(
        self,
        uow: UnitOfWork,
        actor: Person,
        employee: Person,
        surface: Surface,
        review_id: int | None = None,
    ) -> None:
        await self._guard.require(
            uow,
            actor,
            Action.UPDATE_STATUS,
            Resource.AGREEMENTS,
            employee=employee,
            surface=surface,
            audit_action="check_in.act",
            review_id=review_id,
        )
        if not employee.active:
            raise UnknownPerson(messages.person_inactive(employee.name))

    async def _check_in_and_employee(
        self, uow: UnitOfWork, actor: Person, check_in_id: int, surface: Surface
    ) -> tuple[CheckIn, Person]:
        check_in = await uow.check_ins.get(check_in_id)
        employee = await uow.people.get(check_in.employee_id) if check_in else None
        if check_in is None or employee is None:
            await self._guard.refuse(uow, actor, "check_in.act", surface, None)
        await self._require(uow, actor, employee, surface, check_in.review_id)
        return check_in, employee

    async def _current_manager(
        self, uow: UnitOfWork, employee: Person, check_in: CheckIn
    ) -> Person:
        manager_id = employee.manager_id or check_in.manager_id
        manager = await uow.people.get(manager_id)
        if manager is None:
            raise NotAvailable(messages.FORM_OUTDATED)
        return manager

    async def _form(
        self, uow: UnitOfWork, actor: Person, employee: Person, check_in: CheckIn
    ) -> Form:
        agreements = await uow.agreements.for_review(check_in.review_id)
        today = self._clock.now().astimezone(time_zone_of(actor)).date()
        when = check_in.starts_at.astimezone(time_zone_of(actor))
        fields: list[FormField] = []
        for agreement in agreements:
            fields.append(
                FormField(
                    key=status_key(agreement.id),
                    label=messages.agreement_status_label(agreement.what),
                    kind=InputKind.DROPDOWN,
                    required=True,
                    options=STATUSES,
                    initial=agreement.status.value,
                )
            )
            fields.append(
                FormField(
                    key=note_key(agreement.id),
                    label=messages.AGREEMENT_NOTE_LABEL,
                    kind=InputKind.TEXT,
                    max_length=500,
                )
            )
        outcome = (
            FormField(
                key=OUTCOME_KEY,
                label=messages.CHECK_IN_OUTCOME_LABEL,
                kind=InputKind.DROPDOWN,
                required=True,
                options=(HELD, MOVE),
                initial=HELD,
                help=messages.CHECK_IN_OUTCOME_HELP,
            ),
            FormField(
                key=NOTES_KEY, label=messages.CHECK_IN_NOTES_LABEL, kind=InputKind.LONG_TEXT
            ),
        )
        return Form(
            kind="checkin",
            title=messages.CHECK_IN_FORM_TITLE,
            submit_label=messages.SAVE,
            sections=(
                FormSection(messages.AGREEMENTS_SECTION, tuple(fields)),
                FormSection(messages.CHECK_IN_RESULT_SECTION, outcome),
                check_in_section({}, today, self._after_days),
            ),
            context=(messages.check_in_context(employee.name, f"{when:%Y-%m-%d %H:%M}"),),
            state={"c": check_in.id},
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise NotAvailable(messages.FORM_OUTDATED) from error
