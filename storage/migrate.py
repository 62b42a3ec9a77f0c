"""Bringing a database's schema up to date with Alembic, from inside a running event loop.

Alembic itself is synchronous. Rather than start a second event loop (which fails inside
`reviewbot serve`), the upgrade borrows the async connection's synchronous face through
`run_sync`, and env.py migrates on the connection it is handed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import create_engine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_Migration = Callable[[Connection], None]

# Any fixed number will do, as long as nothing else in the database uses it as a lock key.
_MIGRATION_LOCK_KEY = 7_310_420_193


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code so no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade_database(url: str) -> None:
    """Runs every migration the database has not had yet (`alembic upgrade head`)."""
    await _run_on_database(url, _upgrade_to_head)
    logger.info("Database schema is up to date")


async def downgrade_database(url: str, revision: str) -> None:
    """Undoes migrations down to `revision` ("base" removes every table)."""

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    await _run_on_database(url, downgrade)
    logger.info("Database schema downgraded to %s", revision)


async def _run_on_database(url: str, migrate: _Migration) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await _wait_for_other_replicas(connection)
            await connection.run_sync(migrate)
    finally:
        await engine.dispose()


async def _wait_for_other_replicas(connection: AsyncConnection) -> None:
    """On PostgreSQL, replicas starting together migrate one after the other.

    The lock is released when the migration's transaction ends. SQLite needs nothing: its
    single writer already serialises the migrations.
    """
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
        )


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
