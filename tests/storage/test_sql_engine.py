"""The engine gives each backend the settings reviewbot relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import async_url, create_engine
from storage.models import Base
from storage.store import SqlStore


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///reviewbot.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///reviewbot.db", "sqlite+aiosqlite"),
        ("postgresql://bot@db/reviews", "postgresql+asyncpg"),
        ("postgres://bot@db/reviews", "postgresql+asyncpg"),
        ("postgresql+asyncpg://bot@db/reviews", "postgresql+asyncpg"),
    ],
)
def test_async_url_gives_plain_urls_their_async_driver(given: str, driver: str) -> None:
    url = async_url(given)

    assert url.drivername == driver


async def test_sqlite_file_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'wal.db'}")

    async with engine.connect() as connection:
        journal_mode = await connection.scalar(text("PRAGMA journal_mode"))
        busy_timeout = await connection.scalar(text("PRAGMA busy_timeout"))
        foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
    await engine.dispose()

    assert journal_mode == "wal"
    assert busy_timeout >= 1000
    assert foreign_keys == 1


async def test_sqlite_in_memory_database_is_shared_by_every_session() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)

    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM people"))
    await engine.dispose()

    assert count == 0


async def test_foreign_keys_are_enforced(store: SqlStore) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(
                text(
                    "INSERT INTO people (email, name, manager_id, role, timezone, active,"
                    " created_at, updated_at) VALUES ('a@example.com', 'A', 4242, 'employee',"
                    " 'UTC', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
