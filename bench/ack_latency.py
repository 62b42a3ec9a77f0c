"""Ack latency (SPEC §10): how fast reviewbot answers signed Slack requests, 50 at a time.

Slack gives an app three seconds to acknowledge a slash command or a form submission; the
goal is a p99 under 150 ms on a 2-core machine and within 1.5x of a bare Bolt app that
only acknowledges, measured in the same run. Two workloads are sent to each app:

- commands: `/review show @report` and `/review start @report` by the report's manager
  (`start` opens the form with views.open after the ack: not part of that ack's time,
  but it shares the event loop with the acks of the requests still in flight);
- submissions: the complete review form, alternating a valid save (review, agreements,
  check-in and nudges stored before the ack, DMs after it) with a vague agreement that
  comes back as `response_action: errors`.

How the run is arranged, and why:

- This process serves three aiohttp apps on 127.0.0.1, all in one event loop: the fake
  Slack Web API (`FakeSlack(record=False)`), the real server as `bot.app` assembles it
  (on a fresh SQLite file, or `--database-url`) and the bare Bolt app, served by Bolt's own
  aiohttp adapter, with the same signing secret and Web API client settings.
- The load comes from `bench.slack_load`, started as a separate process for each phase,
  so the client's signing and timing never compete with the servers for one event loop.
  On two cores that leaves one core to the servers, as a one-process deployment has.
- Phases run one at a time, each after the work the previous one left behind (views.open,
  DMs) is done. Per workload, each app gets a warm-up, then the requests are sent in
  rounds that alternate the two apps, so other load on the machine hits both alike; the
  load average is printed too, since a busy machine inflates both.
- The fake Slack API answers the bot's after-ack calls in the servers' loop; on a real
  deployment Slack's servers do that work, so the figures here err on the slow side.

Reading the figures: with a fixed number of requests in flight and the server's event loop
busy, a request waits for the CPU work of the others, so latency grows with concurrency
times the CPU time each request costs the loop, before and after its ack. The ratio to the
bare app is therefore close to the ratio of CPU time per request.

Run it from the repository root with `python -m bench.ack_latency` (or
`python bench/ack_latency.py`). The last line printed is the summary, in key=value form.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if not __package__:  # run as `python bench/ack_latency.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.table import Table
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.modals import read_metadata
from bench.slack_load import (
    KINDS_OF,
    SLACK_PATH,
    TARGETS,
    WORKLOADS,
    Plan,
    ReviewPair,
    Sample,
    samples_from_json,
)
from bot.app import build_services, build_slack_app, build_web_app, prepare_database
from bot.config import Settings, load_settings
from bot.domain import Person
from bot.ports import PersonRow, Store
from bot.review_form import ReviewFormState
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack
from tests.support.slack_signing import FORM_CONTENT_TYPE, sign, slash_command_body

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-token"
REVIEW_COMMAND = "/review"
REVIEW_CALLBACK = "review"
CEO_EMAIL = "ceo@example.com"
FORMS_IN_FLIGHT = 10
SETTLE_WITHIN_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Options:
    requests: int
    concurrency: int
    warmup: int
    rounds: int
    managers: int
    reports: int
    database_url: str | None


@dataclass(frozen=True, slots=True)
class Figures:
    count: int
    p50: float
    p95: float
    p99: float
    max: float
    unexpected: int


@dataclass(frozen=True, slots=True)
class Phase:
    workload: str
    target: str
    samples: list[Sample]


# -- the org and the servers ------------------------------------------------------------------


def org_rows(managers: int, reports: int) -> list[PersonRow]:
    """A CEO, `managers` managers under them and `reports` direct reports each, on Slack."""
    rows = [person_row(CEO_EMAIL, slack_user_id="UCEO")]
    for m in range(managers):
        manager = f"manager{m:03d}@example.com"
        rows.append(person_row(manager, CEO_EMAIL, slack_user_id=f"UM{m:03d}"))
        for r in range(reports):
            report = f"report{m:03d}.{r:02d}@example.com"
            rows.append(person_row(report, manager, slack_user_id=f"UR{m:03d}R{r:02d}"))
    return rows


@asynccontextmanager
async def running_servers(settings: Settings, store: Store) -> AsyncIterator[dict[str, str]]:
    """The real server and the bare Bolt app on loopback ports; yields their base URLs."""
    services = build_services(settings, store)
    slack_session = aiohttp.ClientSession()
    reviewbot = build_web_app(services, build_slack_app(services, session=slack_session))
    bare = bare_bolt_app(settings).web_app(path=SLACK_PATH)

    runners: list[web.AppRunner] = []
    try:
        yield {"reviewbot": await _serve(reviewbot, runners), "bare": await _serve(bare, runners)}
    finally:
        for runner in runners:
            await runner.cleanup()
        await slack_session.close()


def bare_bolt_app(settings: Settings) -> AsyncApp:
    """The baseline: Bolt with the same secret and Web API client, listeners that only ack."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=settings.slack_api_url or "")
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    app.command(REVIEW_COMMAND)(only_ack)
    app.view_submission(REVIEW_CALLBACK)(only_ack)
    return app


