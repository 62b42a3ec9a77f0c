"""The weekly HR summary slot: one post per ISO week, however many replicas run (SPEC §7).

Every replica's scheduler fires the job; the first to claim the week in the database
posts, the others see the week taken and do nothing. The claim comes before the post, so
a post that fails is not repeated by another replica that week: a missing summary is
easier to notice and ask for (`reviewbot summary --post`) than a doubled one is to undo.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.ports import Clock, Store

logger = logging.getLogger(__name__)

HR_SUMMARY_JOB = "hr_summary"

PostSummary = Callable[[str], Awaitable[None]]


def iso_week(instant: dt.datetime, timezone: str) -> str:
    """The ISO week the instant falls in, in that time zone, such as "2027-W09"."""
    year, week, _ = instant.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


async def log_summary_slot(period: str) -> None:
    """Stands in for the summary itself, which a later issue brings."""
    logger.info("HR summary slot claimed for period %s", period)


class WeeklySummarySlot:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        timezone: str,
        post: PostSummary = log_summary_slot,
    ) -> None:
        self._store = store
        self._clock = clock
        self._timezone = timezone
        self._post = post

    async def run(self) -> bool:
        """Posts this week's summary unless a replica already has; True if this one did."""
        period = iso_week(self._clock.now(), self._timezone)
        async with self._store.unit_of_work() as uow:
            claimed = await uow.job_runs.claim(HR_SUMMARY_JOB, period)
            await uow.commit()

        if not claimed:
            logger.info("HR summary for period %s already claimed elsewhere", period)
            return False
        await self._post(period)
        return True
