"""Scheduled maintenance: weekly windows in local wall-clock time (following daylight saving
time, see `accord.engine.availability`) plus one-off windows, as merged epoch intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from accord.engine.errors import EngineError
from accord.engine.intervals import EMPTY, IntArray, epoch_interval, merge_intervals
from accord.engine.timeutil import DAY, epoch_to_local, local_to_epoch, zone


@dataclass(frozen=True)
class WeeklyWindow:
    """A maintenance window every week: `weekday` 0 = Monday, `start`/`end` seconds of the local
    day (end may be 86400 = midnight at the end of the day). An overnight window is two windows
    on adjacent days."""

    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int):
            raise EngineError("weekday", "must be an int from 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.weekday <= 6:
            raise EngineError("weekday", f"{self.weekday} is not 0 (Monday) to 6 (Sunday)")
        for name, value in (("start", self.start), ("end", self.end)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DAY:
                raise EngineError(name, f"must be seconds of the day, 0 to {DAY}, not {value!r}")
        if self.start == DAY:
            raise EngineError("start", "must be before the end of the day")
        if self.end <= self.start:
            raise EngineError(
                "end", "must be after start (write an overnight window as two windows)"
            )


@dataclass(frozen=True)
class MaintenanceSchedule:
    """Scheduled maintenance: weekly windows in wall-clock time of `timezone` plus one-off
    windows given as epoch intervals [start, end)."""

    timezone: str
    weekly: tuple[WeeklyWindow, ...] = ()
    windows: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        zone(self.timezone, "timezone")
        for index, window in enumerate(self.weekly):
            if not isinstance(window, WeeklyWindow):
                raise EngineError(f"weekly[{index}]", "must be a WeeklyWindow")
        for index, pair in enumerate(self.windows):
            epoch_interval(pair, f"windows[{index}]")

    def intervals(self, start: int, end: int) -> tuple[IntArray, IntArray]:
        """All maintenance inside [start, end): sorted, merged epoch intervals."""
        if end <= start:
            return EMPTY, EMPTY
        lows: list[int] = [pair[0] for pair in self.windows]
        highs: list[int] = [pair[1] for pair in self.windows]
        if self.weekly:
            tz = zone(self.timezone)
            by_weekday: dict[int, list[WeeklyWindow]] = {}
            for window in self.weekly:
                by_weekday.setdefault(window.weekday, []).append(window)
            # A window lies within its local date, so the local dates of start and end (with a
            # day's margin either side) hold every window that can reach into [start, end).
            day = epoch_to_local(start, tz).date() - timedelta(days=1)
            last = epoch_to_local(end, tz).date() + timedelta(days=1)
            while day <= last:
                for window in by_weekday.get(day.weekday(), ()):
                    lows.append(local_to_epoch(day, window.start, tz))
                    highs.append(local_to_epoch(day, window.end, tz))
                day += timedelta(days=1)
        low_array = np.clip(np.asarray(lows, dtype=np.int64), start, end)
        high_array = np.clip(np.asarray(highs, dtype=np.int64), start, end)
        return merge_intervals(low_array, high_array)
