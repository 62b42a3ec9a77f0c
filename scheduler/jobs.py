"""reviewbot's recurring jobs: the nudge sweep and the weekly HR summary slot (SPEC §7)."""

from __future__ import annotations

from bot.nudges import NudgeSweep
from bot.ports import JobQueue
from bot.summary_slot import WeeklySummarySlot

NUDGE_SWEEP_JOB = "nudge_sweep"
HR_SUMMARY_SLOT_JOB = "hr_summary"

HR_SUMMARY_WEEKDAY = 0  # Monday
HR_SUMMARY_HOUR = 9
HR_SUMMARY_MINUTE = 0


def schedule_jobs(
    queue: JobQueue,
    *,
    sweep: NudgeSweep,
    summary: WeeklySummarySlot,
    sweep_seconds: float,
    timezone: str,
) -> None:
    """Sweeps at once and then every `sweep_seconds`; the HR summary Mondays 09:00 local."""

    async def sweep_nudges() -> None:
        await sweep.run_once()

    async def post_hr_summary() -> None:
        await summary.run()

    queue.every(NUDGE_SWEEP_JOB, sweep_seconds, sweep_nudges)
    queue.weekly(
        HR_SUMMARY_SLOT_JOB,
        weekday=HR_SUMMARY_WEEKDAY,
        hour=HR_SUMMARY_HOUR,
        minute=HR_SUMMARY_MINUTE,
        timezone=timezone,
        job=post_hr_summary,
    )
