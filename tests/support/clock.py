"""A clock tests can set and move, handed to the bot in place of the system clock."""

from __future__ import annotations

import datetime as dt


class SettableClock:
    def __init__(self, instant: dt.datetime) -> None:
        self.instant = instant

    def now(self) -> dt.datetime:
        return self.instant

    def advance(self, **delta: float) -> None:
        self.instant += dt.timedelta(**delta)
