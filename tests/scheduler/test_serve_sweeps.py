"""`reviewbot serve` runs the nudge sweep on its scheduler; `--no-scheduler` leaves it off."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import NudgeKind, NudgeState
from storage.store import SqlStore
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack
from tests.support.nudges import BOT_TOKEN, all_nudges, book_check_in, plan

REVIEWBOT = str(Path(sys.executable).parent / "reviewbot")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake_slack:
        yield fake_slack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve_for(seconds: float, env: dict[str, str], cwd: Path, *extra: str) -> str:
    """Runs `reviewbot serve` for a while, then stops it the way an operator does."""
    server = await asyncio.create_subprocess_exec(
        REVIEWBOT,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        *extra,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    await asyncio.sleep(seconds)
    server.terminate()
    async with asyncio.timeout(30):
        output, _ = await server.communicate()
    return output.decode()


@pytest.mark.parametrize("scheduler", [True, False], ids=["scheduler", "no-scheduler"])
async def test_serve_delivers_due_nudges_unless_told_not_to_run_the_scheduler(
    store: SqlStore, database_url: str, fake: FakeSlack, tmp_path: Path, scheduler: bool
) -> None:
    people = await add_people(
        store,
        [
            person_row("maria@example.com", slack_user_id="UMARIA"),
            person_row("alice@example.com", "maria@example.com", slack_user_id="UALICE"),
        ],
    )
    now = dt.datetime.now(dt.UTC)
    booked = await book_check_in(
        store,
        employee=people["alice@example.com"],
        manager=people["maria@example.com"],
        starts_at=now + dt.timedelta(hours=1),
    )
    await plan(store, booked, booked.employee, due_at=now, kind=NudgeKind.DUE)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REVIEWBOT_"))}
    env = {
        **clean,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "serve-test-secret",
        "SLACK_API_URL": fake.base_url,
        "REVIEWBOT_SWEEP_SECONDS": "0.5",
    }

    output = await serve_for(6, env, tmp_path, *([] if scheduler else ["--no-scheduler"]))

    [nudge] = (await all_nudges(store)).values()
    calls = fake.calls_to("chat.postMessage")
    if scheduler:
        assert [c.params["channel"] for c in calls] == ["UALICE"], output
        assert nudge.state is NudgeState.SENT
        assert "Scheduler stopped" in output
    else:
        assert calls == []
        assert nudge.state is NudgeState.PLANNED
    assert BOT_TOKEN not in output
