"""The APScheduler job queue: interval and weekly jobs, failures, overlap and shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from zoneinfo import ZoneInfo

import pytest

from scheduler.job_queue import ApschedulerJobQueue


async def test_an_interval_job_runs_at_start_and_then_every_interval() -> None:
    loop = asyncio.get_running_loop()
    runs: list[float] = []
    queue = ApschedulerJobQueue()

    async def job() -> None:
        runs.append(loop.time())

    queue.every("tick", 0.2, job)
    started = loop.time()
    queue.start()
    try:
        await asyncio.sleep(0.5)
    finally:
        await queue.shutdown()

    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    assert 2 <= len(runs) <= 3
    assert runs[0] - started < 0.1
    assert all(0.18 < gap < 0.4 for gap in gaps), gaps


async def test_a_slow_interval_job_never_runs_twice_at_once() -> None:
    running = 0
    most_at_once = 0
    finished = 0
    queue = ApschedulerJobQueue()

    async def slow_job() -> None:
        nonlocal running, most_at_once, finished
        running += 1
        most_at_once = max(most_at_once, running)
        await asyncio.sleep(0.15)
        running -= 1
        finished += 1

    queue.every("slow", 0.02, slow_job)
    queue.start()
    try:
        await asyncio.sleep(0.6)
    finally:
        await queue.shutdown()

    assert finished >= 2
    assert most_at_once == 1


async def test_a_failing_job_is_logged_and_runs_again_at_its_next_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts = 0
    queue = ApschedulerJobQueue()

    async def broken_job() -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("boom")

    queue.every("broken", 0.05, broken_job)
    with caplog.at_level(logging.ERROR, logger="scheduler.job_queue"):
        queue.start()
        try:
            await asyncio.sleep(0.3)
        finally:
            await queue.shutdown()

    assert attempts >= 2
    assert "Scheduled job broken failed" in caplog.text


async def test_shutdown_cancels_a_running_job_and_waits_for_it_to_end() -> None:
    started = asyncio.Event()
    ended: list[str] = []
    queue = ApschedulerJobQueue()

    async def long_job() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    queue.every("long", 60, long_job)
    queue.start()
    await asyncio.wait_for(started.wait(), 5)

    await asyncio.wait_for(queue.shutdown(), 5)

    assert ended == ["cancelled"]


async def test_a_weekly_job_is_next_due_on_its_weekday_at_that_local_time() -> None:
    queue = ApschedulerJobQueue()

    async def job() -> None:
        return None

    queue.weekly("summary", weekday=0, hour=9, minute=0, timezone="Europe/Stockholm", job=job)
    queue.start()
    try:
        next_run = queue.next_run_time("summary")
    finally:
        await queue.shutdown()

    assert next_run is not None
    local = next_run.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert dt.timedelta(0) < next_run - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
