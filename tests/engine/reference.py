"""A naive support calendar for the property tests: it steps through time a minute at a time.

It shares nothing with `accord.engine.calendar` but `zoneinfo` (and the `holidays` package for
holiday sets). It reads the same calendar object (`timezone`, `weekly`, `holidays`,
`holiday_sets`, `overrides`, `always`) and answers questions about a window of time that lies on
a minute grid:

* every UTC minute of the window (plus a margin) gets its local wall time from `zoneinfo`;
* a wall time W of a local date is the first instant whose wall clock shows W or later. That is
  convention 5 said the long way: a time a DST gap skips is the first instant after the gap, a
  time that occurs twice is its first occurrence, and `24:00` is the next date's midnight;
* a date's support ranges, override else nothing on a holiday else weekly, become the instants
  [first instant showing start, first instant showing end); a minute is support time when it
  lies in one of them;
* `elapsed`, `add`, `reach`, `add_days` walk those minutes (and the seconds inside one).

Every zone the tests use changes its offset on a whole minute, and every range starts and ends on
a whole minute, so support time is constant within each minute of the grid. The answers are
exact to the second. A question whose answer lies outside the window returns None.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_package

MINUTE = 60
DAY = 86_400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Local dates reach at most 14 hours either side of their UTC date; two days covers them whole.
MARGIN = 2 * DAY


def clock_seconds(text: str) -> int:
    """Seconds after midnight of `HH:MM` or `HH:MM:SS` (`24:00` included)."""
    parts = [int(part) for part in text.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


class ReferenceCalendar:
    """The support time of one calendar object over [low, high) (epoch seconds, whole minutes)."""

    def __init__(self, data: Mapping[str, Any], low: int, high: int) -> None:
        assert low % MINUTE == 0 and high % MINUTE == 0 and low < high
        self.tz = ZoneInfo(data.get("timezone", "UTC"))
        self.low, self.high = low, high
        self.always = bool(data.get("always", False))
        self.weekly = {
            day: [
                (clock_seconds(a), clock_seconds(b)) for a, b in data.get("weekly", {}).get(day, [])
            ]
            for day in WEEKDAYS
        }
        self.holidays = {date.fromisoformat(text) for text in data.get("holidays", [])}
        years = list(range(self.wall(low).year - 1, self.wall(high).year + 2))
        for item in data.get("holiday_sets", []):
            found = holidays_package.country_holidays(
                item["country"], subdiv=item.get("subdiv"), years=years
            )
            self.holidays |= set(found.keys())
        self.overrides = {
            date.fromisoformat(key): [(clock_seconds(a), clock_seconds(b)) for a, b in value]
            for key, value in data.get("overrides", {}).items()
        }

        # Every minute of the scanned stretch, with its wall time and the highest wall time shown
        # so far (wall time runs backwards when the clocks fall back).
        self.scan_low, self.scan_high = low - MARGIN, high + MARGIN
        self.minutes = list(range(self.scan_low, self.scan_high, MINUTE))
        self.walls = [self.wall(minute) for minute in self.minutes]
        self.highest: list[datetime] = []
        for wall in self.walls:
            self.highest.append(max(wall, self.highest[-1]) if self.highest else wall)

        # The support instants of every local date the scan covers whole.
        self.support = [False] * len(self.minutes)
        self.support_dates: list[date] = []
        self.edges: set[int] = set()  # every opening and closing instant
        first = self.walls[0].date() + timedelta(days=1)
        last = self.walls[-1].date() - timedelta(days=1)
        self.first_date, self.last_date = first, last
        day = first
        while day <= last:
            has_time = False
            for start, end in self.ranges(day):
                assert start % MINUTE == 0 and end % MINUTE == 0, "ranges on a minute grid only"
                opens = self.first_showing(datetime.combine(day, time()) + timedelta(seconds=start))
                closes = self.first_showing(datetime.combine(day, time()) + timedelta(seconds=end))
                assert opens is not None and closes is not None
                for index in range(self.index(opens), self.index(closes)):
                    self.support[index] = True
                has_time = has_time or closes > opens
                self.edges |= {opens, closes}
            if has_time:
                self.support_dates.append(day)
            day += timedelta(days=1)

    # -- the calendar, the slow way ------------------------------------------------------------

    def ranges(self, day: date) -> list[tuple[int, int]]:
        if self.always:
            return [(0, DAY)]
        if day in self.overrides:
            return self.overrides[day]
        if day in self.holidays:
            return []
        return self.weekly[WEEKDAYS[day.weekday()]]

    def wall(self, instant: int) -> datetime:
        """The naive local wall time of an epoch second."""
        return datetime.fromtimestamp(instant, UTC).astimezone(self.tz).replace(tzinfo=None)

    def first_showing(self, wall: datetime) -> int | None:
        """The first instant whose wall clock shows `wall` or later (None: not in the scan)."""
        whole = wall.replace(second=0, microsecond=0)
        index = bisect.bisect_left(self.highest, whole)
        if index == 0 or index >= len(self.minutes):
            return None
        instant = self.minutes[index]
        if self.walls[index] == whole:  # the wall clock shows `whole` here: add the seconds
            return instant + wall.second
        return instant  # `wall` lies in a gap: the first instant after it

    def index(self, instant: int) -> int:
        return (instant - self.scan_low) // MINUTE

    def inside(self, instant: int) -> bool:
        return self.low <= instant < self.high

    # -- the questions ---------------------------------------------------------------------------

    def is_open(self, instant: int) -> bool:
        assert self.inside(instant)
        return self.support[self.index(instant)]

    def elapsed(self, start: int, end: int) -> int:
        """Support seconds in [start, end), one minute at a time."""
        assert self.inside(start) and self.low <= end <= self.high
        total = 0
        moment = start
        while moment < end:
            minute_end = moment - (moment - self.scan_low) % MINUTE + MINUTE
            step_end = min(minute_end, end)
            if self.support[self.index(moment)]:
                total += step_end - moment
            moment = step_end
        return total

    def add(self, start: int, seconds: int) -> int | None:
        """The last instant at which the support time since `start` is at most `seconds`."""
        assert self.inside(start) and seconds >= 0
        remaining = seconds
        moment = start
        while moment < self.high:
            minute_end = moment - (moment - self.scan_low) % MINUTE + MINUTE
            if self.support[self.index(moment)]:
                if remaining < minute_end - moment:
                    return moment + remaining
                remaining -= minute_end - moment
            moment = minute_end
        return None

    def reach(self, start: int, seconds: int) -> int | None:
        """The first instant at which the support time since `start` is at least `seconds`."""
        assert self.inside(start)
        if seconds <= 0:
            return start
        remaining = seconds
        moment = start
        while moment < self.high:
            minute_end = moment - (moment - self.scan_low) % MINUTE + MINUTE
            if self.support[self.index(moment)]:
                if remaining <= minute_end - moment:
                    return moment + remaining
                remaining -= minute_end - moment
            moment = minute_end
        return None

    def next_opening(self, start: int) -> int | None:
        return self.add(start, 0)

    def add_days(self, start: int, days: int) -> int | None:
        """From the clock's start (the start, or the next opening), the same wall clock time on
        the `days`-th following date with support time, or the next opening after it."""
        begin = self.next_opening(start)
        if begin is None or days == 0:
            return begin
        shown = self.wall(begin)
        position = bisect.bisect_right(self.support_dates, shown.date()) + days - 1
        if position >= len(self.support_dates):
            return None
        target = datetime.combine(self.support_dates[position], shown.time())
        instant = self.first_showing(target)
        if instant is None or not self.inside(instant):
            return None
        return self.next_opening(instant)

    def add_duration(self, start: int, days: int, seconds: int) -> int | None:
        begin = self.add_days(start, days) if days else start
        if begin is None:
            return None
        return self.add(begin, seconds)
