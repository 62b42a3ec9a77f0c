"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import create_engine
from storage.migrate import MIGRATIONS_DIR, downgrade_database, upgrade_database
from storage.models import Base

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def _schema_differences(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


async def _table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


async def test_upgrade_builds_the_schema_the_models_describe(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)

    differences = await _schema_differences(empty_database_url)

    assert differences == []


async def test_upgrade_of_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    await upgrade_database(database_url)

    differences = await _schema_differences(database_url)

    assert differences == []


async def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
    database_url: str,
) -> None:
    await downgrade_database(database_url, "base")
    left_after_downgrade = await _table_names(database_url)

    await upgrade_database(database_url)

    assert left_after_downgrade <= {"alembic_version"}
    assert await _table_names(database_url) >= set(Base.metadata.tables)
    assert await _schema_differences(database_url) == []


def test_alembic_command_line_migrates_the_database_named_by_database_url(
    tmp_path: Path,
) -> None:
    database = tmp_path / "cli.db"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(MIGRATIONS_DIR / "alembic.ini"),
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert database.exists()
