"""The measurements behind `make bench` (see docs/performance.md for what they mean).

1. The engine against businesstimedelta and pandas for `elapsed` and `add` on the same random
   cases; every disagreement is settled by the naive reference (bench/reference.py), which
   also checks every engine answer on the peers' cases.
2. The throughput targets: 1,000,000 `elapsed_epoch` and `add_epoch` on one core.
3. A month of uptime for 10,000 module-regions x 200 outages, `uptime_batch` against a plain
   Python merge; the results must agree exactly.

Everything is seeded: two runs measure the same cases. Figures go to the terminal (rich) and
to var/bench-results.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_tables
import host
import numpy as np
from numpy.typing import NDArray
from peers import BusinessTimeDeltaPeer, PandasPeer
from reference import MinuteStepper, NaiveCalendar, maintenance_windows, plain_uptime
from rich.console import Console
from rich.table import Table

from accord.engine.availability import MaintenanceSchedule, WeeklyWindow, uptime, uptime_batch
from accord.engine.calendar import Duration, SupportCalendar

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


# ---------------------------------------------------------------------------------------------
# Part 1: the engine and its peers


@dataclass
class Comparison:
    operation: str
    peer: str
    cases: int
    peer_seconds: float
    engine_seconds: float  # for the same number of cases, array API
    disagreements: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)


def local_text(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, ZoneInfo(TIMEZONE))
    return moment.strftime("%Y-%m-%d %a %H:%M:%S %Z")


def judge_elapsed(
    reference: NaiveCalendar, starts: Ints, ends: Ints, engine: Ints, peer: Sequence[int]
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    verdicts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    differing = np.flatnonzero(engine != np.asarray(peer, dtype=np.int64))
    for index in differing.tolist():
        start, end = int(starts[index]), int(ends[index])
        truth = reference.elapsed(start, end)
        ours, theirs = int(engine[index]), int(peer[index])
        verdict = "engine" if ours == truth else "peer" if theirs == truth else "neither"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if len(examples) < EXAMPLES:
            examples.append(
                {
                    "start": local_text(start),
                    "end": local_text(end),
                    "engine": ours,
                    "peer": theirs,
                    "reference": truth,
                    "right": verdict,
                }
            )
    return int(differing.size), verdicts, examples


def judge_add(
    reference: NaiveCalendar, starts: Ints, seconds: Ints, engine: Ints, peer: Sequence[int]
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    """Right = the last instant at which the support time since the start is still within the
    duration (docs/calc.md, convention 2), checked with the reference's `elapsed`."""
    verdicts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    differing = np.flatnonzero(engine != np.asarray(peer, dtype=np.int64))
    for index in differing.tolist():
        start, amount = int(starts[index]), int(seconds[index])
        ours, theirs = int(engine[index]), int(peer[index])
        engine_right = reference.is_last_within(start, amount, ours)
        peer_right = reference.is_last_within(start, amount, theirs)
        if engine_right and not peer_right:
            verdict = "engine"
            if reference.is_first_reaching(start, amount, theirs):
                verdict = CLOSING_CONVENTION
        elif peer_right and not engine_right:
            verdict = "peer"
        else:
            verdict = "neither"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if len(examples) < EXAMPLES:
            examples.append(
                {
                    "start": local_text(start),
                    "duration_seconds": amount,
                    "engine": local_text(ours),
                    "peer": local_text(theirs),
                    "right": verdict,
                }
            )
    return int(differing.size), verdicts, examples


def reference_check(
    reference: NaiveCalendar,
    starts: Ints,
    ends: Ints,
    add_starts: Ints,
    add_seconds: Sequence[Ints],
    engine_elapsed: Ints,
    engine_adds: Sequence[Ints],
) -> dict[str, Any]:
    """Every engine answer on the peers' cases against the naive reference."""
    wrong_elapsed = [
        index
        for index in range(starts.size)
        if reference.elapsed(int(starts[index]), int(ends[index])) != int(engine_elapsed[index])
    ]
    wrong_add = []
    for seconds, answers in zip(add_seconds, engine_adds, strict=True):
        for index in range(add_starts.size):
            if reference.add(int(add_starts[index]), int(seconds[index])) != int(answers[index]):
                wrong_add.append(index)
    return {
        "elapsed_cases": int(starts.size),
        "elapsed_wrong": len(wrong_elapsed),
        "add_cases": int(add_starts.size) * len(add_seconds),
        "add_wrong": len(wrong_add),
        "elapsed_wrong_examples": [
            {
                "start": local_text(int(starts[i])),
                "end": local_text(int(ends[i])),
                "engine": int(engine_elapsed[i]),
                "reference": reference.elapsed(int(starts[i]), int(ends[i])),
            }
            for i in wrong_elapsed[:EXAMPLES]
        ],
        "add_wrong_indexes": wrong_add[:EXAMPLES],
    }


