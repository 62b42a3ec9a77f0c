"""The review form: what the manager sees when a review starts, and what comes back.

The form is built from the template's manager fields, the employee's prepared answers
(read-only), last time's agreements with their status, agreement rows and the check-in
booking. `read_review_submission` turns the raw answers into a checked submission or
per-field errors, so Slack and Teams share every rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import messages
from bot.agreements import VaguePhrases, check_agreement
from bot.domain import (
    Agreement,
    AgreementOwner,
    Audience,
    Person,
    Template,
)
from bot.forms import Form, FormAction, FormField, FormSection, InputKind, validate
from bot.planning import time_zone_of
from bot.ports import NewAgreement

START_ROWS = 3
MAX_ROWS = 10
ADD_AGREEMENT_ACTION = "add_agreement"
HELD_ON_KEY = "held_on"
CHECKIN_DATE_KEY = "checkin_date"
CHECKIN_TIME_KEY = "checkin_time"
CHECKIN_MINUTES_KEY = "checkin_minutes"
CHECKIN_LENGTHS = ("15", "20", "30", "45", "60")
DEFAULT_CHECKIN_TIME = "10:00"
ROW_PARTS = ("what", "owner", "due", "how")

# Ids the store hands out fit in 32 bits (PostgreSQL INTEGER). A larger number sent back by
# a client cannot name a row, and the database would refuse even to look it up.
MAX_ID = 2**31 - 1


def is_stored_id(number: int) -> bool:
    """Whether `number` can be the id of a stored row (people, templates, reviews, ...)."""
    return 1 <= number <= MAX_ID


def row_key(index: int, part: str) -> str:
    return f"agreement_{index}_{part}"


def field_key(template_key: str) -> str:
    """Template answers get a prefix so they can never collide with the form's own keys."""
    return f"q_{template_key}"


@dataclass(frozen=True, slots=True)
class ReviewFormState:
    """What travels with the form (Slack private_metadata), kept small and content-free."""

    employee_id: int
    template_key: str
    template_version: int
    rows: int = START_ROWS
    review_id: int | None = None  # the `preparing` review this one completes, if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "e": self.employee_id,
            "t": self.template_key,
            "v": self.template_version,
            "n": self.rows,
            "r": self.review_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewFormState:
        """Raises ValueError on anything that is not a state this module wrote."""
        try:
            state = cls(
                employee_id=int(data["e"]),
                template_key=str(data["t"]),
                template_version=int(data["v"]),
                rows=int(data.get("n", START_ROWS)),
                review_id=int(data["r"]) if data.get("r") is not None else None,
            )
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise ValueError("not a review form state") from error
        if not START_ROWS <= state.rows <= MAX_ROWS:
            raise ValueError("agreement row count out of range")
        ids = (state.employee_id, state.template_version, state.review_id or 1)
        if not all(is_stored_id(number) for number in ids):
            raise ValueError("id out of range")
        return state


@dataclass(frozen=True, slots=True)
class ReviewSubmission:
    held_on: dt.date
    manager_answers: dict[str, Any]
    agreements: list[NewAgreement]
    check_in_at: dt.datetime  # aware, UTC
    check_in_minutes: int


def build_review_form(
    *,
    template: Template,
    employee: Person,
    manager: Person,
    state: ReviewFormState,
    previous: Sequence[Agreement],
    prepared: Mapping[str, Any] | None,
    initial: Mapping[str, Any],
    today: dt.date,
    checkin_after_days: int,
) -> Form:
    """`initial` holds raw answers to pre-fill: a restored draft or what was just typed."""
    sections = [
        *_prepared_section(template, prepared),
        _answers_section(template, initial, today),
        _agreements_section(state.rows, initial),
        check_in_section(initial, today, checkin_after_days),
    ]
    actions: tuple[FormAction, ...] = ()
    if state.rows < MAX_ROWS:
        actions = (FormAction(ADD_AGREEMENT_ACTION, messages.ADD_AGREEMENT),)
    return Form(
        kind="review",
        title=messages.REVIEW_FORM_TITLE,
        submit_label=messages.SAVE,
        sections=tuple(sections),
        context=_context_lines(template, employee, manager, previous),
        state=state.to_dict(),
        actions=actions,
    )