async def _serve(app: web.Application, runners: list[web.AppRunner]) -> str:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    runners.append(runner)
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listening).start()
    return f"http://127.0.0.1:{listening.getsockname()[1]}"


def bench_settings(database_url: str, fake: FakeSlack) -> Settings:
    return load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
    )


async def open_review_forms(
    url: str, fake: FakeSlack, people: dict[str, Person]
) -> list[ReviewPair]:
    """Every manager types `/review start` for each report; the forms the bot opens are kept.

    The submissions are built from these views, exactly as Slack echoes a form back.
    """
    by_id = {person.id: person for person in people.values()}
    reports = [p for p in people.values() if p.manager_id and by_id[p.manager_id].manager_id]
    semaphore = asyncio.Semaphore(FORMS_IN_FLIGHT)

    async def start(session: aiohttp.ClientSession, report: Person) -> None:
        manager = by_id[report.manager_id or 0]
        body = slash_command_body(
            text=f"start <@{report.slack_user_id}>",
            user_id=str(manager.slack_user_id),
            response_url=fake.response_url("forms"),
        )
        async with semaphore:
            await post_signed(session, url, body)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(start(session, report) for report in reports))
    await fake.wait_for_calls("views.open", len(reports), within=SETTLE_WITHIN_SECONDS)

    views = {_employee_of(view): view for view in fake.views.values()}
    return [
        ReviewPair(
            manager=str(by_id[report.manager_id or 0].slack_user_id),
            report=str(report.slack_user_id),
            view=views[report.id],
        )
        for report in reports
    ]


def _employee_of(view: dict[str, Any]) -> int:
    _, state = read_metadata(view)
    return ReviewFormState.from_dict(state).employee_id


async def post_signed(session: aiohttp.ClientSession, url: str, body: bytes) -> None:
    headers = {"Content-Type": FORM_CONTENT_TYPE, **sign(body, SIGNING_SECRET)}
    async with session.post(url + SLACK_PATH, data=body, headers=headers) as response:
        await response.read()
        response.raise_for_status()


# -- the phases -------------------------------------------------------------------------------


async def run_bench(options: Options) -> list[Phase]:
    """Sets everything up in a scratch directory, runs every phase, tears it all down."""
    with tempfile.TemporaryDirectory(prefix="ack-latency-") as scratch:
        workdir = Path(scratch)
        database_url = options.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        async with FakeSlack(record=False) as fake:
            settings = bench_settings(database_url, fake)
            store = await prepare_database(settings)
            try:
                people = await add_people(store, org_rows(options.managers, options.reports))
                async with running_servers(settings, store) as urls:
                    idle_tasks = asyncio.all_tasks()
                    pairs = await open_review_forms(urls["reviewbot"], fake, people)
                    plan = Plan(urls, SIGNING_SECRET, fake.response_url("bench"), pairs)
                    plan.write(workdir / "plan.json")
                    return await run_phases(workdir / "plan.json", fake, options, idle_tasks)
            finally:
                await store.close()