def minute_self_check(reference: NaiveCalendar, maker: CaseMaker) -> dict[str, int]:
    """The day-by-day reference against the minute stepper on short minute-aligned spans
    around DST changes, holidays and boundaries."""
    stepper = MinuteStepper(reference)
    rng = maker.rng
    starts = maker.boundary(N_MINUTE_CHECK)
    starts = starts - starts % 60 - 60 * rng.integers(0, 600, N_MINUTE_CHECK)
    ends = starts + 60 * rng.integers(0, 3 * 1440, N_MINUTE_CHECK)
    wrong = sum(
        reference.elapsed(int(a), int(b)) != stepper.elapsed(int(a), int(b))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    )
    return {"cases": N_MINUTE_CHECK, "disagreements": int(wrong)}


SPAN_BUCKETS = (
    (0, 86_400, "under 1 day"),
    (86_400, 7 * 86_400, "1-7 days"),
    (7 * 86_400, 10**9, "7-40 days"),
)


def by_span(
    spans: Ints, times: dict[str, NDArray[np.float64]], engine_per_case: float
) -> list[dict[str, Any]]:
    """Mean time per case of each peer by span length, and the engine's advantage there."""
    rows = []
    for low, high, label in SPAN_BUCKETS:
        chosen = (spans >= low) & (spans < high)
        row: dict[str, Any] = {"spans": label, "cases": int(chosen.sum())}
        for peer, peer_times in times.items():
            mean = float(peer_times[chosen].mean()) if chosen.any() else 0.0
            row[f"{peer}_per_case_seconds"] = mean
            row[f"{peer}_vs_engine"] = mean / engine_per_case
        rows.append(row)
    return rows


