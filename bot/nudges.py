"""The nudge sweep: delivering due nudges from the outbox (SPEC §7).

Nudges are rows, planned when a check-in is booked. A sweep (every 30 s in `reviewbot
serve`, or `reviewbot tick`) works through the due ones a batch at a time:

1. claim: one statement leases a batch (PostgreSQL skips rows other sweeps are claiming),
   and the check-ins, agreements and people the messages need are read in the same
   short transaction, a fixed number of queries whatever the batch size;
2. deliver: outside any transaction, up to `concurrency` messages at once go through the
   messenger, each only to its own recipient;
3. record: one statement per kind of outcome stores the whole batch's results.

A sweep that dies between 2 and 3 leaves its leases to run out; the next sweep after that
delivers the batch again. So a crash can repeat the messages of the batch in flight, and
nothing is lost. A sweep that is cancelled (the server stopping) records what it already
delivered before it ends, which narrows the repeats to the messages on the wire.

Transient failures are retried with exponential back-off (or after Slack's Retry-After);
after `max_attempts` claims they end as failed, as permanent failures do at once. A nudge
more than a week late is sent as one "you missed this" message: the older nudges of the
same person are folded into their newest one first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.domain import CheckInStatus, Nudge, NudgeKind, Person
from bot.ports import (
    CheckInAgenda,
    Clock,
    DeliveryOutcome,
    Failed,
    Messenger,
    NudgeMessage,
    RetryLater,
    Sent,
    Store,
)

logger = logging.getLogger(__name__)

MISSED_AFTER = dt.timedelta(days=7)
BACKOFF_SECONDS = (30.0, 120.0, 600.0, 1800.0, 3600.0)
"""Waits before the 2nd, 3rd, … try after a transient error; the last one repeats."""

LEASE_RAN_OUT = "lease ran out before delivery"
# Deliveries start only within this share of the lease, so those on the wire (bounded by
# the HTTP client's timeout) and the recording still finish while the lease holds.
_DELIVERY_SHARE_OF_LEASE = 0.8


@dataclass(frozen=True, slots=True)
class SweepReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    folded: int = 0
    cancelled: int = 0

    def __add__(self, other: SweepReport) -> SweepReport:
        return SweepReport(
            sent=self.sent + other.sent,
            retried=self.retried + other.retried,
            failed=self.failed + other.failed,
            folded=self.folded + other.folded,
            cancelled=self.cancelled + other.cancelled,
        )

    @property
    def anything(self) -> bool:
        return any((self.sent, self.retried, self.failed, self.folded, self.cancelled))

    def __str__(self) -> str:
        return (
            f"sent={self.sent} retried={self.retried} failed={self.failed} "
            f"cancelled={self.cancelled} folded={self.folded}"
        )


def backoff_seconds(attempt: int) -> float:
    """How long to wait after the `attempt`-th try (1-based) failed transiently."""
    return BACKOFF_SECONDS[min(max(attempt, 1), len(BACKOFF_SECONDS)) - 1]


@dataclass(frozen=True, slots=True)
class _Batch:
    """Claimed nudges and what their messages need, read in the claiming transaction."""

    nudges: list[Nudge]
    agendas: dict[int, CheckInAgenda]
    people: dict[int, Person]
    deadline: float  # time.monotonic() after which no delivery of this batch starts


@dataclass(frozen=True, slots=True)
class _Cancel:
    reason: str


@dataclass(frozen=True, slots=True)
class _Release:
    """Not attempted because the lease ran short; free for the next claim at once."""


_Outcome = DeliveryOutcome | _Cancel | _Release


@dataclass(slots=True)
class _Results:
    """Each nudge's outcome, filled in as deliveries finish, and written in bulk."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    retry: list[tuple[int, dt.datetime, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    released: int = 0

    def report(self) -> SweepReport:
        return SweepReport(
            sent=len(self.sent),
            retried=len(self.retry),
            failed=len(self.failed),
            cancelled=len(self.cancelled),
        )