async def run_phases(
    plan_path: Path, fake: FakeSlack, options: Options, idle_tasks: set[asyncio.Task[Any]]
) -> list[Phase]:
    """Per workload: a warm-up of each app, then rounds that alternate bare and reviewbot.

    Splitting each app's requests into rounds spreads whatever else the machine is doing
    over both apps alike, instead of letting it land on whichever phase ran at that moment.
    """
    phases = []
    for workload in WORKLOADS:
        for target in TARGETS:
            await drive(plan_path, target, workload, options.warmup, options.concurrency)
            await settle(fake, idle_tasks)

        for requests in _split(options.requests, options.rounds):
            for target in TARGETS:
                samples = await drive(plan_path, target, workload, requests, options.concurrency)
                phases.append(Phase(workload, target, samples))
                await settle(fake, idle_tasks)
    return phases


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` nearly equal, non-empty shares: 10 in 4 is 3, 3, 2, 2."""
    parts = min(parts, total)
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


async def drive(
    plan_path: Path, target: str, workload: str, requests: int, concurrency: int
) -> list[Sample]:
    """Runs the load process for one phase and reads its samples from its output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_load",
        str(plan_path),
        f"--target={target}",
        f"--workload={workload}",
        f"--requests={requests}",
        f"--concurrency={concurrency}",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the load process for {target}/{workload} failed")
    return samples_from_json(output.decode())


async def settle(fake: FakeSlack, idle_tasks: set[asyncio.Task[Any]]) -> None:
    """Waits until the work left after the acks (views.open, DMs, replies) has finished.

    Each connection and each Bolt listener is an asyncio task of this loop, so the servers
    are idle again once every task that was not there before the first request has ended.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_WITHIN_SECONDS
    while (busy := asyncio.all_tasks() - idle_tasks) and loop.time() < deadline:
        await asyncio.wait(busy, timeout=deadline - loop.time())
    if asyncio.all_tasks() - idle_tasks:
        logger.warning("the servers were still busy after %.0f s", SETTLE_WITHIN_SECONDS)
    fake.clear()
    fake.views.clear()


# -- figures and the report -------------------------------------------------------------------


def figures(samples: Sequence[Sample]) -> Figures:
    times = sorted(s.milliseconds for s in samples)
    if len(times) < 2:
        cuts = times * 99 or [0.0] * 99
    else:
        cuts = statistics.quantiles(times, n=100, method="inclusive")
    return Figures(
        count=len(times),
        p50=cuts[49],
        p95=cuts[94],
        p99=cuts[98],
        max=times[-1] if times else 0.0,
        unexpected=sum(not s.as_expected for s in samples),
    )


def samples_of(phases: Sequence[Phase], target: str, workload: str | None = None) -> list[Sample]:
    return [
        sample
        for phase in phases
        if phase.target == target and workload in (None, phase.workload)
        for sample in phase.samples
    ]


def summary_line(phases: Sequence[Phase]) -> str:
    """Every reviewbot request (commands and submissions) against every bare one."""
    reviewbot = figures(samples_of(phases, "reviewbot"))
    bare = figures(samples_of(phases, "bare"))
    ratio = reviewbot.p99 / bare.p99 if bare.p99 else float("inf")
    return (
        f"p50_ms={reviewbot.p50:.1f} p99_ms={reviewbot.p99:.1f} "
        f"bare_p99_ms={bare.p99:.1f} ratio_p99={ratio:.2f}"
    )


def workload_table(phases: Sequence[Phase], workload: str, options: Options) -> Table:
    title = (
        f"{workload}: {' / '.join(KINDS_OF[workload])}, "
        f"{options.requests:,} requests per app, {options.concurrency} in flight"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("app")
    table.add_column("request")
    for heading in ("count", "p50 ms", "p95 ms", "p99 ms", "max ms", "unexpected"):
        table.add_column(heading, justify="right")

    reviewbot = samples_of(phases, "reviewbot", workload)
    bare = samples_of(phases, "bare", workload)
    for kind in KINDS_OF[workload]:
        _add_row(table, "reviewbot", kind, [s for s in reviewbot if s.kind == kind])
    _add_row(table, "reviewbot", "all", reviewbot)
    _add_row(table, "bare", "all", bare)
    mine, base = figures(reviewbot), figures(bare)
    table.add_row(
        "ratio",
        "reviewbot / bare",
        "",
        _ratio(mine.p50, base.p50),
        _ratio(mine.p95, base.p95),
        _ratio(mine.p99, base.p99),
        _ratio(mine.max, base.max),
        "",
    )
    return table


def _add_row(table: Table, app: str, kind: str, samples: Sequence[Sample]) -> None:
    f = figures(samples)
    numbers = (f.p50, f.p95, f.p99, f.max)
    table.add_row(app, kind, str(f.count), *(f"{n:.1f}" for n in numbers), str(f.unexpected))


def _ratio(mine: float, base: float) -> str:
    return f"{mine / base:.2f}x" if base else "-"


def print_report(phases: Sequence[Phase], options: Options, load_before: float) -> None:
    console = Console(width=100)
    backend = "PostgreSQL" if options.database_url else "a fresh SQLite file"
    console.print(
        f"ack latency on {os.cpu_count()} CPUs (load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after): servers (reviewbot, bare Bolt, fake Slack) in "
        f"this process, pid {os.getpid()}; load from a separate process per phase; "
        f"database: {backend}; org: {options.managers} managers with {options.reports} "
        f"reports each; warm-up {options.warmup} requests per app, then {options.rounds} "
        "rounds alternating the apps.",
        highlight=False,
    )
    for workload in WORKLOADS:
        console.print(workload_table(phases, workload, options))
    unexpected = sum(not s.as_expected for phase in phases for s in phase.samples)
    if unexpected:
        console.print(f"{unexpected} answers were not the expected ack (see 'unexpected').")
    print(summary_line(phases))


# -- the command line -------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ack_latency",
        description="Ack latency of reviewbot against a bare Bolt app (SPEC section 10).",
    )
    parser.add_argument("--requests", type=_positive, default=1000, help="per workload and app")
    parser.add_argument("--concurrency", type=_positive, default=50, help="requests in flight")
    parser.add_argument(
        "--warmup", type=_positive, help="untimed requests per app and workload (default 10%%)"
    )
    parser.add_argument(
        "--rounds", type=_positive, default=4, help="alternations of bare and reviewbot"
    )
    parser.add_argument("--managers", type=_positive, default=60)
    parser.add_argument("--reports", type=_positive, default=4, help="direct reports each")
    parser.add_argument(
        "--database-url", help="a scratch PostgreSQL database (default: a temporary SQLite file)"
    )
    arguments = parser.parse_args(argv)
    warmup = arguments.warmup or max(arguments.concurrency, arguments.requests // 10)
    return Options(
        requests=arguments.requests,
        concurrency=arguments.concurrency,
        warmup=warmup,
        rounds=arguments.rounds,
        managers=arguments.managers,
        reports=arguments.reports,
        database_url=arguments.database_url,
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    load_before = os.getloadavg()[0]
    phases = asyncio.run(run_bench(options))

    print_report(phases, options, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