def part_one(
    console: Console, closed: list[date], maker: CaseMaker
) -> tuple[list[Comparison], dict[str, Any]]:
    calendar = engine_calendar(closed)
    reference = NaiveCalendar(
        TIMEZONE, [(seconds_of(OPENING), seconds_of(CLOSING))], WEEKDAYS, closed
    )
    btd = BusinessTimeDeltaPeer(TIMEZONE, OPENING, CLOSING, WEEKDAYS, closed)
    pdp = PandasPeer(TIMEZONE, OPENING, CLOSING, WEEKDAYS, closed)

    starts, ends = maker.elapsed_cases(N_ENGINE)
    add_starts, minutes, hours = maker.add_cases(N_ENGINE)
    seconds, hour_seconds = minutes * 60, hours * 3600
    durations = [Duration(seconds=int(s)) for s in seconds.tolist()]
    hour_durations = [Duration(seconds=int(s)) for s in hour_seconds.tolist()]

    console.print(f"part 1: engine on {N_ENGINE:,} cases, peers on the first {N_PEER:,}")
    compile_time, _ = timed(
        lambda: calendar.cumulative(np.array([maker.low - 86_400, maker.high + 86_400 * 60]))
    )
    elapsed_timing = best_of(REPEATS, lambda: calendar.elapsed_epoch(starts, ends))
    elapsed_best, engine_elapsed_all = elapsed_timing.best, elapsed_timing.result
    add_timing = best_of(REPEATS, lambda: calendar.add_epoch(add_starts, durations))
    add_best, engine_add_all = add_timing.best, add_timing.result
    engine_hours_all = calendar.add_epoch(add_starts, hour_durations)
    engine_elapsed = np.asarray(engine_elapsed_all)[:N_PEER]
    engine_add = np.asarray(engine_add_all)[:N_PEER]
    engine_hours = np.asarray(engine_hours_all)[:N_PEER]
    per_case = {"elapsed": elapsed_best / N_ENGINE, "add": add_best / N_ENGINE}

    s, e = starts[:N_PEER].tolist(), ends[:N_PEER].tolist()
    a, sec, hrs = add_starts[:N_PEER].tolist(), seconds[:N_PEER].tolist(), hours[:N_PEER].tolist()

    # The engine called once per case through its datetime API, for a like-for-like per-call
    # figure (the peers cannot take arrays).
    utc_s = [btd.instant(x) for x in s]
    utc_e = [btd.instant(x) for x in e]
    utc_a = [btd.instant(x) for x in a]
    scalar_elapsed_time, scalar_elapsed = timed(
        lambda: [calendar.elapsed(x, y) for x, y in zip(utc_s, utc_e, strict=True)]
    )
    scalar_add_time, scalar_add = timed(
        lambda: [calendar.add(x, Duration(seconds=d)) for x, d in zip(utc_a, sec, strict=True)]
    )
    scalar_mismatch = int(np.sum(np.asarray(scalar_elapsed) != engine_elapsed)) + sum(
        int(x.timestamp()) != int(y) for x, y in zip(scalar_add, engine_add.tolist(), strict=True)
    )

    console.print("  businesstimedelta ...")
    btd_elapsed, btd_case_times = each_timed(btd.elapsed, utc_s, utc_e)
    btd_elapsed_time = float(btd_case_times.sum())
    btd_add_time, btd_add_dt = timed(
        lambda: [btd.add(x, d) for x, d in zip(utc_a, sec, strict=True)]
    )
    btd_add = [int(x.timestamp()) for x in btd_add_dt]
    # businesstimedelta's convention is the engine's `reach_epoch` (warnings): compare too.
    reach = calendar.reach_epoch(add_starts[:N_PEER], seconds[:N_PEER])
    reach_differs = np.flatnonzero(reach != np.asarray(btd_add, dtype=np.int64))
    reach_zero = int(np.sum(seconds[:N_PEER][reach_differs] == 0))

    console.print("  pandas ...")
    local_s = [pdp.instant(x) for x in s]
    local_e = [pdp.instant(x) for x in e]
    local_a = [pdp.instant(x) for x in a]
    pdp.prepare_hours(hrs)
    pd_elapsed, pd_case_times = each_timed(pdp.elapsed, local_s, local_e)
    pd_elapsed_time = float(pd_case_times.sum())
    pd_add_time, pd_add_local = timed(
        lambda: [pdp.add_hours(x, h) for x, h in zip(local_a, hrs, strict=True)]
    )
    pd_add = [pdp.epoch(x) for x in pd_add_local]

    console.print("  settling disagreements with the reference ...")
    s_arr, e_arr, a_arr = starts[:N_PEER], ends[:N_PEER], add_starts[:N_PEER]
    engine_time = {op: per_case[op] * N_PEER for op in per_case}
    comparisons = []
    for operation, peer, peer_time, answers in (
        ("elapsed", "businesstimedelta", btd_elapsed_time, btd_elapsed),
        ("elapsed", "pandas", pd_elapsed_time, pd_elapsed),
    ):
        count, verdicts, examples = judge_elapsed(reference, s_arr, e_arr, engine_elapsed, answers)
        comparisons.append(
            Comparison(
                operation,
                peer,
                N_PEER,
                peer_time,
                engine_time["elapsed"],
                count,
                verdicts,
                examples,
            )
        )
    for operation, peer, peer_time, answers, amounts, ours in (
        ("add (minutes)", "businesstimedelta", btd_add_time, btd_add, seconds, engine_add),
        ("add (whole hours)", "pandas", pd_add_time, pd_add, hour_seconds, engine_hours),
    ):
        count, verdicts, examples = judge_add(reference, a_arr, amounts[:N_PEER], ours, answers)
        comparisons.append(
            Comparison(
                operation, peer, N_PEER, peer_time, engine_time["add"], count, verdicts, examples
            )
        )

    console.print("  every engine answer on the peers' cases against the reference ...")
    check_time, check = timed(
        lambda: reference_check(
            reference,
            s_arr,
            e_arr,
            a_arr,
            [seconds[:N_PEER], hour_seconds[:N_PEER]],
            engine_elapsed,
            [engine_add, engine_hours],
        )
    )
    check["seconds"] = round(check_time, 2)
    check["minute_stepper_self_check"] = minute_self_check(reference, maker)

    extra = {
        "engine_cases": N_ENGINE,
        "peer_cases": N_PEER,
        "compile_seconds": compile_time,
        "engine_elapsed_best_seconds": elapsed_best,
        "engine_add_best_seconds": add_best,
        "engine_elapsed_per_case_seconds": per_case["elapsed"],
        "engine_add_per_case_seconds": per_case["add"],
        "engine_scalar_elapsed_per_case_seconds": scalar_elapsed_time / N_PEER,
        "engine_scalar_add_per_case_seconds": scalar_add_time / N_PEER,
        "engine_scalar_vs_array_mismatches": scalar_mismatch,
        "reference_check": check,
        "holidays": len(closed),
        "elapsed_per_case_by_span": by_span(
            (e_arr - s_arr),
            {"businesstimedelta": btd_case_times, "pandas": pd_case_times},
            per_case["elapsed"],
        ),
        "businesstimedelta_add_vs_engine_reach_epoch": {
            "disagreements": int(reach_differs.size),
            "of_which_zero_duration": reach_zero,
        },
        "dst_changes": int(maker.transitions.size),
        "elapsed_cases_across_dst": maker.straddling(s_arr, e_arr),
        "add_cases_across_dst": {
            "minutes": maker.straddling(a_arr, engine_add),
            "whole_hours": maker.straddling(a_arr, engine_hours),
        },
    }
    return comparisons, extra


