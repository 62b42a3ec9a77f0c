"""The `reviewbot` console script: serve, migrate, import the org chart, manage templates."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import aiohttp
import typer
from aiohttp import web
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from slack_bolt.async_app import AsyncApp

from adapters.org.csv_import import OrgImportError, format_problems, import_org_chart
from adapters.slack.directory import SlackDirectory
from adapters.slack.invites import send_org_follow_up_invites
from adapters.teams.app import teams_enabled
from adapters.teams.package import PackageError, build_package
from bot.app import (
    SWEEP_HTTP_TIMEOUT,
    build_messenger,
    build_nudge_sweep,
    build_services,
    build_slack_app,
    build_slack_client,
    build_web_app,
    prepare_database,
    start_scheduler,
)
from bot.config import Settings, SettingsError, load_settings
from bot.domain import Nudge, NudgeState, Template
from bot.follow_ups import OrgFollowUp
from bot.nudges import SweepReport
from bot.ports import Store, UpsertCounts
from bot.templates import TemplateError, template_from_yaml, template_to_yaml
from storage.migrate import upgrade_database

app = typer.Typer(
    help="reviewbot: development reviews that drive development, in Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="The org chart.", no_args_is_help=True)
templates_app = typer.Typer(help="Review templates.", no_args_is_help=True)
teams_app = typer.Typer(help="The Microsoft Teams app.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(templates_app, name="templates")
app.add_typer(teams_app, name="teams")

console = Console()
errors = Console(stderr=True)
logger = logging.getLogger(__name__)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        errors.print("[bold red]reviewbot cannot start: bad settings[/]")
        for problem in error.problems:
            errors.print(f"  - {problem}")
        raise typer.Exit(2) from None


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        errors.print(line, markup=False, highlight=False)
    return typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Reach Slack over Socket Mode (no public URL).")
    ] = False,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="Do not run the nudge sweep in this process.")
    ] = False,
) -> None:
    """Migrate the database and serve Slack (POST /slack/events) and GET /healthz."""
    settings = _settings()
    missing = _missing_for_serving(settings, socket_mode=socket_mode)
    if missing:
        raise _fail([f"reviewbot cannot start: {name} is not set" for name in missing])
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs every run of every job at INFO: twice a minute for the sweep.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    serving = _serve(
        settings, host=host, port=port, socket_mode=socket_mode, scheduler=not no_scheduler
    )
    with contextlib.suppress(asyncio.CancelledError):  # stopped by SIGTERM, see _serve
        asyncio.run(serving)


def _missing_for_serving(settings: Settings, *, socket_mode: bool) -> list[str]:
    """What keeps the server from serving any platform; a Teams-only server needs no Slack."""
    if socket_mode:
        missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
        return missing + ([] if settings.slack_app_token else ["SLACK_APP_TOKEN"])
    slack_started = settings.slack_bot_token or settings.slack_signing_secret
    if not slack_started and teams_enabled(settings):
        return []
    return settings.missing_for_slack_http()


async def _serve(
    settings: Settings, *, host: str, port: int, socket_mode: bool, scheduler: bool
) -> None:

    store = await prepare_database(settings)
    services = build_services(settings, store)
    slack_session = aiohttp.ClientSession()
    slack_app = None
    if socket_mode or settings.slack_http_enabled:
        slack_app = build_slack_app(services, socket_mode=socket_mode, session=slack_session)
    web_app = build_web_app(services, None if socket_mode else slack_app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("reviewbot listening on %s:%s", host, port)
    _stop_on_sigterm()
    jobs = start_scheduler(services) if scheduler else None
    try:
        if socket_mode and slack_app is not None:
            await _run_socket_mode(settings, slack_app)
        else:
            await asyncio.Event().wait()
    finally:
        if jobs is not None:
            await jobs.stop()
        await runner.cleanup()
        await slack_session.close()
        await store.close()


def _stop_on_sigterm() -> None:
    """Containers stop a process with SIGTERM; cancelling the main task then runs the
    clean-up in `_serve`, as Ctrl-C does, so a nudge sweep records what it delivered."""
    main = asyncio.current_task()
    if main is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)


async def _run_socket_mode(settings: Settings, slack_app: AsyncApp) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None  # checked before serving
    handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token.get_secret_value())
    await handler.start_async()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Run the database migrations up to the newest schema."""

    settings = _settings()
    asyncio.run(upgrade_database(settings.database_url))
    console.print("Database is up to date.")


