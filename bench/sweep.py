"""Nudge sweep (SPEC §10): 100,000 due nudges delivered to a local fake Slack Web API.

Figures, per database (SQLite, then PostgreSQL when a URL is given):

- nudges per second: due nudges claimed, rendered, posted with chat.postMessage and
  recorded as sent, over the wall-clock time of one `NudgeSweep.run_once()`;
- database round trips per 1,000 nudges: statements the sweep sent, counted with a
  `before_cursor_execute` listener (an executemany counts once). Transaction control
  (BEGIN, COMMIT) is not a cursor statement; it is counted apart and shown in the table;
- peak memory: the peak resident set size of the process that sweeps
  (`resource.getrusage(...).ru_maxrss`), which holds nothing but the sweep; the fake
  Slack's process is not included.

The baseline, measured in the same run, is the fake Slack alone: the same client posting
the same message with the same concurrency, no database. The ratio says how much of that
ceiling the sweep keeps. Goals: at least 2,000 nudges/s on SQLite, at most 10 round trips
per 1,000 nudges, under 300 MB.

How the run is arranged, and why:

- The org is realistic: 5,000 people (500 managers of 9 reports each), 2,500 check-ins,
  each following a review with three agreements, and the nudges spread over them
  (prepare and due to both people, overdue to the manager), all due within the last
  three days, so none counts as missed. Everyone is linked to Slack, as after their
  first contact. The rows are inserted in bulk straight through the store.
- The fake Slack (`FakeSlack(record=False)`) and the sweep each get a process of their
  own, so on two cores the fake's HTTP work does not compete with the sweep's.
- The PostgreSQL database's `public` schema is dropped and rebuilt: point
  `--postgres-url` at a scratch database (the default is REVIEWBOT_TEST_POSTGRES_URL,
  the test database, whose test lock the bench takes while it runs).

Run it from the repository root with `python -m bench.sweep` (or `python bench/sweep.py`).
The last lines are the summaries, SQLite first, in key=value form.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

if not __package__:  # run as `python bench/sweep.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.slack.nudge_messages import nudge_message
from bot.app import build_messenger, build_services, build_slack_client
from bot.config import load_settings
from bot.domain import (
    AgreementOwner,
    AgreementStatus,
    CheckInStatus,
    NudgeKind,
    NudgeState,
    ReviewKind,
    ReviewStatus,
)
from bot.nudges import NudgeSweep
from bot.ports import NewNudge, NudgeMessage
from storage.engine import async_url
from storage.migrate import upgrade_database
from storage.models import AgreementModel, CheckInModel, NudgeModel, ReviewModel, table_of
from storage.store import SqlStore
from tests.support.factories import person_row
from tests.support.fake_slack import FakeSlack

POSTGRES_URL_VARIABLE = "REVIEWBOT_TEST_POSTGRES_URL"
# The lock the test suite holds while it rebuilds that database's schema (tests/conftest.py).
_TEST_SCHEMA_LOCK_KEY = 7_310_420_194

BOT_TOKEN = "xoxb-bench-token"
MANAGERS = 500
REPORTS_PER_MANAGER = 9
CHECK_INS = 2_500
AGREEMENTS_PER_REVIEW = 3
INSERT_CHUNK = 10_000
BASELINE_POSTS = 5_000
SEED = 7

console = Console()


@dataclass(frozen=True, slots=True)
class Options:
    nudges: int
    postgres_url: str | None
    batch_size: int
    concurrency: int


@dataclass(frozen=True, slots=True)
class Figures:
    backend: str
    nudges: int
    seconds: float
    statements: int
    transactions: int
    peak_mb: float
    baseline_per_s: float

    @property
    def per_second(self) -> float:
        return self.nudges / self.seconds

    @property
    def roundtrips_per_1000(self) -> float:
        return self.statements * 1000 / self.nudges

    @property
    def ratio(self) -> float:
        return self.per_second / self.baseline_per_s

    def summary(self) -> str:
        return (
            f"backend={self.backend} nudges_per_s={self.per_second:.1f} "
            f"roundtrips_per_1000={self.roundtrips_per_1000:.2f} peak_mb={self.peak_mb:.1f}"
        )


# -- the org and the outbox ---------------------------------------------------------------------


async def seed(store: SqlStore, nudges: int, now: dt.datetime) -> None:
    """The org, reviews, agreements, check-ins and `nudges` due nudges, in bulk."""
    rows = []
    for m in range(MANAGERS):
        manager = f"manager{m:03d}@example.com"
        rows.append(person_row(manager, slack_user_id=f"UM{m:03d}", timezone="Europe/Stockholm"))
        for r in range(REPORTS_PER_MANAGER):
            email = f"report{m:03d}.{r}@example.com"
            rows.append(person_row(email, manager, slack_user_id=f"UR{m:03d}R{r}"))
    async with store.unit_of_work() as uow:
        await uow.people.upsert(rows, default_timezone="America/New_York")
        await uow.commit()
        people = {person.email: person for person in await uow.people.all()}

    reports = [p for p in people.values() if p.manager_id is not None][:CHECK_INS]
    pairs = [
        (index + 1, report.id, report.manager_id or 0) for index, report in enumerate(reports)
    ]
    async with store.unit_of_work() as uow:
        connection = uow.session
        await connection.execute(insert(table_of(ReviewModel)), _reviews(pairs, now))
        await connection.execute(insert(table_of(AgreementModel)), _agreements(pairs))
        await connection.execute(insert(table_of(CheckInModel)), _check_ins(pairs, now))
        await uow.commit()

    planned = _nudges(pairs, nudges, now)
    for start in range(0, len(planned), INSERT_CHUNK):
        async with store.unit_of_work() as uow:
            await uow.nudges.add_many(planned[start : start + INSERT_CHUNK])
            await uow.commit()


def _reviews(pairs: list[tuple[int, int, int]], now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": review_id,
            "employee_id": employee_id,
            "manager_id": manager_id,
            "template_key": "development",
            "template_version": 1,
            "kind": ReviewKind.DEVELOPMENT.value,
            "held_on": (now - dt.timedelta(days=60)).date(),
            "status": ReviewStatus.COMPLETED.value,
            "manager_answers": {},
            "employee_answers": {},
            "created_at": now,
            "updated_at": now,
        }
        for review_id, employee_id, manager_id in pairs
    ]


def _agreements(pairs: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    statuses = itertools.cycle(AgreementStatus)
    return [
        {
            "review_id": review_id,
            "employee_id": employee_id,
            "position": position,
            "what": f"Lead the delivery of project {review_id}-{position} for our client",
            "owner": AgreementOwner.EMPLOYEE.value,
            "due_on": dt.date(2027, 6, 1),
            "how_we_know": "The client signs off the delivery in writing",
            "status": next(statuses).value,
        }
        for review_id, employee_id, _ in pairs
        for position in range(1, AGREEMENTS_PER_REVIEW + 1)
    ]


def _check_ins(pairs: list[tuple[int, int, int]], now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": review_id,
            "review_id": review_id,
            "employee_id": employee_id,
            "manager_id": manager_id,
            "starts_at": now + dt.timedelta(days=3, minutes=review_id),
            "minutes": 20,
            "status": CheckInStatus.SCHEDULED.value,
            "sequence": 0,
            "created_at": now,
            "updated_at": now,
        }
        for review_id, employee_id, manager_id in pairs
    ]


def _nudges(pairs: list[tuple[int, int, int]], count: int, now: dt.datetime) -> list[NewNudge]:
    """Nudges spread over the check-ins: prepare and due to both, overdue to the manager."""
    chance = random.Random(SEED)
    kinds = (NudgeKind.PREPARE, NudgeKind.DUE, NudgeKind.OVERDUE)
    planned = []
    for number in range(count):
        check_in_id, employee_id, manager_id = pairs[number % len(pairs)]
        kind = kinds[number % 3]
        to_employee = kind is not NudgeKind.OVERDUE and (number // 3) % 2 == 0
        due_at = now - dt.timedelta(minutes=chance.randrange(1, 3 * 24 * 60))
        person_id = employee_id if to_employee else manager_id
        planned.append(NewNudge(check_in_id, person_id, kind, due_at))
    return planned


# -- the databases ----------------------------------------------------------------------------


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / 'reviewbot.db'}"


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[str]:
    """The scratch database with a fresh `public` schema, under the test suite's lock."""
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": _TEST_SCHEMA_LOCK_KEY}
            )
            try:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
                yield url
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _TEST_SCHEMA_LOCK_KEY}
                )
    finally:
        await engine.dispose()