def part_one_night(console: Console, maker: CaseMaker) -> dict[str, Any]:
    """The peers on a calendar whose support hours contain the 02:00 DST changes: every night
    22:00-06:00 local, no holidays. Starts lie from three days before to a day after a DST
    change; durations are whole hours (for pandas)."""
    console.print(f"part 1b: {NIGHT_CASES:,} cases on a night calendar around DST changes")
    calendar = SupportCalendar.from_dict(
        {
            "timezone": TIMEZONE,
            "weekly": {day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in ALL_DAY_NAMES},
        }
    )
    night = [(0, seconds_of(NIGHT_CLOSING)), (seconds_of(NIGHT_OPENING), 86_400)]
    reference = NaiveCalendar(TIMEZONE, night, range(7), [])
    btd = BusinessTimeDeltaPeer(TIMEZONE, NIGHT_OPENING, NIGHT_CLOSING, range(7), [])
    pdp = PandasPeer(TIMEZONE, NIGHT_OPENING, NIGHT_CLOSING, range(7), [])
    rng, n = maker.rng, NIGHT_CASES
    around = rng.choice(maker.transitions, n) + rng.integers(-3 * 86_400, 86_400, n)
    starts = np.where(rng.random(n) < 0.5, around - around % 60, around)
    ends = starts + rng.integers(0, 4 * 86_400, n)
    hours = rng.integers(0, 30, n)
    seconds = hours * 3600
    engine_elapsed = calendar.elapsed_epoch(starts, ends)
    engine_add = calendar.add_epoch(starts, [Duration(seconds=int(x)) for x in seconds.tolist()])

    s, e, h = starts.tolist(), ends.tolist(), hours.tolist()
    utc_s, utc_e = [btd.instant(x) for x in s], [btd.instant(x) for x in e]
    local_s, local_e = [pdp.instant(x) for x in s], [pdp.instant(x) for x in e]
    pdp.prepare_hours(h)
    answers = {
        ("elapsed", "businesstimedelta"): [
            btd.elapsed(x, y) for x, y in zip(utc_s, utc_e, strict=True)
        ],
        ("elapsed", "pandas"): [pdp.elapsed(x, y) for x, y in zip(local_s, local_e, strict=True)],
        ("add (whole hours)", "businesstimedelta"): [
            int(btd.add(x, d * 3600).timestamp()) for x, d in zip(utc_s, h, strict=True)
        ],
        ("add (whole hours)", "pandas"): [
            pdp.epoch(pdp.add_hours(x, d)) for x, d in zip(local_s, h, strict=True)
        ],
    }
    rows = []
    for (operation, peer), theirs in answers.items():
        if operation == "elapsed":
            count, verdicts, examples = judge_elapsed(
                reference, starts, ends, engine_elapsed, theirs
            )
            differing = engine_elapsed != np.asarray(theirs, dtype=np.int64)
            across = maker.straddling(starts[differing], ends[differing])
        else:
            count, verdicts, examples = judge_add(reference, starts, seconds, engine_add, theirs)
            differing = engine_add != np.asarray(theirs, dtype=np.int64)
            later = np.maximum(engine_add, np.asarray(theirs, dtype=np.int64))
            across = maker.straddling(starts[differing], later[differing] + 1)
        inside = int(np.sum(calendar.is_open(starts[differing])))
        rows.append(
            {
                "operation": operation,
                "peer": peer,
                "cases": n,
                "disagreements": count,
                "verdicts": verdicts,
                "disagreements_spanning_dst": across,
                "disagreements_starting_inside_hours": inside,
                "examples": examples[:2],
            }
        )
    wrong = sum(
        reference.elapsed(a, b) != int(x)
        for a, b, x in zip(s, e, engine_elapsed.tolist(), strict=True)
    ) + sum(
        reference.add(a, d * 3600) != int(x)
        for a, d, x in zip(s, h, engine_add.tolist(), strict=True)
    )
    # The reference itself against the minute stepper, on minute-aligned spans across the
    # DST nights.
    stepper = MinuteStepper(reference)
    checks = N_MINUTE_CHECK // 2
    low = rng.choice(maker.transitions, checks) - rng.integers(0, 1440, checks) * 60
    low = low - low % 60
    high = low + rng.integers(0, 2 * 1440, checks) * 60
    self_wrong = sum(
        reference.elapsed(a, b) != stepper.elapsed(a, b)
        for a, b in zip(low.tolist(), high.tolist(), strict=True)
    )
    return {
        "cases": n,
        "reference_vs_minute_stepper": {"cases": checks, "disagreements": int(self_wrong)},
        "calendar": "every night 22:00-06:00 America/Los_Angeles, no holidays",
        "engine_wrong_vs_reference": int(wrong),
        "elapsed_cases_across_dst": maker.straddling(starts, ends),
        "comparisons": rows,
    }


# ---------------------------------------------------------------------------------------------
# Part 2: throughput targets