def _context_lines(
    template: Template, employee: Person, manager: Person, previous: Sequence[Agreement]
) -> tuple[str, ...]:
    lines = [messages.review_context(employee.name, manager.name, template.name, template.version)]
    if not previous:
        lines.append(messages.NO_PREVIOUS_AGREEMENTS)
        return tuple(lines)
    lines.append(messages.PREVIOUS_AGREEMENTS)
    lines.extend(messages.agreement_line(a) for a in previous)
    return tuple(lines)


def _prepared_section(template: Template, prepared: Mapping[str, Any] | None) -> list[FormSection]:
    employee_fields = template.fields_for(Audience.EMPLOYEE)
    if not prepared or not employee_fields:
        return []
    fields = tuple(
        FormField.from_template(f, initial=prepared.get(f.key), read_only=True)
        for f in employee_fields
    )
    return [FormSection(messages.PREPARED_SECTION, fields)]


def _answers_section(
    template: Template, initial: Mapping[str, Any], today: dt.date
) -> FormSection:
    held_on = FormField(
        key=HELD_ON_KEY,
        label=messages.HELD_ON_LABEL,
        kind=InputKind.DATE,
        required=True,
        initial=initial.get(HELD_ON_KEY) or today.isoformat(),
    )
    answers = []
    for template_field in template.fields_for(Audience.MANAGER):
        key = field_key(template_field.key)
        base = FormField.from_template(template_field, initial=initial.get(key))
        answers.append(_rekeyed(base, key))
    return FormSection(messages.ANSWERS_SECTION, (held_on, *answers))


def _rekeyed(field: FormField, key: str) -> FormField:
    return FormField(
        key=key,
        label=field.label,
        kind=field.kind,
        required=field.required,
        help=field.help,
        options=field.options,
        initial=field.initial,
        read_only=field.read_only,
        max_length=field.max_length,
        placeholder=field.placeholder,
    )


def _agreements_section(rows: int, initial: Mapping[str, Any]) -> FormSection:
    fields: list[FormField] = []
    for index in range(rows):
        fields.extend(_agreement_row(index, initial))
    return FormSection(
        messages.AGREEMENTS_SECTION, tuple(fields), lines=(messages.AGREEMENTS_HELP,)
    )


def _agreement_row(index: int, initial: Mapping[str, Any]) -> tuple[FormField, ...]:
    number = index + 1
    owners = tuple(owner.value for owner in AgreementOwner)
    return (
        FormField(
            key=row_key(index, "what"),
            label=messages.agreement_what_label(number),
            kind=InputKind.LONG_TEXT,
            initial=initial.get(row_key(index, "what")),
            max_length=500,
            placeholder=messages.AGREEMENT_WHAT_PLACEHOLDER,
        ),
        FormField(
            key=row_key(index, "owner"),
            label=messages.AGREEMENT_OWNER_LABEL,
            kind=InputKind.DROPDOWN,
            options=owners,
            initial=initial.get(row_key(index, "owner")),
        ),
        FormField(
            key=row_key(index, "due"),
            label=messages.AGREEMENT_DUE_LABEL,
            kind=InputKind.DATE,
            initial=initial.get(row_key(index, "due")),
        ),
        FormField(
            key=row_key(index, "how"),
            label=messages.AGREEMENT_HOW_LABEL,
            kind=InputKind.TEXT,
            initial=initial.get(row_key(index, "how")),
            max_length=300,
            placeholder=messages.AGREEMENT_HOW_PLACEHOLDER,
        ),
    )


