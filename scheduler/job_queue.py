"""`bot.ports.JobQueue` on APScheduler 3's AsyncIOScheduler, in the server's event loop.

Jobs are coroutines run in that loop. A job that raises is logged and runs again at its
next time; a job still running when its next time comes is not started twice
(`max_instances=1`), and runs missed while the loop was busy collapse into one
(`coalesce`). Stopping cancels jobs still running and waits for them, so the nudge sweep
can record what it already delivered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.ports import Job

logger = logging.getLogger(__name__)

# A weekly job still runs if the server was busy or restarting up to an hour past its time.
WEEKLY_GRACE_SECONDS = 3600


class ApschedulerJobQueue:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._running: set[asyncio.Task[Any]] = set()

    def every(self, name: str, seconds: float, job: Job) -> None:
        self._scheduler.add_job(
            self._guarded(name, job),
            IntervalTrigger(seconds=seconds),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=dt.datetime.now(dt.UTC),
        )

    def weekly(
        self, name: str, *, weekday: int, hour: int, minute: int, timezone: str, job: Job
    ) -> None:
        trigger = CronTrigger(
            day_of_week=weekday, hour=hour, minute=minute, timezone=ZoneInfo(timezone)
        )
        self._scheduler.add_job(
            self._guarded(name, job),
            trigger,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=WEEKLY_GRACE_SECONDS,
        )

    def start(self) -> None:
        self._scheduler.start()
        logger.info("Scheduler started with %d jobs", len(self._scheduler.get_jobs()))

    async def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        logger.info("Scheduler stopped")

    def next_run_time(self, name: str) -> dt.datetime | None:
        """When the job runs next (None when paused or unknown); for operators and tests."""
        job = self._scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    def _guarded(self, name: str, job: Job) -> Job:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception:
                logger.exception("Scheduled job %s failed; it runs again at its next time", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run
