"""The real clock; tests and `reviewbot tick --at` hand in fixed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    instant: dt.datetime

    def now(self) -> dt.datetime:
        return self.instant