# -- the fake Slack's process -----------------------------------------------------------------


def serve_fake_slack(connection: Connection) -> None:
    """Child process: serve FakeSlack(record=False) until the parent says stop."""
    asyncio.run(_serve_fake_slack(connection))


async def _serve_fake_slack(connection: Connection) -> None:
    async with FakeSlack(record=False) as fake:
        connection.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        connection.send(fake.call_counts["chat.postMessage"])


@asynccontextmanager
async def fake_slack_process() -> AsyncIterator[tuple[str, list[int]]]:
    """Yields the fake's base URL and a list that gets its chat.postMessage count at exit."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve_fake_slack, args=(theirs,), daemon=True)
    process.start()
    posts: list[int] = []
    try:
        yield await asyncio.to_thread(ours.recv), posts
        ours.send("stop")
        posts.append(await asyncio.to_thread(ours.recv))
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


# -- the sweeping process ---------------------------------------------------------------------


def sweep_in_child(arguments: dict[str, Any], connection: Connection) -> None:
    """Child process: the baseline, then one sweep; sends the figures back."""
    connection.send(asyncio.run(_sweep(**arguments)))


async def _sweep(
    *,
    database_url: str,
    slack_url: str,
    now: dt.datetime,
    nudges: int,
    batch_size: int,
    concurrency: int,
) -> dict[str, Any]:
    settings = load_settings(
        DATABASE_URL=database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack_url
    )
    store = SqlStore.from_url(database_url)
    connector = aiohttp.TCPConnector(limit=concurrency)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            client = build_slack_client(settings, retry_rate_limits=False, session=session)
            baseline = await _baseline(client, store, concurrency)
            services = build_services(settings, store)
            sweep = NudgeSweep(
                store=store,
                clock=_Frozen(now),
                messenger=build_messenger(services, client),
                batch_size=batch_size,
                concurrency=concurrency,
            )
            with _Counting(store) as counts:
                started = time.perf_counter()
                report = await sweep.run_once()
                seconds = time.perf_counter() - started
        async with store.unit_of_work() as uow:
            sent = await uow.session.scalar(
                select(func.count()).where(NudgeModel.state == NudgeState.SENT.value)
            )
    finally:
        await store.close()

    if report.sent != nudges or sent != nudges:
        raise RuntimeError(f"expected {nudges} nudges sent, the sweep reported {report}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "statements": counts["statements"],
        "transactions": counts["transactions"],
        "peak_mb": peak_kb / 1024,
        "baseline_per_s": baseline,
    }


class _Frozen:
    def __init__(self, instant: dt.datetime) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant


class _Counting:
    """Counts statements (executemany once) and transactions on the store's engine."""

    def __init__(self, store: SqlStore) -> None:
        self._engine = store.engine.sync_engine
        self.counts = {"statements": 0, "transactions": 0}

    def __enter__(self) -> dict[str, int]:
        event.listen(self._engine, "before_cursor_execute", self._statement)
        event.listen(self._engine, "commit", self._transaction)
        event.listen(self._engine, "rollback", self._transaction)
        return self.counts

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._transaction)
        event.remove(self._engine, "rollback", self._transaction)

    def _statement(self, *_: object) -> None:
        self.counts["statements"] += 1

    def _transaction(self, *_: object) -> None:
        self.counts["transactions"] += 1