def part_two(
    console: Console, closed: list[date], maker: CaseMaker, btd_per_case: float
) -> dict[str, Any]:
    console.print(f"part 2: {N_THROUGHPUT:,} cases, best of {REPEATS} runs")
    calendar = engine_calendar(closed)  # fresh: nothing compiled yet
    starts, ends = maker.elapsed_cases(N_THROUGHPUT)
    add_seconds = 60 * maker.add_cases(N_THROUGHPUT)[1]
    bounds = np.array([int(starts.min()), int(ends.max())], dtype=np.int64)
    compile_time, _ = timed(lambda: calendar.cumulative(bounds))
    elapsed = best_of(REPEATS, lambda: calendar.elapsed_epoch(starts, ends))
    one = Duration(seconds=4 * 3600)
    add_one = best_of(REPEATS, lambda: calendar.add_epoch(starts, one))
    durations = [Duration(seconds=int(x)) for x in add_seconds.tolist()]
    add_many = best_of(3, lambda: calendar.add_epoch(starts, durations))
    # Support days are added one case at a time in Python (SupportCalendar._add_days): a tenth
    # of the cases, once, is enough to show the rate.
    days_cases = N_THROUGHPUT // 10
    days_time, _ = timed(lambda: calendar.add_epoch(starts[:days_cases], Duration(days=2)))
    per_case = elapsed.best / N_THROUGHPUT
    return {
        "cases": N_THROUGHPUT,
        "repeats": REPEATS,
        "compile_seconds": compile_time,
        "elapsed_best_seconds": elapsed.best,
        "elapsed_median_seconds": elapsed.median,
        "elapsed_best_cpu_seconds": elapsed.cpu,
        "elapsed_target_seconds": ELAPSED_TARGET_SECONDS,
        "elapsed_met": elapsed.best < ELAPSED_TARGET_SECONDS,
        "speedup_vs_businesstimedelta": btd_per_case / per_case,
        "speedup_target": SPEEDUP_TARGET,
        "speedup_met": btd_per_case / per_case >= SPEEDUP_TARGET,
        "add_one_duration_best_seconds": add_one.best,
        "add_one_duration_median_seconds": add_one.median,
        "add_one_duration_best_cpu_seconds": add_one.cpu,
        "add_per_case_durations_best_seconds": add_many.best,
        "add_per_case_durations_median_seconds": add_many.median,
        "add_per_case_durations_best_cpu_seconds": add_many.cpu,
        "add_days_cases": days_cases,
        "add_days_seconds": days_time,
    }


# ---------------------------------------------------------------------------------------------
# Part 3: uptime


