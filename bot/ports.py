"""The narrow interfaces the core needs from the outside world.

`storage/` implements the store and its repositories, `adapters/` the messengers, and the
wiring in `bot/app.py` hands them to the use cases. The core decides nothing about SQL or
chat platforms; the caller of a unit of work decides when it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
    AgreementStatusChange,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Draft,
    Nudge,
    NudgeKind,
    NudgeState,
    Person,
    Platform,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Template,
)


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One line of an org chart, as the importer hands it to storage."""

    email: str
    name: str
    manager_email: str | None = None
    role: Role = Role.EMPLOYEE
    timezone: str | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int
    deactivated: int = 0


@dataclass(frozen=True, slots=True)
class NewAgreement:
    what: str
    owner: AgreementOwner
    due_on: dt.date
    how_we_know: str


@dataclass(frozen=True, slots=True)
class NewNudge:
    check_in_id: int
    person_id: int
    kind: NudgeKind
    due_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ModuleFigures:
    """Aggregates for HR: counts only, never content."""

    active_people: int
    reviews_last_90_days: int
    open_agreements: int
    overdue_check_ins: int


class PeopleRepository(Protocol):
    async def get(self, person_id: int) -> Person | None: ...

    async def get_many(self, person_ids: Collection[int]) -> dict[int, Person]: ...

    async def by_email(self, email: str) -> Person | None:
        """Case-insensitive."""
        ...

    async def by_slack_id(self, slack_user_id: str) -> Person | None: ...

    async def by_teams_id(self, teams_user_id: str) -> Person | None: ...

    async def link_slack(self, person_id: int, slack_user_id: str) -> None: ...

    async def link_teams(self, person_id: int, teams_user_id: str) -> None: ...

    async def note_platform(self, person_id: int, platform: Platform) -> None:
        """Records the platform the person just used the bot on; writes only on a change."""
        ...

    async def manager_chain(self, person_id: int) -> list[Person]:
        """The person's managers, direct manager first, up to the top; one query."""
        ...

    async def direct_reports(self, manager_id: int) -> list[Person]:
        """Active direct reports, ordered by name."""
        ...

    async def subordinate_ids(self, manager_id: int) -> set[int]:
        """Everyone below the manager, at any depth; one query."""
        ...

    async def all(self) -> list[Person]: ...

    async def upsert(self, rows: Sequence[PersonRow], *, default_timezone: str) -> UpsertCounts:
        """Creates or updates people by e-mail, then sets their managers.

        Rows must already be valid (known managers, no cycles); the importer checks that.
        A row's missing timezone keeps the stored one, or takes the default for new people.
        """
        ...

    async def deactivate_except(self, emails: Collection[str]) -> int:
        """Marks everyone whose e-mail is not listed inactive; returns how many changed."""
        ...


class TemplateRepository(Protocol):
    async def latest(self, key: str) -> Template | None: ...

    async def get(self, key: str, version: int) -> Template | None: ...

    async def list_latest(self) -> list[Template]: ...

    async def add_version(self, template: Template) -> Template:
        """Stores the template as the next version of its key (its own version is ignored).

        If the latest stored version has the same name, kind and fields, that one is
        returned and nothing is written, so importing the same file twice is harmless.
        """
        ...


class ReviewRepository(Protocol):
    async def add(
        self,
        *,
        employee_id: int,
        manager_id: int,
        template: Template,
        held_on: dt.date,
        status: ReviewStatus,
        manager_answers: dict[str, Any],
        employee_answers: dict[str, Any],
    ) -> Review: ...

    async def get(self, review_id: int) -> Review | None: ...

    async def set_employee_answers(self, review_id: int, answers: dict[str, Any]) -> None: ...

    async def complete(
        self,
        review_id: int,
        *,
        manager_id: int,
        template: Template,
        held_on: dt.date,
        manager_answers: dict[str, Any],
    ) -> Review:
        """Turns a `preparing` review into a `completed` one."""
        ...

    async def preparing_for(self, employee_id: int, kind: ReviewKind) -> Review | None: ...

    async def latest_completed(self, employee_id: int, kind: ReviewKind) -> Review | None: ...

    async def list_for(
        self, employee_ids: Collection[int] | None, *, limit: int = 50
    ) -> list[Review]:
        """Reviews of these employees (None: everyone), newest held_on first, then id."""
        ...

    async def held_on_day(self, employee_id: int, day: dt.date) -> list[Review]:
        """Reviews of the employee held on that day, cancelled ones left out."""
        ...

    async def module_figures(self, *, now: dt.datetime) -> ModuleFigures:
        """Counts across the whole module, a fixed number of queries."""
        ...


