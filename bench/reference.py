"""Naive references that decide who is right when the engine and a peer disagree.

Nothing here uses the engine. `NaiveCalendar` walks local dates one by one and asks `zoneinfo`
for the instants of each date's opening and closing; `MinuteStepper` is slower and more naive
still (it looks at the wall clock once a minute) and only checks `NaiveCalendar` itself.
`plain_uptime` is the availability rule in plain Python: sort, merge in a loop, cut to the
period, subtract maintenance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


class NaiveCalendar:
    """Support ranges [start, end) of local wall-clock time (seconds of the day, end up to
    86400 = the next midnight) on the given weekdays, closed on holidays."""

    def __init__(
        self,
        timezone: str,
        ranges: Sequence[tuple[int, int]],
        weekdays: Iterable[int],
        holidays: Iterable[date],
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.ranges = tuple(sorted(ranges))
        self.weekdays = frozenset(weekdays)
        self.holidays = frozenset(holidays)

    def local_date(self, instant: int) -> date:
        return datetime.fromtimestamp(instant, self.tz).date()

    def instant(self, day: date, seconds: int) -> int:
        """The instant the local wall clock shows `seconds` after midnight on `day`."""
        if seconds == 86_400:
            day, seconds = day + ONE_DAY, 0
        hours, rest = divmod(seconds, 3600)
        wall = time(hours, rest // 60, rest % 60)
        return int(datetime.combine(day, wall, tzinfo=self.tz).timestamp())

    def hours(self, day: date) -> list[tuple[int, int]]:
        """Opening and closing instants of each range of a local date."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return []
        return [(self.instant(day, start), self.instant(day, end)) for start, end in self.ranges]

    def elapsed(self, start: int, end: int) -> int:
        """Support seconds in [start, end)."""
        if end <= start:
            return 0
        total = 0
        day = self.local_date(start) - ONE_DAY
        last = self.local_date(end) + ONE_DAY
        while day <= last:
            for opening, closing in self.hours(day):
                total += max(0, min(end, closing) - max(start, opening))
            day += ONE_DAY
        return total

    def add(self, start: int, seconds: int) -> int:
        """The last instant t with elapsed(start, t) <= seconds (docs/calc.md, convention 2)."""
        remaining = seconds
        day = self.local_date(start) - ONE_DAY
        while True:
            for opening, closing in self.hours(day):
                opening = max(opening, start)
                if opening < closing:
                    if remaining < closing - opening:
                        return opening + remaining
                    remaining -= closing - opening
            day += ONE_DAY

    def is_last_within(self, start: int, seconds: int, due: int) -> bool:
        """`due` is the last instant at which the support time since `start` is <= `seconds`:
        the definition itself, checked with `elapsed`."""
        return self.elapsed(start, due) <= seconds < self.elapsed(start, due + 1)

    def is_first_reaching(self, start: int, seconds: int, due: int) -> bool:
        """`due` is the first instant at which the support time since `start` reaches
        `seconds` (the convention of businesstimedelta)."""
        if self.elapsed(start, due) != seconds:
            return False
        return due <= start or self.elapsed(start, due - 1) < seconds


class MinuteStepper:
    """Support time counted by looking at the local wall clock once a minute.

    Only for minute-aligned instants; it checks `NaiveCalendar` on short spans.
    """

    def __init__(self, calendar: NaiveCalendar) -> None:
        self.calendar = calendar

    def elapsed(self, start: int, end: int) -> int:
        if start % 60 or end % 60:
            raise ValueError("MinuteStepper needs minute-aligned instants")
        cal = self.calendar
        total = 0
        for instant in range(start, end, 60):
            local = datetime.fromtimestamp(instant, cal.tz)
            day = local.date()
            if day.weekday() not in cal.weekdays or day in cal.holidays:
                continue
            wall = local.hour * 3600 + local.minute * 60 + local.second
            if any(low <= wall < high for low, high in cal.ranges):
                total += 60
        return total


def maintenance_windows(
    timezone: str, weekday: int, opening: time, closing: time, period: tuple[int, int]
) -> list[tuple[int, int]]:
    """Weekly windows on `weekday` from `opening` to `closing` local time, cut to the period."""
    tz = ZoneInfo(timezone)
    start, end = period
    day = datetime.fromtimestamp(start, tz).date() - ONE_DAY
    last = datetime.fromtimestamp(end, tz).date() + ONE_DAY
    windows = []
    while day <= last:
        if day.weekday() == weekday:
            low = int(datetime.combine(day, opening, tzinfo=tz).timestamp())
            high = int(datetime.combine(day, closing, tzinfo=tz).timestamp())
            low, high = max(low, start), min(high, end)
            if low < high:
                windows.append((low, high))
        day += ONE_DAY
    return windows


def plain_uptime(
    period: tuple[int, int],
    outages: Sequence[tuple[int, int]],
    windows: Sequence[tuple[int, int]],
    target: Fraction,
) -> tuple[int, int, int, bool, int]:
    """(maintenance, eligible, downtime, met, uptime percent x 1000 floored) of one
    module-region: outages merged (overlapping or touching), cut to the period, maintenance
    (disjoint windows inside the period) excluded from both eligible time and downtime."""
    period_start, period_end = period
    merged: list[list[int]] = []
    for start, end in sorted(outages):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    downtime = 0
    for start, end in merged:
        start, end = max(start, period_start), min(end, period_end)
        if end <= start:
            continue
        seconds = end - start
        for low, high in windows:
            overlap = min(end, high) - max(start, low)
            if overlap > 0:
                seconds -= overlap
        downtime += seconds
    maintenance = sum(high - low for low, high in windows)
    eligible = period_end - period_start - maintenance
    up = Fraction(1) if eligible == 0 else 1 - Fraction(downtime, eligible)
    thousandths = int(up * 100_000 // 1)
    return maintenance, eligible, downtime, up >= target, thousandths