async def _baseline(client: Any, store: SqlStore, concurrency: int) -> float:
    """Posts of one typical check-in message with the same client, no database: the ceiling."""
    text, blocks = nudge_message(await _typical_message(store))
    posts = iter(range(BASELINE_POSTS))

    async def worker() -> None:
        for number in posts:
            await client.chat_postMessage(channel=f"UB{number % 100}", text=text, blocks=blocks)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as workers:
        for _ in range(concurrency):
            workers.create_task(worker())
    return BASELINE_POSTS / (time.perf_counter() - started)


async def _typical_message(store: SqlStore) -> NudgeMessage:
    async with store.unit_of_work() as uow:
        agenda = (await uow.check_ins.agendas([1]))[1]
        people = await uow.people.get_many(
            [agenda.check_in.employee_id, agenda.check_in.manager_id]
        )
    employee, manager = people[agenda.check_in.employee_id], people[agenda.check_in.manager_id]
    return NudgeMessage(
        nudge_id=0,
        kind=NudgeKind.DUE,
        recipient=employee,
        employee=employee,
        manager=manager,
        check_in=agenda.check_in,
        agreements=agenda.agreements,
        missed=False,
    )


# -- one backend, start to end ----------------------------------------------------------------


async def bench_backend(backend: str, database_url: str, options: Options) -> Figures:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    await upgrade_database(database_url)
    store = SqlStore.from_url(database_url)
    try:
        started = time.perf_counter()
        await seed(store, options.nudges, now)
        console.print(
            f"{backend}: seeded {options.nudges:,} nudges in {time.perf_counter() - started:.1f} s"
        )
    finally:
        await store.close()

    async with fake_slack_process() as (slack_url, posts):
        arguments = {
            "database_url": database_url,
            "slack_url": slack_url,
            "now": now,
            "nudges": options.nudges,
            "batch_size": options.batch_size,
            "concurrency": options.concurrency,
        }
        measured = await asyncio.to_thread(_run_child, arguments)
    delivered = posts[0] - BASELINE_POSTS
    if delivered != options.nudges:
        raise RuntimeError(f"fake Slack got {delivered} nudges, expected {options.nudges}")
    return Figures(backend=backend, nudges=options.nudges, **measured)


