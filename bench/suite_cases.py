"""The engine suite's sizes and targets, its timers, the calendar and the random cases
(bench/suite.py). `scale_down` (--quick) sets the sizes N_*: the other modules read them as
`cases.N_...`, when they run."""

from __future__ import annotations

import statistics
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_tables
import numpy as np
from numpy.typing import NDArray

from accord.engine.calendar import SupportCalendar

Ints = NDArray[np.int64]

SEED = 20260311
TIMEZONE = "America/Los_Angeles"
OPENING, CLOSING = time(8), time(18)
WEEKDAYS = (0, 1, 2, 3, 4)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri")
# Instants fall in these years (eight DST changes); holidays are listed a little wider so that
# businesstimedelta's HolidayRule (which looks at most five years ahead) always finds one.
FIRST_DAY, STOP_DAY = date(2024, 1, 1), date(2028, 1, 1)
HOLIDAY_YEARS = range(2023, 2031)
LONGEST_SPAN = 40 * 86_400  # elapsed: spans up to 40 days
LONGEST_ADD_MINUTES = 6_000  # add: up to 100 hours (10 support days)

N_ENGINE = 100_000  # engine cases in part 1
N_PEER = 10_000  # the first N_PEER of them also go to each peer
N_MINUTE_CHECK = 200  # reference self-check against the minute stepper
N_THROUGHPUT = 1_000_000
REPEATS = 7  # timed runs of each engine measurement; the best is reported

N_GROUPS = 10_000
OUTAGES_PER_GROUP = 200
UPTIME_MONTH = (2026, 3)  # has a DST change (8 March) and four Wednesday windows
MAINTENANCE = (2, time(1, 0), time(1, 30))  # Wednesday 01:00-01:30 local
UPTIME_TARGET = Fraction(999, 1000)

ELAPSED_TARGET_SECONDS = 0.25
SPEEDUP_TARGET = 1_000
UPTIME_TARGET_SECONDS = 0.5

EXAMPLES = 4
# Part 1b: a calendar whose hours contain the DST changes (every night 22:00-06:00).
NIGHT_CASES = 2_000
ALL_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NIGHT_OPENING, NIGHT_CLOSING = time(22), time(6)
CLOSING_CONVENTION = "engine*"
CLOSING_NOTE = (
    "engine*: the peer answers the first instant at which the duration is used up (a closing"
    " time); the engine the last instant still within it (the next opening), as docs/calc.md"
    " convention 2 requires. Both have the same support time."
)
RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench-results.json"
QUICK_RESULTS = RESULTS.with_name("bench-results-quick.json")  # never overwrites real figures


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Timing:
    best: float  # wall-clock seconds, best run
    median: float  # wall-clock seconds, median run
    cpu: float  # CPU seconds of the process in the best CPU run (other jobs' time excluded)
    result: Any


def best_of(repeats: int, action: Callable[[], Any]) -> Timing:
    """Best and median wall-clock time of `repeats` calls, and the best CPU time."""
    walls, cpus = [], []
    result: Any = None
    for _ in range(repeats):
        cpu_began, began = clock.process_time(), clock.perf_counter()
        result = action()
        walls.append(clock.perf_counter() - began)
        cpus.append(clock.process_time() - cpu_began)
    return Timing(min(walls), statistics.median(walls), min(cpus), result)


def each_timed(
    action: Callable[[Any, Any], Any], firsts: Sequence[Any], seconds: Sequence[Any]
) -> tuple[list[Any], NDArray[np.float64]]:
    """Results and the time of each call (for the peers, whose cost grows with the span)."""
    results = []
    times = np.empty(len(firsts), dtype=np.float64)
    now = clock.perf_counter
    for index, (first, second) in enumerate(zip(firsts, seconds, strict=True)):
        began = now()
        results.append(action(first, second))
        times[index] = now() - began
    return results, times


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    began = clock.perf_counter()
    result = action()
    return clock.perf_counter() - began, result


# ---------------------------------------------------------------------------------------------
# The calendar, in the engine's terms and the reference's


def us_holidays() -> list[date]:
    """US federal holidays with their observed dates: one fixed list for every implementation."""
    table = holiday_tables.country_holidays("US", years=list(HOLIDAY_YEARS), observed=True)
    return sorted(table.keys())


def engine_calendar(closed: Sequence[date]) -> SupportCalendar:
    return SupportCalendar.from_dict(
        {
            "timezone": TIMEZONE,
            "weekly": {day: [["08:00", "18:00"]] for day in DAY_NAMES},
            "holidays": [day.isoformat() for day in closed],
        }
    )


# ---------------------------------------------------------------------------------------------
# Random cases


