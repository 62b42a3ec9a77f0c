"""Creating the async engine for a database URL, with the settings each backend needs.

SQLite gets foreign keys (off by default there), write-ahead logging for file databases so
readers do not wait for the writer (with synchronous=NORMAL, which WAL keeps safe against
corruption), and a busy timeout so a writer in another process waits instead of failing.
PostgreSQL goes through asyncpg.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 5_000

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def create_engine(url: str) -> AsyncEngine:
    """An engine for `url`; a plain `sqlite://` or `postgresql://` gets its async driver."""
    database_url = async_url(url)
    if database_url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url)
    return create_async_engine(database_url, pool_pre_ping=True)


def async_url(url: str) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_engine(url: URL) -> AsyncEngine:
    in_memory = is_sqlite_memory(url)
    if in_memory:
        # An in-memory database lives and dies with its connection, so every session
        # has to share that one connection.
        engine = create_async_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        # SQLite lets one writer in at a time. Queuing this process's units of work on
        # one connection keeps them from failing with "database is locked" under load;
        # other processes (a `reviewbot tick`, a second server) still wait on busy_timeout.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)

    pragmas = _sqlite_pragmas(wal=not in_memory)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return engine


def _sqlite_pragmas(*, wal: bool) -> list[str]:
    pragmas = ["PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"]
    if wal:
        pragmas += ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]
    return pragmas