def check_in_section(
    initial: Mapping[str, Any], today: dt.date, checkin_after_days: int
) -> FormSection:
    default_day = today + dt.timedelta(days=checkin_after_days)
    fields = (
        FormField(
            key=CHECKIN_DATE_KEY,
            label=messages.CHECKIN_DATE_LABEL,
            kind=InputKind.DATE,
            required=True,
            initial=initial.get(CHECKIN_DATE_KEY) or default_day.isoformat(),
        ),
        FormField(
            key=CHECKIN_TIME_KEY,
            label=messages.CHECKIN_TIME_LABEL,
            kind=InputKind.TIME,
            required=True,
            initial=initial.get(CHECKIN_TIME_KEY) or DEFAULT_CHECKIN_TIME,
        ),
        FormField(
            key=CHECKIN_MINUTES_KEY,
            label=messages.CHECKIN_MINUTES_LABEL,
            kind=InputKind.DROPDOWN,
            required=True,
            options=CHECKIN_LENGTHS,
            initial=initial.get(CHECKIN_MINUTES_KEY) or "20",
        ),
    )
    return FormSection(messages.CHECKIN_SECTION, fields)


def read_review_submission(
    form: Form,
    raw: Mapping[str, Any],
    *,
    template: Template,
    manager: Person,
    now: dt.datetime,
    phrases: VaguePhrases,
) -> ReviewSubmission | dict[str, str]:
    """Every rule of the review form in one pass; errors are keyed by field key."""
    result = validate(form, raw)
    errors = dict(result.errors)
    values = result.values
    zone = time_zone_of(manager)
    today = now.astimezone(zone).date()

    held_on = as_date(values.get(HELD_ON_KEY))
    if held_on is not None and held_on > today:
        errors[HELD_ON_KEY] = messages.HELD_ON_IN_FUTURE

    agreements = _read_agreements(form, values, held_on or today, phrases, errors)
    if not agreements and not any(k.startswith("agreement_") for k in errors):
        errors[row_key(0, "what")] = messages.AT_LEAST_ONE_AGREEMENT

    check_in_at = check_in_instant(values, zone)
    if check_in_at is not None and check_in_at <= now:
        errors[CHECKIN_DATE_KEY] = messages.CHECKIN_IN_PAST

    if errors or held_on is None or check_in_at is None:
        return errors or {CHECKIN_DATE_KEY: messages.FIELD_REQUIRED}
    answers = {
        f.key: values[field_key(f.key)]
        for f in template.fields_for(Audience.MANAGER)
        if values.get(field_key(f.key)) is not None
    }
    return ReviewSubmission(
        held_on=held_on,
        manager_answers=answers,
        agreements=agreements,
        check_in_at=check_in_at,
        check_in_minutes=int(values.get(CHECKIN_MINUTES_KEY) or 20),
    )


def _read_agreements(
    form: Form,
    values: Mapping[str, Any],
    held_on: dt.date,
    phrases: VaguePhrases,
    errors: dict[str, str],
) -> list[NewAgreement]:
    rows = ReviewFormState.from_dict(form.state).rows
    agreements = []
    for index in range(rows):
        parts = {part: values.get(row_key(index, part)) for part in ROW_PARTS}
        if all(value in (None, "") for value in parts.values()):
            continue
        due = as_date(parts["due"])
        problems = check_agreement(
            what=str(parts["what"] or ""),
            owner=parts["owner"],
            due_on=due,
            how_we_know=str(parts["how"] or ""),
            held_on=held_on,
            phrases=phrases,
        )
        for part, message in problems.items():
            errors.setdefault(row_key(index, part), message)
        if problems or due is None:
            continue
        agreements.append(
            NewAgreement(
                what=str(parts["what"]).strip(),
                owner=AgreementOwner(str(parts["owner"])),
                due_on=due,
                how_we_know=str(parts["how"]).strip(),
            )
        )
    return agreements


def check_in_instant(values: Mapping[str, Any], zone: ZoneInfo) -> dt.datetime | None:
    day = as_date(values.get(CHECKIN_DATE_KEY))
    time_text = values.get(CHECKIN_TIME_KEY)
    if day is None or not time_text:
        return None
    local_time = dt.time.fromisoformat(str(time_text))
    local = dt.datetime.combine(day, local_time, tzinfo=zone)
    return local.astimezone(dt.UTC)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
