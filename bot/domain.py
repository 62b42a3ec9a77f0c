"""The domain of reviewbot: people, templates, reviews, agreements, check-ins, nudges.

These are plain value objects. They know nothing of Slack, Teams or SQL, so the same
objects travel from storage through the use cases to every adapter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    EMPLOYEE = "employee"
    HR = "hr"


class ReviewKind(StrEnum):
    DEVELOPMENT = "development"
    SALARY = "salary"


class ReviewStatus(StrEnum):
    PREPARING = "preparing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AgreementOwner(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    BOTH = "both"


class AgreementStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


OPEN_AGREEMENT_STATUSES = frozenset(
    {AgreementStatus.OPEN, AgreementStatus.IN_PROGRESS, AgreementStatus.BLOCKED}
)
"""Agreements still to be delivered: neither done nor dropped."""


class CheckInStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class NudgeKind(StrEnum):
    PREPARE = "prepare"
    DUE = "due"
    OVERDUE = "overdue"


class NudgeState(StrEnum):
    PLANNED = "planned"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DROPDOWN = "dropdown"
    MULTI_DROPDOWN = "multi_dropdown"
    DATE = "date"
    NUMBER = "number"
    RATING = "rating"
    YES_NO = "yes_no"
    TASK_LIST = "task_list"


class Audience(StrEnum):
    MANAGER = "manager"
    EMPLOYEE = "employee"


class Platform(StrEnum):
    """A chat platform a person uses the bot on; nudges go to the one they used last."""

    SLACK = "slack"
    TEAMS = "teams"


class Surface(StrEnum):
    """Where a read or change came from; recorded on every audit event."""

    SLACK = "slack"
    TEAMS = "teams"
    CLI = "cli"
    SCHEDULER = "scheduler"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    email: str
    name: str
    manager_id: int | None = None
    role: Role = Role.EMPLOYEE
    timezone: str = "UTC"
    active: bool = True
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    last_platform: Platform | None = None  # where they last used the bot, if anywhere

    @property
    def is_hr(self) -> bool:
        return self.role is Role.HR


@dataclass(frozen=True, slots=True)
class TemplateField:
    key: str
    label: str
    type: FieldType
    audience: Audience = Audience.MANAGER
    required: bool = False
    help: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    version: int
    name: str
    kind: ReviewKind
    fields: tuple[TemplateField, ...]

    def fields_for(self, audience: Audience) -> tuple[TemplateField, ...]:
        return tuple(f for f in self.fields if f.audience is audience)


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    employee_id: int
    manager_id: int
    template_key: str
    template_version: int
    kind: ReviewKind
    held_on: dt.date
    status: ReviewStatus
    manager_answers: dict[str, Any] = field(default_factory=dict)
    employee_answers: dict[str, Any] = field(default_factory=dict)
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    id: int
    review_id: int
    employee_id: int
    position: int
    what: str
    owner: AgreementOwner
    due_on: dt.date
    how_we_know: str
    status: AgreementStatus = AgreementStatus.OPEN


@dataclass(frozen=True, slots=True)
class AgreementStatusChange:
    agreement_id: int
    status: AgreementStatus
    author_id: int
    at: dt.datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CheckIn:
    id: int
    review_id: int
    employee_id: int
    manager_id: int
    starts_at: dt.datetime  # aware, UTC
    minutes: int = 20
    status: CheckInStatus = CheckInStatus.SCHEDULED
    notes: str | None = None
    # Raised on every move and on cancellation, so calendars replace the invite they hold.
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class Nudge:
    id: int
    check_in_id: int
    person_id: int
    kind: NudgeKind
    due_at: dt.datetime  # aware, UTC
    state: NudgeState = NudgeState.PLANNED
    attempts: int = 0
    last_error: str | None = None
    message_ref: str | None = None
    lease_until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One read, change or refusal. `detail` holds ids and reasons, never content."""

    actor_id: int | None
    action: str
    surface: Surface
    allowed: bool
    review_id: int | None = None
    subject_person_id: int | None = None
    detail: str | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """What a manager typed into a form they closed without saving."""

    manager_id: int
    employee_id: int
    kind: ReviewKind
    answers: dict[str, Any]
    updated_at: dt.datetime | None = None