class CaseMaker:
    """Random instants in [FIRST_DAY, STOP_DAY) local time: half at any second, a fifth on a
    whole minute, the rest on or next to an opening or closing time, at midnight, or in the
    DST overlap and gap (01:30, 02:30), with DST-change dates drawn often."""

    CLOCKS = (
        time(8),
        time(18),
        time(7, 59, 59),
        time(8, 0, 1),
        time(17, 59, 59),
        time(18, 0, 1),
        time(0),
        time(1, 30),
        time(2, 30),
        time(12),
    )

    def __init__(self, rng: np.random.Generator) -> None:
        tz = ZoneInfo(TIMEZONE)
        self.rng = rng
        self.days = [FIRST_DAY + timedelta(days=i) for i in range((STOP_DAY - FIRST_DAY).days + 1)]
        self.low = int(datetime.combine(FIRST_DAY, time(), tzinfo=tz).timestamp())
        self.high = int(datetime.combine(STOP_DAY, time(), tzinfo=tz).timestamp())
        self.table = np.array(
            [
                [
                    int(datetime.combine(day, moment, tzinfo=tz).timestamp())
                    for moment in self.CLOCKS
                ]
                for day in self.days
            ],
            dtype=np.int64,
        )
        self.dst_days = np.array(
            [
                index
                for index, day in enumerate(self.days[:-1])
                if datetime.combine(day, time(), tzinfo=tz).utcoffset()
                != datetime.combine(day, time(23), tzinfo=tz).utcoffset()
            ],
            dtype=np.int64,
        )
        self.transitions = np.array(
            [self._transition(self.days[index], tz) for index in self.dst_days.tolist()],
            dtype=np.int64,
        )

    @staticmethod
    def _transition(day: date, tz: ZoneInfo) -> int:
        """The instant the UTC offset changes on a DST-change date (bisection)."""
        low = int(datetime.combine(day, time(), tzinfo=tz).timestamp())
        high = low + 86_400
        before = datetime.fromtimestamp(low, tz).utcoffset()
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, tz).utcoffset() == before:
                low = middle
            else:
                high = middle
        return high

    def straddling(self, starts: Ints, ends: Ints) -> int:
        """How many [start, end) contain a DST change."""
        first = np.searchsorted(self.transitions, starts, side="left")
        last = np.searchsorted(self.transitions, ends, side="left")
        return int(np.sum(last > first))

    def day_index(self, instants: Ints) -> Ints:
        return np.clip((instants - self.low) // 86_400, 0, len(self.days) - 1)

    def boundary(self, n: int, clock_index: Ints | None = None) -> Ints:
        """Instants at one of CLOCKS on a random date (a DST-change date, +/- 1, one in five)."""
        days = self.rng.integers(0, len(self.days) - 45, n)
        near_dst = self.rng.random(n) < 0.2
        chosen = self.rng.choice(self.dst_days, n) + self.rng.integers(-1, 2, n)
        days = np.where(near_dst, chosen, days)
        if clock_index is None:
            clock_index = self.rng.integers(0, len(self.CLOCKS), n)
        return self.table[days, clock_index]

    def instants(self, n: int) -> Ints:
        kind = self.rng.random(n)
        anywhere = self.rng.integers(self.low, self.high - LONGEST_SPAN, n)
        minute = anywhere - anywhere % 60
        boundary = self.boundary(n)
        return np.where(kind < 0.5, anywhere, np.where(kind < 0.7, minute, boundary))

    def spans(self, n: int) -> Ints:
        """Log-uniform from a minute to LONGEST_SPAN, one in twenty zero."""
        spans = np.exp(self.rng.uniform(np.log(60), np.log(LONGEST_SPAN), n)).astype(np.int64)
        return np.where(self.rng.random(n) < 0.05, 0, spans)

    def elapsed_cases(self, n: int) -> tuple[Ints, Ints]:
        starts = self.instants(n)
        ends = starts + self.spans(n)
        # One end in five on a boundary up to 40 days later (never before the start).
        later = self.day_index(starts) + self.rng.integers(0, 41, n)
        later = np.minimum(later, len(self.days) - 1)
        snapped = self.table[later, self.rng.integers(0, len(self.CLOCKS), n)]
        ends = np.where(self.rng.random(n) < 0.2, np.maximum(snapped, starts), ends)
        return starts, ends

    def add_cases(self, n: int) -> tuple[Ints, Ints, Ints]:
        """Starts, durations in whole minutes, and whole hours (for pandas)."""
        starts = self.instants(n)
        low, high = np.log(1), np.log(LONGEST_ADD_MINUTES)
        minutes = np.rint(np.exp(self.rng.uniform(low, high, n))).astype(np.int64)
        # One case in ten: a whole number of 10-hour support days from an opening, so the
        # duration is used up exactly at a closing time.
        whole_days = self.rng.random(n) < 0.1
        minutes = np.where(whole_days, 600 * self.rng.integers(1, 6, n), minutes)
        openings = self.boundary(n, np.zeros(n, dtype=np.int64))
        starts = np.where(whole_days, openings, starts)
        minutes = np.where(self.rng.random(n) < 0.03, 0, minutes)
        hours = np.where(whole_days, minutes // 60, self.rng.integers(0, 60, n))
        return starts, minutes, hours


def seconds_of(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def scale_down() -> None:
    """`--quick`: a tenth of every size, for trying the script out (figures not comparable)."""
    global N_ENGINE, N_PEER, N_MINUTE_CHECK, N_THROUGHPUT, N_GROUPS
    N_ENGINE, N_PEER, N_MINUTE_CHECK = 10_000, 1_000, 20
    N_THROUGHPUT, N_GROUPS = 100_000, 1_000