def _run_child(arguments: dict[str, Any]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=sweep_in_child, args=(arguments, theirs))
    process.start()
    try:
        measured: dict[str, Any] = ours.recv()
    except EOFError:
        raise RuntimeError("the sweeping process died; see its output above") from None
    finally:
        process.join()
    return measured


async def run_bench(options: Options) -> list[Figures]:
    figures = []
    async with sqlite_database() as url:
        figures.append(await bench_backend("sqlite", url, options))
    if options.postgres_url:
        async with postgres_database(options.postgres_url) as url:
            figures.append(await bench_backend("postgresql", url, options))
    return figures


# -- output -------------------------------------------------------------------------------------


def print_report(figures: list[Figures], options: Options) -> None:
    table = Table(
        title=f"Nudge sweep: {options.nudges:,} due nudges, batch {options.batch_size}, "
        f"{options.concurrency} at once"
    )
    for heading in (
        "db",
        "s",
        "nudges/s",
        "bare/s",
        "ratio",
        "stmts",
        "/1000",
        "txns",
        "peak MB",
    ):
        table.add_column(heading, justify="right")
    for f in figures:
        table.add_row(
            f.backend,
            f"{f.seconds:.1f}",
            f"{f.per_second:,.0f}",
            f"{f.baseline_per_s:,.0f}",
            f"{f.ratio:.2f}",
            f"{f.statements:,}",
            f"{f.roundtrips_per_1000:.2f}",
            f"{f.transactions:,}",
            f"{f.peak_mb:.1f}",
        )
    console.print(table)
    console.print(
        "bare/s: the same client posting the same message with no database (the baseline); "
        "ratio: nudges/s against it. stmts and /1000: statements sent (executemany once) in "
        "all and per 1,000 nudges; txns: transactions. "
        "peak MB: the sweeping process's peak RSS (getrusage ru_maxrss). "
        "Goals: >= 2,000 nudges/s on SQLite, <= 10 round trips per 1,000 nudges, < 300 MB."
    )
    if not options.postgres_url:
        console.print(f"postgresql: skipped (no --postgres-url, {POSTGRES_URL_VARIABLE} unset)")
    for f in figures:
        print(f.summary())


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nudges", type=int, default=100_000, help="due nudges to deliver")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_VARIABLE),
        help=f"scratch PostgreSQL database (its public schema is rebuilt); "
        f"default ${POSTGRES_URL_VARIABLE}, else PostgreSQL is skipped",
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    arguments = parser.parse_args(argv)
    return Options(
        nudges=arguments.nudges,
        postgres_url=arguments.postgres_url or None,
        batch_size=arguments.batch_size,
        concurrency=arguments.concurrency,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    figures = asyncio.run(run_bench(options))
    print_report(figures, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