def seconds_of(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def month_period(tz: ZoneInfo) -> tuple[int, int]:
    year, month = UPTIME_MONTH
    first = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return int(first.timestamp()), int(following.timestamp())


def outages(
    rng: np.random.Generator, period: tuple[int, int], windows: list[tuple[int, int]]
) -> tuple[Ints, Ints, Ints]:
    """(group, start, end) of N_GROUPS x OUTAGES_PER_GROUP outages, in random order.

    Per module-region: 60% of its outages are reports of 1 to 4 incidents (several monitors
    reporting each one, so they overlap), 20% fall around a maintenance window (from five
    minutes before it to its end; half end inside it, the others run past its end), 20% are
    short blips anywhere from a day before the period to a day after it (one in 500 of those
    lasts 30 minutes to 6 hours). Outages reach across the period's bounds too."""
    p0, p1 = period
    n = N_GROUPS * OUTAGES_PER_GROUP
    group = np.repeat(np.arange(N_GROUPS, dtype=np.int64), OUTAGES_PER_GROUP)
    kind = rng.random(n)
    most_incidents = 4
    centres = rng.integers(p0 - 3600, p1 + 3600, (N_GROUPS, most_incidents))
    incidents = rng.integers(1, most_incidents + 1, N_GROUPS)[group]
    incident = centres[group, rng.integers(0, most_incidents, n) % incidents]
    incident_start = incident + rng.normal(0, 45, n).astype(np.int64)
    incident_length = 20 + rng.exponential(90, n).astype(np.int64)
    window_starts = np.array([w[0] for w in windows], dtype=np.int64)
    window_ends = np.array([w[1] for w in windows], dtype=np.int64)
    pick = rng.integers(0, window_starts.size, n)
    near_start = rng.integers(window_starts[pick] - 300, window_ends[pick])
    inside = rng.integers(1, np.maximum(window_ends[pick] - near_start, 1) + 1)
    overrun = window_ends[pick] - near_start + 1 + rng.exponential(60, n).astype(np.int64)
    near_length = np.where(rng.random(n) < 0.5, inside, overrun)
    blip_start = rng.integers(p0 - 86_400, p1 + 86_400, n)
    blip_length = 5 + rng.exponential(10, n).astype(np.int64)
    blip_length = np.where(rng.random(n) < 0.002, rng.integers(1800, 6 * 3600, n), blip_length)
    starts = np.where(kind < 0.6, incident_start, np.where(kind < 0.8, near_start, blip_start))
    lengths = np.where(kind < 0.6, incident_length, np.where(kind < 0.8, near_length, blip_length))
    order = rng.permutation(n)
    return group[order], starts[order], (starts + lengths)[order]


def part_three(console: Console, rng: np.random.Generator) -> dict[str, Any]:
    n = N_GROUPS * OUTAGES_PER_GROUP
    console.print(f"part 3: uptime of {N_GROUPS:,} module-regions x {OUTAGES_PER_GROUP} outages")
    tz = ZoneInfo(TIMEZONE)
    period = month_period(tz)
    weekday, opening, closing = MAINTENANCE
    windows = maintenance_windows(TIMEZONE, weekday, opening, closing, period)
    group, starts, ends = outages(rng, period, windows)
    schedule = MaintenanceSchedule(
        timezone=TIMEZONE,
        weekly=(WeeklyWindow(weekday, seconds_of(opening), seconds_of(closing)),),
    )

    def engine() -> Any:
        return uptime_batch(
            n_groups=N_GROUPS,
            period=period,
            group=group,
            starts=starts,
            ends=ends,
            target=UPTIME_TARGET,
            maintenance=schedule,
        )

    timing = best_of(5, engine)
    result = timing.result
    presorted = np.lexsort((starts, group))
    sorted_group, sorted_starts, sorted_ends = group[presorted], starts[presorted], ends[presorted]

    def engine_presorted() -> Any:
        return uptime_batch(
            n_groups=N_GROUPS,
            period=period,
            group=sorted_group,
            starts=sorted_starts,
            ends=sorted_ends,
            target=UPTIME_TARGET,
            maintenance=schedule,
        )

    presorted_timing = best_of(5, engine_presorted)
    sorted_result = presorted_timing.result
    sorted_same = bool(
        np.array_equal(sorted_result.downtime_numerator, result.downtime_numerator)
        and np.array_equal(sorted_result.eligible_seconds, result.eligible_seconds)
    )

    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(N_GROUPS + 1))
    s_sorted, e_sorted = starts[by_group].tolist(), ends[by_group].tolist()
    lists = [
        list(
            zip(
                s_sorted[bounds[g] : bounds[g + 1]],
                e_sorted[bounds[g] : bounds[g + 1]],
                strict=True,
            )
        )
        for g in range(N_GROUPS)
    ]
    plain_time, plain = timed(
        lambda: [plain_uptime(period, items, windows, UPTIME_TARGET) for items in lists]
    )
    columns = list(zip(*plain, strict=True))
    expected = {
        "maintenance": np.array(columns[0], dtype=np.int64),
        "eligible": np.array(columns[1], dtype=np.int64),
        "downtime": np.array(columns[2], dtype=np.int64),
        "met": np.array(columns[3], dtype=np.bool_),
        "thousandths": np.array(columns[4], dtype=np.int64),
    }
    got = {
        "maintenance": result.maintenance_seconds,
        "eligible": result.eligible_seconds,
        "downtime": np.asarray(result.downtime_numerator).astype(np.int64),
        "met": result.met,
        "thousandths": result.display_thousandths,
    }
    assert result.downtime_denominator == 1
    mismatches = {key: int(np.sum(got[key] != expected[key])) for key in expected}

    # The single-group entry point on a few groups, against the same plain results.
    single_wrong = 0
    for g in range(0, N_GROUPS, N_GROUPS // 100):
        items = lists[g]
        one = uptime(
            period=period,
            outages=(np.array([x[0] for x in items]), np.array([x[1] for x in items])),
            maintenance=schedule,
            target=UPTIME_TARGET,
        )
        single_wrong += (
            one.maintenance_seconds,
            one.eligible_seconds,
            one.downtime_seconds,
            one.met,
            one.uptime_thousandths,
        ) != plain[g]

    agree = not any(mismatches.values()) and single_wrong == 0
    touching = int(sum(np.sum((starts < high) & (ends > low)) for low, high in windows))
    return {
        "groups": N_GROUPS,
        "outages": n,
        "period": [period[0], period[1]],
        "maintenance_windows": len(windows),
        "engine_best_seconds": timing.best,
        "engine_median_seconds": timing.median,
        "engine_best_cpu_seconds": timing.cpu,
        "target_seconds": UPTIME_TARGET_SECONDS,
        "met": timing.best < UPTIME_TARGET_SECONDS,
        "plain_python_seconds": plain_time,
        "engine_presorted_best_seconds": presorted_timing.best,
        "engine_presorted_same_results": sorted_same,
        "mismatches": mismatches,
        "single_group_checked": 100,
        "single_group_mismatches": int(single_wrong),
        "agree_exactly": agree,
        "groups_meeting_target": int(np.sum(result.met)),
        "downtime_seconds_quartiles": np.percentile(got["downtime"], [25, 50, 75]).tolist(),
        "outages_touching_maintenance": touching,
    }


# ---------------------------------------------------------------------------------------------
# Report


def human(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def print_night(console: Console, night: dict[str, Any]) -> None:
    table = Table(
        title=f"1b. DST inside support hours: {night['calendar']},"
        f" {night['cases']:,} cases around DST changes"
    )
    for name in (
        "operation",
        "implementation",
        "disagree with engine",
        "of them across DST",
        "of them starting inside hours",
    ):
        table.add_column(
            name, justify="left" if name in ("operation", "implementation") else "right"
        )
    table.add_column("right (reference)")
    for row in night["comparisons"]:
        verdicts = ", ".join(f"{k}: {v:,}" for k, v in sorted(row["verdicts"].items())) or "-"
        table.add_row(
            row["operation"],
            row["peer"],
            f"{row['disagreements']:,}",
            f"{row['disagreements_spanning_dst']:,}",
            f"{row['disagreements_starting_inside_hours']:,}",
            verdicts,
        )
    console.print(table)
    console.print(
        f"Engine wrong vs the reference on this calendar: {night['engine_wrong_vs_reference']}"
        f" of {2 * night['cases']:,}; {night['elapsed_cases_across_dst']:,} elapsed cases span a"
        " DST change; reference vs minute-by-minute stepper across DST nights:"
        f" {night['reference_vs_minute_stepper']['disagreements']} of"
        f" {night['reference_vs_minute_stepper']['cases']} disagree."
    )
    for row in night["comparisons"]:
        if row["examples"]:
            examples = Table(title=f"night calendar, {row['operation']} vs {row['peer']}")
            for key in row["examples"][0]:
                examples.add_column(key)
            for example in row["examples"]:
                examples.add_row(*(str(v) for v in example.values()))
            console.print(examples)


def print_report(
    console: Console,
    env: dict[str, Any],
    comparisons: list[Comparison],
    one: dict[str, Any],
    two: dict[str, Any],
    three: dict[str, Any],
    night: dict[str, Any],
) -> None:
    console.print(
        f"\n[bold]Machine[/]: {env['cpu']}, {env['cpus']} CPUs, {env['affinity']}; "
        f"Python {env['python']}, NumPy {env['numpy']}, pandas {env['pandas']}, "
        f"businesstimedelta {env['businesstimedelta']}"
    )
    peers = Table(title="1. Engine against its peers (same random cases)")
    for name in ("operation", "implementation", "cases", "time", "per case", "engine faster"):
        peers.add_column(
            name, justify="left" if name in ("operation", "implementation") else "right"
        )
    peers.add_column("disagree with engine", justify="right")
    peers.add_column("right (reference)")
    engine_rows = {
        "elapsed": (
            one["engine_elapsed_per_case_seconds"],
            one["engine_scalar_elapsed_per_case_seconds"],
        ),
        "add": (one["engine_add_per_case_seconds"], one["engine_scalar_add_per_case_seconds"]),
    }
    for operation in ("elapsed", "add"):
        array_case, scalar_case = engine_rows[operation]
        peers.add_row(
            operation,
            "engine, arrays",
            f"{one['engine_cases']:,}",
            human(array_case * one["engine_cases"]),
            human(array_case),
            "",
            "",
            "",
        )
        peers.add_row(
            operation,
            "engine, one call per case",
            f"{one['peer_cases']:,}",
            human(scalar_case * one["peer_cases"]),
            human(scalar_case),
            "",
            "",
            "",
        )
        for item in comparisons:
            if not item.operation.startswith(operation):
                continue
            peer_case = item.peer_seconds / item.cases
            verdicts = ", ".join(f"{k}: {v:,}" for k, v in sorted(item.verdicts.items())) or "-"
            peers.add_row(
                item.operation,
                item.peer,
                f"{item.cases:,}",
                human(item.peer_seconds),
                human(peer_case),
                f"{peer_case / array_case:,.0f}x",
                f"{item.disagreements:,}",
                verdicts,
            )
    console.print(peers)
    check = one["reference_check"]
    self_check = check["minute_stepper_self_check"]
    console.print(
        f"Reference check: engine wrong on {check['elapsed_wrong']} of {check['elapsed_cases']:,}"
        f" elapsed and {check['add_wrong']} of {check['add_cases']:,} add cases; reference vs"
        f" minute-by-minute stepper: {self_check['disagreements']} of {self_check['cases']}"
        f" disagree. Engine datetime API vs array API: {one['engine_scalar_vs_array_mismatches']}"
        " mismatches."
    )
    across = one["add_cases_across_dst"]
    console.print(
        f"DST: {one['elapsed_cases_across_dst']:,} of the {one['peer_cases']:,} elapsed cases and"
        f" {across['minutes']:,} (minutes) / {across['whole_hours']:,} (hours) add cases span one"
        f" of the {one['dst_changes']} DST changes."
    )
    if any(CLOSING_CONVENTION in item.verdicts for item in comparisons):
        console.print(CLOSING_NOTE)
    reach = one["businesstimedelta_add_vs_engine_reach_epoch"]
    console.print(
        f"businesstimedelta add vs the engine's reach_epoch (the same convention):"
        f" {reach['disagreements']:,} disagreements, {reach['of_which_zero_duration']:,} of"
        " them zero durations."
    )
    spans = Table(title="elapsed: peers' time per case by span (engine, arrays: same for all)")
    for name in ("span", "cases", "businesstimedelta", "engine faster", "pandas", "engine faster"):
        spans.add_column(name, justify="left" if name == "span" else "right")
    for row in one["elapsed_per_case_by_span"]:
        spans.add_row(
            row["spans"],
            f"{row['cases']:,}",
            human(row["businesstimedelta_per_case_seconds"]),
            f"{row['businesstimedelta_vs_engine']:,.0f}x",
            human(row["pandas_per_case_seconds"]),
            f"{row['pandas_vs_engine']:,.0f}x",
        )
    console.print(spans)
    print_night(console, night)
    for item in comparisons:
        if not item.examples:
            continue
        examples = Table(title=f"{item.operation} vs {item.peer}: examples of disagreement")
        for key in item.examples[0]:
            examples.add_column(key)
        for example in item.examples:
            examples.add_row(*(str(v) for v in example.values()))
        console.print(examples)

    targets = Table(title="2-3. Targets (one core)")
    for name in ("measure", "figure", "target", "met"):
        targets.add_column(name)

    def mark(ok: bool) -> str:
        return "[green]yes[/]" if ok else "[red]NO[/]"

    targets.add_row(
        f"elapsed_epoch, {two['cases']:,} cases (best of {two['repeats']})",
        f"{human(two['elapsed_best_seconds'])} (median {human(two['elapsed_median_seconds'])},"
        f" CPU {human(two['elapsed_best_cpu_seconds'])})",
        f"< {human(two['elapsed_target_seconds'])}",
        mark(two["elapsed_met"]),
    )
    targets.add_row(
        "  compile (once, fresh calendar)", human(two["compile_seconds"]), "reported", ""
    )
    targets.add_row(
        "elapsed speed-up over businesstimedelta per case",
        f"{two['speedup_vs_businesstimedelta']:,.0f}x",
        f">= {two['speedup_target']:,}x",
        mark(two["speedup_met"]),
    )
    targets.add_row(
        f"add_epoch, {two['cases']:,} cases, one Duration",
        f"{human(two['add_one_duration_best_seconds'])}"
        f" (median {human(two['add_one_duration_median_seconds'])})",
        "reported",
        "",
    )
    targets.add_row(
        f"add_epoch, {two['cases']:,} cases, a Duration per case",
        f"{human(two['add_per_case_durations_best_seconds'])}"
        f" (median {human(two['add_per_case_durations_median_seconds'])})",
        "reported",
        "",
    )
    targets.add_row(
        f"add_epoch, {two['add_days_cases']:,} cases, Duration(days=2) (one run)",
        f"{human(two['add_days_seconds'])}"
        f" ({human(two['add_days_seconds'] / two['add_days_cases'])} per case)",
        "reported",
        "",
    )
    targets.add_row(
        f"uptime_batch, {three['groups']:,} x {three['outages'] // three['groups']} outages"
        " (best of 5)",
        f"{human(three['engine_best_seconds'])} (median {human(three['engine_median_seconds'])},"
        f" CPU {human(three['engine_best_cpu_seconds'])})",
        f"< {human(three['target_seconds'])}",
        mark(three["met"]),
    )
    targets.add_row(
        "  same outages passed sorted by (group, start)",
        human(three["engine_presorted_best_seconds"]),
        "reported",
        "",
    )
    targets.add_row(
        "  plain-Python merge, same data", human(three["plain_python_seconds"]), "reported", ""
    )
    targets.add_row(
        "  engine = plain Python, exactly",
        "all fields equal"
        if three["agree_exactly"]
        else f"MISMATCH {three['mismatches']}, single {three['single_group_mismatches']}",
        "all equal",
        mark(three["agree_exactly"]),
    )
    console.print(targets)


def scale_down() -> None:
    """`--quick`: a tenth of every size, for trying the script out (figures not comparable)."""
    global N_ENGINE, N_PEER, N_MINUTE_CHECK, N_THROUGHPUT, N_GROUPS
    N_ENGINE, N_PEER, N_MINUTE_CHECK = 10_000, 1_000, 20
    N_THROUGHPUT, N_GROUPS = 100_000, 1_000


def run(pinning: str, quick: bool = False) -> int:
    if quick:
        scale_down()
    console = Console(width=None if sys.stdout.isatty() else 150)
    began = clock.perf_counter()
    rng = np.random.default_rng(SEED)
    closed = us_holidays()
    maker = CaseMaker(rng)
    env = host.describe(pinning, ["numpy", "pandas", "businesstimedelta", "pytz", "holidays"])

    comparisons, one = part_one(console, closed, maker)
    btd_elapsed = next(
        c for c in comparisons if c.peer == "businesstimedelta" and c.operation == "elapsed"
    )
    two = part_two(console, closed, maker, btd_elapsed.peer_seconds / btd_elapsed.cases)
    three = part_three(console, rng)
    night = part_one_night(console, maker)  # last, so parts 1-3 draw the same cases as before
    print_report(console, env, comparisons, one, two, three, night)

    total = clock.perf_counter() - began
    host.finish(env)
    console.print(
        host.summary(env) + " A load average above 1 means other jobs shared the machine, and"
        " wall-clock figures are pessimistic."
    )
    path = QUICK_RESULTS if quick else RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "quick": quick,
        "machine": env,
        "seed": SEED,
        "total_seconds": total,
        "peers": [vars(c) for c in comparisons],
        "part1": one,
        "throughput": two,
        "uptime": three,
        "night_calendar": night,
    }
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    console.print(f"\nFigures written to {path}; whole run {total:.0f} s.")
    if quick:
        console.print("[yellow]--quick: a tenth of every size; targets do not apply.[/]")
    failed = not three["agree_exactly"] or not three["engine_presorted_same_results"]
    check = one["reference_check"]
    failed = failed or check["elapsed_wrong"] > 0 or check["add_wrong"] > 0
    failed = failed or night["engine_wrong_vs_reference"] > 0
    if failed:
        console.print("[red]The engine disagreed with a reference: see above.[/]")
    return 1 if failed else 0
