"""The `reviewbot` console script: serve, migrate, import the org chart, manage templates."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from aiohttp import web
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bot.config import Settings, SettingsError, load_settings

app = typer.Typer(
    help="reviewbot: development reviews that drive development, in Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="The org chart.", no_args_is_help=True)
templates_app = typer.Typer(help="Review templates.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(templates_app, name="templates")

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
    asyncio.run(_serve(settings, host=host, port=port, socket_mode=socket_mode))


def _missing_for_serving(settings: Settings, *, socket_mode: bool) -> list[str]:
    if socket_mode:
        missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
        return missing + ([] if settings.slack_app_token else ["SLACK_APP_TOKEN"])
    return settings.missing_for_slack_http()


async def _serve(settings: Settings, *, host: str, port: int, socket_mode: bool) -> None:
    from bot.app import build_services, build_slack_app, build_web_app, prepare_database

    store = await prepare_database(settings)
    services = build_services(settings, store)
    slack_app = build_slack_app(services, socket_mode=socket_mode)
    web_app = build_web_app(services, None if socket_mode else slack_app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("reviewbot listening on %s:%s", host, port)
    try:
        if socket_mode:
            await _run_socket_mode(settings, slack_app)
        else:
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await store.close()


async def _run_socket_mode(settings: Settings, slack_app: object) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.slack_app_token is not None  # checked before serving
    handler = AsyncSocketModeHandler(slack_app, settings.slack_app_token.get_secret_value())
    await handler.start_async()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Run the database migrations up to the newest schema."""
    from storage.migrate import upgrade_database

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
    from adapters.org.csv_import import OrgImportError, format_problems, import_org_chart

    settings = _settings()
    if not file.is_file():
        raise _fail([f"{file}: no such file"])
    try:
        counts = asyncio.run(_import(settings, file, deactivate_missing, import_org_chart))
    except OrgImportError as error:
        lines = format_problems(error.problems, file)
        raise _fail([*lines, f"{len(lines)} problem(s); nothing was imported."]) from None
    console.print(
        f"Imported {file}: {counts.created} created, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.deactivated} deactivated."
    )


async def _import(settings: Settings, file: Path, deactivate: bool, run: object) -> object:
    from bot.app import prepare_database

    store = await prepare_database(settings)
    try:
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task("Reading org chart", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await run(  # type: ignore[operator]
                store,
                file,
                default_timezone=settings.timezone,
                deactivate_missing=deactivate,
                progress=advance,
            )
    finally:
        await store.close()


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


async def _latest_templates(settings: Settings) -> list:  # type: ignore[type-arg]
    from bot.app import prepare_database

    store = await prepare_database(settings)
    try:
        async with store.unit_of_work() as uow:
            return await uow.templates.list_latest()
    finally:
        await store.close()


@templates_app.command("export")
def templates_export(key: Annotated[str, typer.Argument(help="Template key.")]) -> None:
    """Print the newest version of a template as YAML."""
    from bot.templates import template_to_yaml

    templates = {t.key: t for t in asyncio.run(_latest_templates(_settings()))}
    if key not in templates:
        raise _fail([f"no template {key!r}; known: {', '.join(sorted(templates))}"])
    console.print(template_to_yaml(templates[key]), markup=False, highlight=False, end="")


@templates_app.command("import")
def templates_import(file: Annotated[Path, typer.Argument(help="Template YAML file.")]) -> None:
    """Store a template from YAML as a new version of its key."""
    from bot.templates import TemplateError, template_from_yaml

    settings = _settings()
    if not file.is_file():
        raise _fail([f"{file}: no such file"])
    try:
        template = template_from_yaml(file.read_text(encoding="utf-8"))
    except TemplateError as error:
        raise _fail([f"{file}: {problem}" for problem in error.problems]) from None
    stored = asyncio.run(_store_template(settings, template))
    console.print(f"Template {stored.key} is at version {stored.version}.")


async def _store_template(settings: Settings, template: object) -> object:
    from bot.app import prepare_database

    store = await prepare_database(settings)
    try:
        async with store.unit_of_work() as uow:
            stored = await uow.templates.add_version(template)  # type: ignore[arg-type]
            await uow.commit()
            return stored
    finally:
        await store.close()


def main() -> None:
    app()
