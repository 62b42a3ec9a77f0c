"""Alembic's environment for reviewbot.

Two ways in. `storage.migrate` hands over an open connection in
`config.attributes["connection"]` (that is how `reviewbot serve` and `reviewbot db upgrade`
migrate, from inside their event loop). The `alembic` command line, which developers use to
write the next revision, gets no connection, so this module opens one itself from
`sqlalchemy.url` or, failing that, from `DATABASE_URL` as the bot's settings read it.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.config import load_settings
from storage.engine import async_url, create_engine
from storage.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline(url: str) -> None:
    """Writes the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=async_url(url),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_on_new_connection(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return load_settings().database_url


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return

    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        run_migrations_offline(database_url())
    else:
        asyncio.run(run_migrations_on_new_connection(database_url()))


main()