class AgreementRepository(Protocol):
    async def add_many(
        self, *, review_id: int, employee_id: int, items: Sequence[NewAgreement]
    ) -> list[Agreement]: ...

    async def get(self, agreement_id: int) -> Agreement | None: ...

    async def for_review(self, review_id: int) -> list[Agreement]:
        """In the order they were agreed (position)."""
        ...

    async def set_status(
        self,
        agreement_id: int,
        status: AgreementStatus,
        *,
        author_id: int,
        at: dt.datetime,
        note: str | None = None,
    ) -> Agreement:
        """Changes the status and appends the change to the agreement's history."""
        ...

    async def history(self, agreement_id: int) -> list[AgreementStatusChange]: ...


@dataclass(frozen=True, slots=True)
class CheckInAgenda:
    """A check-in and what it goes through: its review's agreements, in agreed order."""

    check_in: CheckIn
    agreements: list[Agreement]


class CheckInRepository(Protocol):
    async def add(
        self,
        *,
        review_id: int,
        employee_id: int,
        manager_id: int,
        starts_at: dt.datetime,
        minutes: int,
    ) -> CheckIn: ...

    async def get(self, check_in_id: int) -> CheckIn | None: ...

    async def out_of_step(self) -> list[CheckIn]:
        """Scheduled check-ins the org chart has moved on from: the employee left, or now
        reports to someone other than the check-in's manager. One query."""
        ...

    async def reassign(self, check_in_id: int, *, manager_id: int) -> CheckIn: ...

    async def next_for(self, employee_id: int) -> CheckIn | None:
        """The earliest scheduled check-in of the employee, if any."""
        ...

    async def agendas(self, check_in_ids: Collection[int]) -> dict[int, CheckInAgenda]:
        """The check-ins with the agreements of their reviews, by check-in id; one query."""
        ...

    async def move(self, check_in_id: int, *, starts_at: dt.datetime, minutes: int) -> CheckIn:
        """Books the check-in at another time; raises its sequence, or LookupError if unknown.

        The raised sequence is what makes calendars replace the invite they already hold.
        """
        ...

    async def set_status(
        self, check_in_id: int, status: CheckInStatus, *, notes: str | None = None
    ) -> CheckIn:
        """Records the outcome (notes None keeps the stored ones); LookupError if unknown.

        Cancelling raises the sequence, as a calendar cancellation must; cancelling twice
        raises it once.
        """
        ...


class NudgeRepository(Protocol):
    """The outbox of nudges. Every bulk method is one database round trip, whatever its size."""

    async def add_many(self, nudges: Sequence[NewNudge]) -> None: ...

    async def for_check_in(self, check_in_id: int) -> list[Nudge]: ...

    async def claim_due(
        self,
        *,
        now: dt.datetime,
        lease_until: dt.datetime,
        limit: int,
        due_by: dt.datetime | None = None,
    ) -> list[Nudge]:
        """Leases up to `limit` planned nudges due by `due_by` (default `now`), oldest first.

        A nudge is free when it has no lease or its lease ended by `now`. Claiming sets
        `lease_until` and counts an attempt in the same statement; on PostgreSQL rows that
        another transaction is claiming are skipped, so concurrent sweeps never share one.
        The caller commits at once: the lease, not the transaction, guards the delivery.
        """
        ...

    async def mark_sent(self, items: Sequence[tuple[int, str]], *, at: dt.datetime) -> None:
        """(nudge id, platform message ref) pairs: sent at `at`, lease cleared."""
        ...

    async def reschedule(self, items: Sequence[tuple[int, dt.datetime, str]]) -> None:
        """(nudge id, new due_at, last error): tried again later; only planned ones change."""
        ...

    async def mark_failed(self, items: Sequence[tuple[int, str]]) -> None:
        """(nudge id, reason): given up; only planned ones change."""
        ...

    async def mark_cancelled(self, items: Sequence[tuple[int, str]]) -> None:
        """(nudge id, reason): not to be sent after all; only planned ones change."""
        ...

    async def fold_missed(self, *, now: dt.datetime, older_than: dt.timedelta) -> int:
        """Of each person's planned nudges due before `now - older_than`, keeps the newest.

        The others are cancelled as folded into it, so someone back from a long outage
        gets one "you missed this" message rather than a burst. Nudges under a live lease
        are left alone. Returns how many were folded.
        """
        ...

    async def cancel_for_check_in(self, check_in_id: int) -> int:
        """Cancels the check-in's planned nudges (it was recorded, moved or cancelled)."""
        ...

    async def list(self, *, state: NudgeState | None = None, limit: int = 200) -> list[Nudge]:
        """Ordered by due_at, then id."""
        ...