@org_app.command("import")
def org_import(
    file: Annotated[Path, typer.Argument(help="CSV with email,name,manager_email,role,...")],
    deactivate_missing: Annotated[
        bool, typer.Option("--deactivate-missing", help="Mark people not in the file inactive.")
    ] = False,
) -> None:
    """Create or update people from an org-chart CSV: all rows or none."""
    settings = _settings()
    if not file.is_file():
        raise _fail([f"{file}: no such file"])
    try:
        counts = asyncio.run(_import(settings, file, deactivate_missing))
    except OrgImportError as error:
        lines = format_problems(error.problems, file)
        raise _fail([*lines, f"{len(lines)} problem(s); nothing was imported."]) from None
    console.print(
        f"Imported {file}: {counts.created} created, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.deactivated} deactivated."
    )


async def _import(settings: Settings, file: Path, deactivate: bool) -> UpsertCounts:
    store = await prepare_database(settings)
    session = aiohttp.ClientSession()
    try:
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task("Reading org chart", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await import_org_chart(
                store,
                file,
                default_timezone=settings.timezone,
                deactivate_missing=deactivate,
                progress=advance,
                notify=_calendar_updates(settings, store, session),
            )
    finally:
        await session.close()
        await store.close()


def _calendar_updates(
    settings: Settings, store: Store, session: aiohttp.ClientSession
) -> Callable[[OrgFollowUp], Awaitable[None]] | None:
    """Moved or cancelled check-ins update both calendars, where Slack is configured."""
    if settings.slack_bot_token is None:
        return None
    client = build_slack_client(settings, session=session)
    directory = SlackDirectory(store, client)

    async def notify(follow_up: OrgFollowUp) -> None:
        await send_org_follow_up_invites(client, directory, follow_up)

    return notify


@templates_app.command("list")
def templates_list() -> None:
    """List the newest version of every template."""
    templates = asyncio.run(_latest_templates(_settings()))
    table = Table("key", "version", "kind", "name", "fields")
    for template in templates:
        table.add_row(
            template.key,
            str(template.version),
            template.kind.value,
            template.name,
            str(len(template.fields)),
        )
    console.print(table)


async def _latest_templates(settings: Settings) -> list[Template]:
    store = await prepare_database(settings)
    try:
        async with store.unit_of_work() as uow:
            return await uow.templates.list_latest()
    finally:
        await store.close()


@templates_app.command("export")
def templates_export(key: Annotated[str, typer.Argument(help="Template key.")]) -> None:
    """Print the newest version of a template as YAML."""
    templates = {t.key: t for t in asyncio.run(_latest_templates(_settings()))}
    if key not in templates:
        raise _fail([f"no template {key!r}; known: {', '.join(sorted(templates))}"])
    console.print(template_to_yaml(templates[key]), markup=False, highlight=False, end="")


@templates_app.command("import")
def templates_import(file: Annotated[Path, typer.Argument(help="Template YAML file.")]) -> None:
    """Store a template from YAML as a new version of its key."""
    settings = _settings()
    if not file.is_file():
        raise _fail([f"{file}: no such file"])
    try:
        template = template_from_yaml(file.read_text(encoding="utf-8"))
    except TemplateError as error:
        raise _fail([f"{file}: {problem}" for problem in error.problems]) from None
    stored = asyncio.run(_store_template(settings, template))
    console.print(f"Template {stored.key} is at version {stored.version}.")


async def _store_template(settings: Settings, template: Template) -> Template:
    store = await prepare_database(settings)
    try:
        async with store.unit_of_work() as uow:
            stored = await uow.templates.add_version(template)
            await uow.commit()
            return stored
    finally:
        await store.close()


@teams_app.command("package")
def teams_package(
    out: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path(
        "reviewbot-teams.zip"
    ),
    host: Annotated[
        str | None,
        typer.Option(help="Public host that reaches the server, like bot.example.com."),
    ] = None,
    version: Annotated[
        str, typer.Option(help="App version; raise it for every new upload to Teams.")
    ] = "1.0.0",
    developer_name: Annotated[
        str, typer.Option(help="Publisher name Teams shows in the app details.")
    ] = "reviewbot",
    developer_url: Annotated[
        str | None,
        typer.Option(help="HTTPS page for the website, privacy and terms links."),
    ] = None,
) -> None:
    """Write the Teams app zip (manifest.json, color.png, outline.png) for "Upload an app"."""

    settings = _settings()
    if not settings.teams_app_id:
        raise _fail(["reviewbot cannot build the Teams package: TEAMS_APP_ID is not set"])
    try:
        written = build_package(
            out,
            app_id=settings.teams_app_id,
            bot_id=settings.teams_app_id,
            version=version,
            host=host,
            developer_name=developer_name,
            developer_url=developer_url,
        )
    except PackageError as error:
        lines = [f"reviewbot cannot build the Teams package: {p}" for p in error.problems]
        raise _fail(lines) from None
    except OSError as error:
        raise _fail([f"{out}: {error.strerror}"]) from None
    console.print(str(written), markup=False, highlight=False, soft_wrap=True)


@app.command()
def tick(
    at: Annotated[
        str | None,
        typer.Option(
            help="Sweep as of this instant, ISO 8601 such as 2027-03-04T09:05 (without an "
            "offset it is read in REVIEWBOT_TIMEZONE). Default: now."
        ),
    ] = None,
) -> None:
    """Run one nudge sweep: deliver every nudge due by then. Safe while servers sweep."""
    settings = _settings()
    as_of = _instant(at, settings.timezone) if at is not None else None
    if settings.slack_bot_token is None and not teams_enabled(settings):
        raise _fail(["reviewbot cannot deliver nudges: neither SLACK_BOT_TOKEN nor Teams is set"])
    report = asyncio.run(_tick(settings, as_of))
    console.print(str(report), markup=False, highlight=False)


def _instant(text: str, timezone: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(
            [f"--at {text!r} is not an ISO 8601 instant, such as 2027-03-04T09:05"]
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo(timezone))
    return instant.astimezone(dt.UTC)


async def _tick(settings: Settings, as_of: dt.datetime | None) -> SweepReport:

    store = await prepare_database(settings)
    timeout = aiohttp.ClientTimeout(total=SWEEP_HTTP_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            services = build_services(settings, store)
            client = build_slack_client(settings, retry_rate_limits=False, session=session)
            sweep = build_nudge_sweep(services, build_messenger(services, client))
            return await sweep.run_once(as_of)
    finally:
        await store.close()


@app.command("nudges")
def nudges_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only the failed ones.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, earliest due first.")] = 200,
) -> None:
    """List nudges (planned, sent, failed, cancelled), with ids and e-mails only."""
    rows = asyncio.run(_nudges(_settings(), failed=failed, limit=limit))
    if not rows:
        console.print("No failed nudges." if failed else "No nudges.")
        return
    table = Table("id", "kind", "person", "due at (UTC)", "state", "attempts", "last error")
    for nudge, email in rows:
        table.add_row(
            str(nudge.id),
            nudge.kind.value,
            email,
            f"{nudge.due_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
            nudge.state.value,
            str(nudge.attempts),
            nudge.last_error or "",
        )
    console.print(table)


async def _nudges(settings: Settings, *, failed: bool, limit: int) -> list[tuple[Nudge, str]]:

    store = await prepare_database(settings)
    try:
        async with store.unit_of_work() as uow:
            state = NudgeState.FAILED if failed else None
            nudges = await uow.nudges.list(state=state, limit=limit)
            people = await uow.people.get_many({nudge.person_id for nudge in nudges})
    finally:
        await store.close()
    unknown = "?"
    return [(n, people[n.person_id].email if n.person_id in people else unknown) for n in nudges]


def main() -> None:
    app()
