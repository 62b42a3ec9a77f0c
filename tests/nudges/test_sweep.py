"""The nudge sweep delivering to a fake Slack over real HTTP, with Slack's failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from bot.domain import CheckInStatus, NudgeKind, NudgeState, Person
from bot.nudges import BACKOFF_SECONDS, SweepReport
from bot.ports import PersonRow
from storage.models import CheckInModel
from storage.repositories.nudges import FOLDED
from storage.store import SqlStore
from tests.support.clock import SettableClock
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import (
    Booked,
    all_nudges,
    book_check_in,
    deliveries,
    message_texts,
    plan,
    slack_sweep,
)

NOW = dt.datetime(2027, 3, 4, 8, 5, tzinfo=dt.UTC)

ORG = [
    person_row("maria@example.com", slack_user_id="UMARIA", timezone="Europe/Stockholm"),
    person_row("alice@example.com", "maria@example.com", slack_user_id="UALICE"),
    person_row("bob@example.com", "maria@example.com", slack_user_id="UBOB"),
    person_row("carl@example.com", "maria@example.com", slack_user_id="UCARL"),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


@pytest.fixture
async def people(store: SqlStore) -> dict[str, Person]:
    return await add_people(store, ORG)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


async def book(store: SqlStore, people: dict[str, Person], employee: str) -> Booked:
    return await book_check_in(
        store,
        employee=people[f"{employee}@example.com"],
        manager=people["maria@example.com"],
        starts_at=NOW + dt.timedelta(hours=2),
    )


async def test_due_nudges_go_once_each_to_their_recipients_and_their_refs_are_stored(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    bookings = [await book(store, people, name) for name in ("alice", "bob", "carl")]
    for booked in bookings:
        await plan(store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE)
    later = await plan(
        store,
        bookings[0],
        people["alice@example.com"],
        due_at=NOW + dt.timedelta(minutes=1),
        kind=NudgeKind.OVERDUE,
    )
    sweep = slack_sweep(store, fake, clock)

    first = await sweep.run_once()
    second = await sweep.run_once()

    stored = await all_nudges(store)
    answers = {
        (call.params["channel"], call.params["blocks"][-1]["elements"][0]["value"])
        for call in fake.calls_to("chat.postMessage")
    }
    assert first == SweepReport(sent=6)
    assert second == SweepReport()
    assert deliveries(fake) == {
        (booked_person.slack_user_id, booked.check_in.id): 1
        for booked in bookings
        for booked_person in (booked.employee, booked.manager)
    }
    assert len(answers) == 6
    sent = [n for n in stored.values() if n.state is NudgeState.SENT]
    assert len(sent) == 6
    assert all(n.message_ref and n.message_ref.startswith("DU") for n in sent)
    assert len({n.message_ref for n in sent}) == 6
    assert stored[later[-1].id].state is NudgeState.PLANNED


async def test_a_rate_limited_nudge_waits_for_retry_after_then_arrives_once(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    [nudge] = await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    sweep = slack_sweep(store, fake, clock)

    throttled = await sweep.run_once()
    waiting = await all_nudges(store)
    clock.advance(seconds=6)
    too_early = await sweep.run_once()
    clock.advance(seconds=1)
    recovered = await sweep.run_once()
    clock.advance(hours=1)
    afterwards = await sweep.run_once()

    assert throttled == SweepReport(retried=1)
    assert (waiting[nudge.id].due_at, waiting[nudge.id].last_error) == (
        NOW + dt.timedelta(seconds=7),
        "ratelimited",
    )
    assert too_early == SweepReport()
    assert recovered == SweepReport(sent=1)
    assert afterwards == SweepReport()
    assert len(fake.calls_to("chat.postMessage")) == 2  # the throttled try and the delivery
    assert (await all_nudges(store))[nudge.id].state is NudgeState.SENT


async def test_server_errors_back_off_exponentially_and_the_nudge_arrives_once_slack_recovers(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    [nudge] = await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    fake.fail_next("chat.postMessage", status=503, count=2)
    sweep = slack_sweep(store, fake, clock)

    reports = [await sweep.run_once()]
    first_retry = (await all_nudges(store))[nudge.id]
    clock.instant = first_retry.due_at
    reports.append(await sweep.run_once())
    second_retry = (await all_nudges(store))[nudge.id]
    clock.instant = second_retry.due_at
    reports.append(await sweep.run_once())

    assert reports == [SweepReport(retried=1), SweepReport(retried=1), SweepReport(sent=1)]
    assert first_retry.due_at == NOW + dt.timedelta(seconds=BACKOFF_SECONDS[0])
    assert second_retry.due_at == first_retry.due_at + dt.timedelta(seconds=BACKOFF_SECONDS[1])
    assert first_retry.last_error == "internal_error"
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert (await all_nudges(store))[nudge.id].attempts == 3


async def test_a_transient_error_ends_failed_after_the_last_attempt(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    [nudge] = await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    fake.fail_next("chat.postMessage", status=500, count=10)
    sweep = slack_sweep(store, fake, clock, max_attempts=3)

    reports = []
    for _ in range(4):
        reports.append(await sweep.run_once())
        clock.advance(hours=2)

    stored = (await all_nudges(store))[nudge.id]
    assert [r.retried for r in reports] == [1, 1, 0, 0]
    assert [r.failed for r in reports] == [0, 0, 1, 0]
    assert stored.state is NudgeState.FAILED
    assert stored.last_error == "internal_error (gave up after 3 attempts)"
    assert len(fake.calls_to("chat.postMessage")) == 3


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "cannot_dm_bot"])
async def test_a_permanent_slack_error_ends_the_nudge_failed_with_slacks_reason(
    store: SqlStore,
    people: dict[str, Person],
    fake: FakeSlack,
    clock: SettableClock,
    error: str,
) -> None:
    booked = await book(store, people, "alice")
    [nudge] = await plan(store, booked, booked.employee, due_at=NOW, kind=NudgeKind.DUE)
    fake.error_next("chat.postMessage", error)
    sweep = slack_sweep(store, fake, clock)

    report = await sweep.run_once()
    clock.advance(days=1)
    again = await sweep.run_once()

    stored = (await all_nudges(store))[nudge.id]
    assert report == SweepReport(failed=1)
    assert again == SweepReport()
    assert (stored.state, stored.last_error) == (NudgeState.FAILED, error)


async def test_someone_slack_does_not_know_fails_as_no_slack_user_and_a_known_one_is_linked(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    newcomers = await add_people(
        store,
        [
            PersonRow("dana@example.com", "Dana", "maria@example.com"),
            PersonRow("erik@example.com", "Erik", "maria@example.com"),
        ],
    )
    fake.users["UDANA"] = {"email": "dana@example.com", "real_name": "Dana"}
    manager = people["maria@example.com"]
    for person in newcomers.values():
        booked = await book_check_in(
            store, employee=person, manager=manager, starts_at=NOW + dt.timedelta(hours=1)
        )
        await plan(store, booked, person, due_at=NOW, kind=NudgeKind.DUE)

    report = await slack_sweep(store, fake, clock).run_once()

    by_person = {n.person_id: n for n in (await all_nudges(store)).values()}
    dana, erik = newcomers["dana@example.com"], newcomers["erik@example.com"]
    async with store.unit_of_work() as uow:
        linked = await uow.people.get(dana.id)
    assert report == SweepReport(sent=1, failed=1)
    assert by_person[dana.id].state is NudgeState.SENT
    assert (by_person[erik.id].state, by_person[erik.id].last_error) == (
        NudgeState.FAILED,
        "no slack user",
    )
    assert linked is not None
    assert linked.slack_user_id == "UDANA"
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["UDANA"]


async def test_a_deactivated_recipient_is_cancelled_and_gets_nothing(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    await plan(store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE)
    async with store.unit_of_work() as uow:
        await uow.people.deactivate_except(
            [row.email for row in ORG if row.email != "maria@example.com"]
        )
        await uow.commit()

    report = await slack_sweep(store, fake, clock).run_once()

    by_person = {n.person_id: n for n in (await all_nudges(store)).values()}
    assert report == SweepReport(sent=1, cancelled=1)
    assert (by_person[booked.manager.id].state, by_person[booked.manager.id].last_error) == (
        NudgeState.CANCELLED,
        "recipient is inactive",
    )
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["UALICE"]


async def test_nudges_of_a_check_in_that_is_no_longer_scheduled_are_cancelled(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    await plan(store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE)
    async with store.unit_of_work() as uow:
        await uow.session.execute(
            update(CheckInModel)
            .where(CheckInModel.id == booked.check_in.id)
            .values(status=CheckInStatus.DONE.value)
        )
        await uow.commit()

    report = await slack_sweep(store, fake, clock).run_once()

    assert report == SweepReport(cancelled=2)
    assert {n.last_error for n in (await all_nudges(store)).values()} == {"check-in is done"}
    assert fake.calls_to("chat.postMessage") == []


async def test_a_manager_the_employee_has_left_gets_no_more_nudges_about_them(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    await plan(store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE)
    await add_people(store, [person_row("alice@example.com", "bob@example.com")])

    report = await slack_sweep(store, fake, clock).run_once()

    by_person = {n.person_id: n for n in (await all_nudges(store)).values()}
    assert report == SweepReport(sent=1, cancelled=1)
    assert by_person[booked.manager.id].last_error == (
        "recipient is neither the employee nor their current manager"
    )
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["UALICE"]


async def test_a_prepare_nudge_for_a_check_in_that_has_begun_is_cancelled(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    await plan(
        store, booked, booked.employee, due_at=NOW - dt.timedelta(days=3), kind=NudgeKind.PREPARE
    )
    clock.instant = booked.check_in.starts_at + dt.timedelta(minutes=1)

    report = await slack_sweep(store, fake, clock).run_once()

    assert report == SweepReport(cancelled=1)
    assert fake.calls_to("chat.postMessage") == []


async def test_after_a_week_of_downtime_each_person_gets_one_missed_message_not_a_burst(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    weeks_ago = NOW - dt.timedelta(days=24)
    bookings = [await book(store, people, name) for name in ("alice", "bob")]
    for booked in bookings:
        for day in range(0, 14, 2):  # one nudge every other day of the downtime, for both
            due_at = weeks_ago + dt.timedelta(days=day)
            await plan(
                store, booked, booked.employee, booked.manager, due_at=due_at, kind=NudgeKind.DUE
            )

    report = await slack_sweep(store, fake, clock).run_once()

    channels = [c.params["channel"] for c in fake.calls_to("chat.postMessage")]
    stored = (await all_nudges(store)).values()
    assert sorted(channels) == ["UALICE", "UBOB", "UMARIA"]
    assert report == SweepReport(sent=3, folded=len(stored) - 3)
    assert {n.last_error for n in stored if n.state is NudgeState.CANCELLED} == {FOLDED}
    assert all("missed" in text for text in message_texts(fake, "UMARIA"))


async def test_the_sweep_claims_batch_after_batch_until_nothing_is_due(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    bookings = [await book(store, people, name) for name in ("alice", "bob", "carl")]
    for booked in bookings:
        await plan(store, booked, booked.employee, booked.manager, due_at=NOW, kind=NudgeKind.DUE)

    report = await slack_sweep(store, fake, clock, batch_size=2, concurrency=2).run_once()

    assert report == SweepReport(sent=6)
    assert set(deliveries(fake).values()) == {1}
    assert len(deliveries(fake)) == 6


async def test_a_sweep_as_of_a_later_instant_delivers_what_is_due_by_then_only(
    store: SqlStore, people: dict[str, Person], fake: FakeSlack, clock: SettableClock
) -> None:
    booked = await book(store, people, "alice")
    await plan(
        store, booked, booked.employee, due_at=NOW + dt.timedelta(hours=1), kind=NudgeKind.DUE
    )
    await plan(
        store, booked, booked.manager, due_at=NOW + dt.timedelta(hours=3), kind=NudgeKind.DUE
    )

    report = await slack_sweep(store, fake, clock).run_once(NOW + dt.timedelta(hours=2))

    assert report == SweepReport(sent=1)
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["UALICE"]
