"""`reviewbot tick` and `reviewbot nudges`, run as an operator runs them: real processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import NudgeKind, NudgeState, Person
from storage.store import SqlStore
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import BOT_TOKEN, Booked, all_nudges, book_check_in, plan

REVIEWBOT = str(Path(sys.executable).parent / "reviewbot")
# 09:05 in Stockholm on 4 March 2027 (winter time, UTC+1) is 08:05 UTC.
TICK_AT = "2027-03-04T09:05"
TICK_INSTANT = dt.datetime(2027, 3, 4, 8, 5, tzinfo=dt.UTC)
SECRET = "Lead the delivery"  # the agreements' text (tests.support.nudges)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


@pytest.fixture
def env(database_url: str, fake: FakeSlack, tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REVIEWBOT_"))}
    return {
        **clean,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.base_url,
        "REVIEWBOT_TIMEZONE": "Europe/Stockholm",
        "COLUMNS": "200",
    }


@pytest.fixture
async def booked(store: SqlStore) -> Booked:
    people: dict[str, Person] = await add_people(
        store,
        [
            person_row("maria@example.com", slack_user_id="UMARIA"),
            person_row("alice@example.com", "maria@example.com", slack_user_id="UALICE"),
        ],
    )
    return await book_check_in(
        store,
        employee=people["alice@example.com"],
        manager=people["maria@example.com"],
        starts_at=TICK_INSTANT + dt.timedelta(hours=4),
    )


async def reviewbot(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Runs the console script without blocking the loop the fake Slack answers in."""
    process = await asyncio.create_subprocess_exec(
        REVIEWBOT,
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


@pytest.mark.parametrize("command", ["tick", "nudges"])
async def test_tick_and_nudges_have_help(command: str, tmp_path: Path) -> None:
    status, out, _ = await reviewbot([command, "--help"], dict(os.environ), tmp_path)

    assert status == 0
    assert "Usage" in out
    assert ("--at" if command == "tick" else "--failed") in out


async def test_tick_at_a_local_time_delivers_what_is_due_by_that_instant(
    store: SqlStore, booked: Booked, fake: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    await plan(store, booked, booked.employee, due_at=TICK_INSTANT, kind=NudgeKind.DUE)
    await plan(
        store,
        booked,
        booked.manager,
        due_at=TICK_INSTANT + dt.timedelta(seconds=1),
        kind=NudgeKind.DUE,
    )

    status, out, err = await reviewbot(["tick", "--at", TICK_AT], env, tmp_path)

    stored = {n.person_id: n for n in (await all_nudges(store)).values()}
    assert status == 0, err
    assert "sent=1 " in out
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["UALICE"]
    assert stored[booked.employee.id].state is NudgeState.SENT
    assert stored[booked.manager.id].state is NudgeState.PLANNED


async def test_tick_refuses_an_instant_it_cannot_read(env: dict[str, str], tmp_path: Path) -> None:
    status, _, err = await reviewbot(["tick", "--at", "next tuesday"], env, tmp_path)

    assert status == 2
    assert "ISO 8601" in err


async def test_nudges_failed_lists_the_failed_nudge_with_reason_and_email_but_no_agreement(
    store: SqlStore, booked: Booked, fake: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    await plan(store, booked, booked.employee, due_at=TICK_INSTANT, kind=NudgeKind.DUE)
    await plan(store, booked, booked.manager, due_at=TICK_INSTANT, kind=NudgeKind.DUE)
    fake.users.clear()
    fake.error_next("chat.postMessage", "account_inactive")
    await reviewbot(["tick", "--at", TICK_AT], env, tmp_path)
    failed_id = next(
        n.id for n in (await all_nudges(store)).values() if n.state is NudgeState.FAILED
    )

    status, failed_only, err = await reviewbot(["nudges", "--failed"], env, tmp_path)
    _, everything, _ = await reviewbot(["nudges"], env, tmp_path)

    assert status == 0, err
    assert "account_inactive" in failed_only
    assert str(failed_id) in failed_only
    assert failed_only.count("@example.com") == 1
    assert "sent" not in failed_only
    assert "sent" in everything
    assert "failed" in everything
    assert SECRET not in failed_only + everything
