"""Checks the bad-input tests share: what the database holds, and that the bot still works.

Snapshots read every row of the tables straight from the database, so a test sees what
was really written, whichever repository or transaction wrote it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot import messages
from storage.models import Base
from storage.store import SqlStore
from tests.support.slack_bot import SlackBot

# What a review, its agreements, check-in and nudges, and a kept draft are stored in.
REVIEW_TABLES = (
    "reviews",
    "agreements",
    "agreement_status_changes",
    "check_ins",
    "nudges",
    "drafts",
)

Rows = dict[str, list[dict[str, Any]]]


async def table_rows(store: SqlStore, tables: tuple[str, ...] | None = None) -> Rows:
    """Every row of `tables` (default: every table the models declare), in id order."""
    names = tables or tuple(Base.metadata.tables)
    rows: Rows = {}
    async with store.engine.connect() as connection:
        for name in names:
            table = Base.metadata.tables[name]
            result = await connection.execute(select(table).order_by(*table.primary_key))
            rows[name] = [dict(row._mapping) for row in result]
    return rows


async def review_rows(store: SqlStore) -> Rows:
    return await table_rows(store, REVIEW_TABLES)


def nothing_in(rows: Rows) -> bool:
    return all(not table for table in rows.values())


async def assert_still_serving(bot: SlackBot, *, name: str = "still_serving") -> None:
    """The health check answers 200 and `/review help` is still answered."""
    async with bot.session.get(f"{bot.url}/healthz") as health:
        assert health.status == 200

    response = await bot.command("help", user_id="UMGR", response=name)

    assert response.status == 200
    answers = await bot.fake.wait_for_responses(name)
    assert answers[-1].body.get("text") == messages.HELP


async def answer_text(bot: SlackBot, name: str = "command") -> str:
    """The text of the last ephemeral answer posted to the response_url called `name`."""
    answers = await bot.fake.wait_for_responses(name)
    return str(answers[-1].body.get("text", ""))
