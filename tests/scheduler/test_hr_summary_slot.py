"""The weekly HR summary slot: one post per ISO week, however many replicas fire it."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.summary_slot import WeeklySummarySlot, iso_week
from storage.store import SqlStore
from tests.support.clock import SettableClock

MONDAY_9_STOCKHOLM = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_the_iso_week_is_counted_in_the_org_time_zone() -> None:
    sunday_night_utc = dt.datetime(2027, 2, 28, 23, 30, tzinfo=dt.UTC)

    in_stockholm = iso_week(sunday_night_utc, "Europe/Stockholm")
    in_utc = iso_week(sunday_night_utc, "UTC")

    assert (in_stockholm, in_utc) == ("2027-W09", "2027-W08")


async def test_three_replicas_firing_together_post_the_summary_once_a_week(
    database_url: str,
) -> None:
    replicas = [SqlStore.from_url(database_url) for _ in range(3)]
    clock = SettableClock(MONDAY_9_STOCKHOLM)
    posted: list[str] = []

    async def post(period: str) -> None:
        posted.append(period)

    slots = [
        WeeklySummarySlot(store=store, clock=clock, timezone="Europe/Stockholm", post=post)
        for store in replicas
    ]
    try:
        this_week = await asyncio.gather(*(slot.run() for slot in slots))
        again = await slots[0].run()
        clock.advance(days=7)
        next_week = await asyncio.gather(*(slot.run() for slot in slots))
    finally:
        for store in replicas:
            await store.close()

    assert sorted(this_week) == [False, False, True]
    assert again is False
    assert sorted(next_week) == [False, False, True]
    assert posted == ["2027-W09", "2027-W10"]