class NudgeSweep:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        messenger: Messenger,
        batch_size: int = 500,
        lease_seconds: float = 300.0,
        concurrency: int = 50,
        max_attempts: int = 8,
    ) -> None:
        self._store = store
        self._clock = clock
        self._messenger = messenger
        self._batch_size = batch_size
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._concurrency = concurrency
        self._max_attempts = max_attempts

    async def run_once(self, now: dt.datetime | None = None) -> SweepReport:
        """Delivers every nudge due by `now` (default: the clock's now) that no one holds.

        Leases and retry times always follow the clock, so a sweep "as of" another
        instant (`reviewbot tick --at`) never steals a lease from a running server.
        """
        as_of = now or self._clock.now()
        report = SweepReport(folded=await self._fold_missed(as_of))

        while True:
            batch = await self._claim(as_of)
            if batch is None:
                break
            results = await self._deliver(batch, as_of)
            report += results.report()
            if len(batch.nudges) < self._batch_size or results.released:
                break

        if report.anything:
            logger.info("nudge sweep: %s", report)
        return report

    async def _fold_missed(self, as_of: dt.datetime) -> int:
        async with self._store.unit_of_work() as uow:
            folded = await uow.nudges.fold_missed(now=as_of, older_than=MISSED_AFTER)
            await uow.commit()
        return folded

    async def _claim(self, as_of: dt.datetime) -> _Batch | None:
        now = self._clock.now()
        started = time.monotonic()
        async with self._store.unit_of_work() as uow:
            nudges = await uow.nudges.claim_due(
                now=now, lease_until=now + self._lease, limit=self._batch_size, due_by=as_of
            )
            if not nudges:
                return None
            agendas = await uow.check_ins.agendas({nudge.check_in_id for nudge in nudges})
            people = await uow.people.get_many(_people_ids(nudges, agendas))
            await uow.commit()

        lease_seconds = self._lease.total_seconds()
        deadline = started + lease_seconds * _DELIVERY_SHARE_OF_LEASE
        return _Batch(nudges=nudges, agendas=agendas, people=people, deadline=deadline)

    async def _deliver(self, batch: _Batch, as_of: dt.datetime) -> _Results:
        """Sends the batch and records the outcomes; a cancelled sweep records what it has."""
        outcomes: list[tuple[Nudge, _Outcome]] = []
        work: list[tuple[Nudge, NudgeMessage]] = []
        for nudge in batch.nudges:
            planned = _message_for(nudge, batch, as_of)
            if isinstance(planned, _Cancel):
                outcomes.append((nudge, planned))
            else:
                work.append((nudge, planned))

        try:
            await self._send_all(iter(work), batch.deadline, outcomes)
        except asyncio.CancelledError:
            await asyncio.shield(self._record(outcomes, as_of))
            raise
        return await self._record(outcomes, as_of)

    async def _send_all(
        self,
        work: Iterator[tuple[Nudge, NudgeMessage]],
        deadline: float,
        outcomes: list[tuple[Nudge, _Outcome]],
    ) -> None:
        """`concurrency` workers share one iterator, so at most that many sends are open."""

        async def worker() -> None:
            for nudge, message in work:
                outcomes.append((nudge, await self._send(message, deadline)))

        async with asyncio.TaskGroup() as workers:
            for _ in range(self._concurrency):
                workers.create_task(worker())

    async def _send(self, message: NudgeMessage, deadline: float) -> _Outcome:
        if time.monotonic() > deadline:
            return _Release()
        try:
            return await self._messenger.send_nudge(message)
        except Exception as error:  # a bug in one message must not stop the others
            logger.exception("nudge %s: messenger raised", message.nudge_id)
            return RetryLater(0, f"unexpected {type(error).__name__}")

    async def _record(
        self, outcomes: list[tuple[Nudge, _Outcome]], as_of: dt.datetime
    ) -> _Results:
        results = self._sort(outcomes, max(as_of, self._clock.now()))
        async with self._store.unit_of_work() as uow:
            await uow.nudges.mark_sent(results.sent, at=self._clock.now())
            await uow.nudges.reschedule(results.retry)
            await uow.nudges.mark_failed(results.failed)
            await uow.nudges.mark_cancelled(results.cancelled)
            await uow.commit()
        return results

    def _sort(self, outcomes: list[tuple[Nudge, _Outcome]], now: dt.datetime) -> _Results:
        """Turns outcomes into rows to write; retries later than `now`, so not this sweep."""
        results = _Results()
        for nudge, outcome in outcomes:
            match outcome:
                case Sent(message_ref):
                    results.sent.append((nudge.id, message_ref))
                case RetryLater(after_seconds, reason) if nudge.attempts < self._max_attempts:
                    wait = after_seconds if after_seconds > 0 else backoff_seconds(nudge.attempts)
                    due_at = now + dt.timedelta(seconds=wait)
                    results.retry.append((nudge.id, due_at, reason))
                case RetryLater(_, reason):
                    gave_up = f"{reason} (gave up after {nudge.attempts} attempts)"
                    results.failed.append((nudge.id, gave_up))
                    logger.warning("nudge %s failed: %s", nudge.id, gave_up)
                case Failed(reason):
                    results.failed.append((nudge.id, reason))
                    logger.warning("nudge %s failed: %s", nudge.id, reason)
                case _Cancel(reason):
                    results.cancelled.append((nudge.id, reason))
                    logger.info("nudge %s cancelled: %s", nudge.id, reason)
                case _Release():
                    results.retry.append((nudge.id, nudge.due_at, LEASE_RAN_OUT))
                    results.released += 1
        return results


def _people_ids(nudges: list[Nudge], agendas: dict[int, CheckInAgenda]) -> set[int]:
    ids = {nudge.person_id for nudge in nudges}
    for agenda in agendas.values():
        ids.update((agenda.check_in.employee_id, agenda.check_in.manager_id))
    return ids


def _message_for(nudge: Nudge, batch: _Batch, as_of: dt.datetime) -> NudgeMessage | _Cancel:
    """The message to send, or why the nudge is not to be sent any more.

    Privacy (SPEC §4): a DM about a review goes only to the employee or their current
    manager. Planning addresses nudges that way, but the org chart may have changed since
    (a new manager, someone leaving), so it is checked again right before sending.
    """
    agenda = batch.agendas.get(nudge.check_in_id)
    if agenda is None:
        return _Cancel("check-in no longer exists")
    check_in = agenda.check_in
    if check_in.status is not CheckInStatus.SCHEDULED:
        return _Cancel(f"check-in is {check_in.status.value}")

    recipient = batch.people.get(nudge.person_id)
    employee = batch.people.get(check_in.employee_id)
    manager = batch.people.get(check_in.manager_id)
    if recipient is None or employee is None or manager is None:
        return _Cancel("person no longer exists")
    if not recipient.active:
        return _Cancel("recipient is inactive")
    if not employee.active:
        return _Cancel("employee is inactive")
    if recipient.id not in (employee.id, employee.manager_id):
        return _Cancel("recipient is neither the employee nor their current manager")

    missed = nudge.due_at < as_of - MISSED_AFTER
    if nudge.kind is NudgeKind.PREPARE and not missed and check_in.starts_at <= as_of:
        return _Cancel("check-in has already begun")

    return NudgeMessage(
        nudge_id=nudge.id,
        kind=nudge.kind,
        recipient=recipient,
        employee=employee,
        manager=manager,
        check_in=check_in,
        agreements=agenda.agreements,
        missed=missed,
    )
