"""A save the database refuses half-way leaves nothing behind and can be retried (SPEC §11).

The review, its agreements and the check-in are written before the nudges, so a trigger
that refuses inserts into `nudges` fails the save in the middle of its transaction. The
trigger is created through the test's own connection to the same database, and dropped
again to show that pressing Save on the same, still-open form then works.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from bot import messages
from bot.domain import Person
from storage.store import SqlStore
from tests.bad_input.checks import nothing_in, review_rows
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import view_submission_payload

SQLITE_REFUSAL = [
    """CREATE TRIGGER refuse_nudges BEFORE INSERT ON nudges
       BEGIN SELECT RAISE(ABORT, 'nudges are refused by the test'); END""",
]
SQLITE_CLEAN_UP = ["DROP TRIGGER refuse_nudges"]
POSTGRES_REFUSAL = [
    """CREATE FUNCTION refuse_nudges() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'nudges are refused by the test'; END $$""",
    """CREATE TRIGGER refuse_nudges BEFORE INSERT ON nudges
       FOR EACH ROW EXECUTE FUNCTION refuse_nudges()""",
]
POSTGRES_CLEAN_UP = ["DROP TRIGGER refuse_nudges ON nudges", "DROP FUNCTION refuse_nudges()"]


@asynccontextmanager
async def nudges_refused(store: SqlStore) -> AsyncIterator[None]:
    """While inside, every INSERT INTO nudges fails in the database itself."""
    sqlite = store.engine.dialect.name == "sqlite"
    await run_ddl(store, SQLITE_REFUSAL if sqlite else POSTGRES_REFUSAL)
    try:
        yield
    finally:
        await run_ddl(store, SQLITE_CLEAN_UP if sqlite else POSTGRES_CLEAN_UP)


async def run_ddl(store: SqlStore, statements: list[str]) -> None:
    async with store.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_a_save_failing_mid_transaction_writes_nothing_and_asks_to_press_save_again(
    slack_bot: SlackBot,
    store: SqlStore,
    people: dict[str, Person],
    caplog: pytest.LogCaptureFixture,
) -> None:
    view = await open_review_form(slack_bot)
    submission = view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))

    async with nudges_refused(store):
        status, answer = await slack_bot.interact(submission)

    assert status == 200
    assert answer == {"response_action": "errors", "errors": {"held_on": messages.SAVE_FAILED}}
    assert "press Save again" in messages.SAVE_FAILED
    assert nothing_in(await review_rows(store))
    assert slack_bot.fake.calls_to("chat.postMessage") == []
    assert slack_bot.fake.calls_to("views.update") == []
    causes = [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert any("nudges are refused by the test" in cause for cause in causes)


async def test_pressing_save_again_after_the_database_recovers_stores_the_review_once(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    submission = view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    async with nudges_refused(store):
        _, refused = await slack_bot.interact(submission)
    assert refused == {"response_action": "errors", "errors": {"held_on": messages.SAVE_FAILED}}

    status, answer = await slack_bot.interact(submission)

    assert (status, answer) == (200, None)
    stored = await review_rows(store)
    assert len(stored["reviews"]) == 1
    assert len(stored["agreements"]) == 1
    assert len(stored["check_ins"]) == 1
    assert stored["nudges"]
    assert {n["check_in_id"] for n in stored["nudges"]} == {stored["check_ins"][0]["id"]}
    dms = await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    assert {dm.params["channel"] for dm in dms} == {"UALICE", "UMGR"}
