"""Fixtures shared by the whole suite: a database per test, and a store on top of it.

`database_url` runs every test that asks for it on a fresh SQLite file and, when
REVIEWBOT_TEST_POSTGRES_URL is set, once more on PostgreSQL with a clean `public` schema.
PostgreSQL tests hold an advisory lock while they run, because the schema is shared by
every test process pointed at that database (two engineers, or two CI jobs, at once).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.engine import async_url
from storage.migrate import upgrade_database
from storage.store import SqlStore

POSTGRES_URL_VARIABLE = "REVIEWBOT_TEST_POSTGRES_URL"

# Any fixed number will do; it only has to differ from the lock the migrations take.
_TEST_SCHEMA_LOCK_KEY = 7_310_420_194


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"postgres: runs against the PostgreSQL database in {POSTGRES_URL_VARIABLE}"
    )


def _backends() -> list[object]:
    backends: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_URL_VARIABLE):
        backends.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return backends


@pytest.fixture(params=_backends())
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database without any tables, not even Alembic's."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'reviewbot.db'}"
        return

    url = os.environ[POSTGRES_URL_VARIABLE]
    async with _clean_postgres_schema(url):
        yield url


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test run, copied for each test that needs a database.

    Copying is quicker than migrating anew, which matters to property-based tests that
    want a fresh database for every example (tests/access copies it per example).
    """
    path = tmp_path_factory.mktemp("migrated") / "reviewbot.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def database_url(
    empty_database_url: str, _migrated_sqlite_file: Path, tmp_path: Path
) -> str:
    """The URL of a fresh database migrated to the latest revision."""
    if empty_database_url.startswith("sqlite"):
        shutil.copyfile(_migrated_sqlite_file, tmp_path / "reviewbot.db")
        return empty_database_url

    await upgrade_database(empty_database_url)
    return empty_database_url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A store on a fresh, migrated database; closed after the test."""
    sql_store = SqlStore.from_url(database_url)
    yield sql_store
    await sql_store.close()


@asynccontextmanager
async def _clean_postgres_schema(url: str) -> AsyncIterator[None]:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("SET lock_timeout = '300s'"))
            await connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": _TEST_SCHEMA_LOCK_KEY}
            )
            try:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
                yield
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _TEST_SCHEMA_LOCK_KEY}
                )
    finally:
        await engine.dispose()