class JobRunRepository(Protocol):
    async def claim(self, job: str, period: str) -> bool:
        """Records that `job` runs for `period`; False if someone already did.

        A lost race leaves the surrounding transaction usable.
        """
        ...


class TeamsConversationRepository(Protocol):
    """Where the bot can write on Teams: stored conversation references.

    A reference is Bot Framework's JSON for a conversation (service URL, conversation,
    bot and user); `bot/` stores and returns it without looking inside.
    """

    async def remember_personal(
        self,
        *,
        aad_object_id: str,
        person_id: int | None,
        reference: dict[str, Any],
        at: dt.datetime,
    ) -> None:
        """Creates or replaces the personal chat of that Teams user (their AAD object id).

        `person_id` None keeps a person linked before: someone who installs the app before
        HR adds them to the org chart is linked on their first message.
        """
        ...

    async def personal_for(self, person: Person) -> dict[str, Any] | None:
        """The person's personal chat: by their Teams user id, else by their person id."""
        ...

    async def remember_hr_channel(
        self, reference: dict[str, Any], *, registered_by: int, at: dt.datetime
    ) -> None:
        """Makes this channel the HR channel, replacing any earlier one."""
        ...

    async def hr_channel(self) -> dict[str, Any] | None: ...


class DraftRepository(Protocol):
    async def get(self, manager_id: int, employee_id: int, kind: ReviewKind) -> Draft | None: ...

    async def save(self, draft: Draft) -> None:
        """Creates or replaces the draft for (manager, employee, kind)."""
        ...

    async def delete(self, manager_id: int, employee_id: int, kind: ReviewKind) -> None: ...


class AuditRepository(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    async def list(
        self, *, review_id: int | None = None, actor_id: int | None = None, limit: int = 100
    ) -> list[AuditEvent]:
        """Newest first."""
        ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    templates: TemplateRepository
    reviews: ReviewRepository
    agreements: AgreementRepository
    check_ins: CheckInRepository
    nudges: NudgeRepository
    job_runs: JobRunRepository
    drafts: DraftRepository
    audit: AuditRepository
    teams: TeamsConversationRepository

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction; leaving the block without `commit()` rolls it back."""
        ...

    async def ping(self) -> None:
        """Raises if the database cannot be reached."""
        ...

    async def close(self) -> None: ...


# --- Delivering nudges --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NudgeMessage:
    """Everything a messenger needs to render one nudge for its one recipient.

    The recipient is always the check-in's employee or the employee's current manager;
    the sweep checks that before it hands a message over.
    """

    nudge_id: int
    kind: NudgeKind
    recipient: Person
    employee: Person
    manager: Person
    check_in: CheckIn
    agreements: list[Agreement]
    missed: bool  # due more than a week before the sweep that sends it


@dataclass(frozen=True, slots=True)
class Sent:
    message_ref: str  # the platform's id of the message, e.g. "D123:1700000000.000100"


@dataclass(frozen=True, slots=True)
class RetryLater:
    """A transient failure. `after_seconds` 0 leaves the delay to the sweep's back-off."""

    after_seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    """A permanent failure, such as an unknown or deactivated user."""

    reason: str


DeliveryOutcome = Sent | RetryLater | Failed


class Messenger(Protocol):
    async def send_nudge(self, message: NudgeMessage) -> DeliveryOutcome:
        """Delivers one nudge; platform errors come back as outcomes, never as exceptions."""
        ...


# --- Recurring jobs --------------------------------------------------------------------------

Job = Callable[[], Awaitable[None]]


class JobQueue(Protocol):
    """Where the core registers its recurring jobs; `scheduler/` implements it."""

    def every(self, name: str, seconds: float, job: Job) -> None:
        """Runs `job` now and then every `seconds`; a run still going is never doubled."""
        ...

    def weekly(
        self, name: str, *, weekday: int, hour: int, minute: int, timezone: str, job: Job
    ) -> None:
        """Runs `job` once a week (weekday 0 is Monday) at that wall-clock time."""
        ...

    def start(self) -> None:
        """Starts running jobs; call it from inside the running event loop."""
        ...

    async def shutdown(self) -> None:
        """Stops starting jobs, cancels those still running and waits for them to end."""
        ...
