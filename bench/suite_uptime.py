"""Part 3 of the engine suite: a month of uptime for 10,000 module-regions x 200 outages,
`uptime_batch` against a plain-Python merge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import suite_cases as cases
from reference import maintenance_windows, plain_uptime
from rich.console import Console
from suite_cases import (
    MAINTENANCE,
    OUTAGES_PER_GROUP,
    TIMEZONE,
    UPTIME_MONTH,
    UPTIME_TARGET,
    UPTIME_TARGET_SECONDS,
    Ints,
    best_of,
    seconds_of,
    timed,
)

from accord.engine.availability import uptime, uptime_batch
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow


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
    n = cases.N_GROUPS * OUTAGES_PER_GROUP
    group = np.repeat(np.arange(cases.N_GROUPS, dtype=np.int64), OUTAGES_PER_GROUP)
    kind = rng.random(n)
    most_incidents = 4
    centres = rng.integers(p0 - 3600, p1 + 3600, (cases.N_GROUPS, most_incidents))
    incidents = rng.integers(1, most_incidents + 1, cases.N_GROUPS)[group]
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
    n = cases.N_GROUPS * OUTAGES_PER_GROUP
    console.print(
        f"part 3: uptime of {cases.N_GROUPS:,} module-regions x {OUTAGES_PER_GROUP} outages"
    )
    tz = ZoneInfo(TIMEZONE)
    period = month_period(tz)
    weekday, opening, closing = MAINTENANCE
    windows = maintenance_windows(TIMEZONE, weekday, opening, closing, period)
    group, starts, ends = outages(rng, period, windows)
    schedule = MaintenanceSchedule(
        timezone=TIMEZONE,
        weekly=(WeeklyWindow(weekday, seconds_of(opening), seconds_of(closing)),),
    )

    def engine(group: Ints, starts: Ints, ends: Ints) -> Callable[[], Any]:
        """One timed call: `uptime_batch` on these outages."""
        return lambda: uptime_batch(
            n_groups=cases.N_GROUPS,
            period=period,
            group=group,
            starts=starts,
            ends=ends,
            target=UPTIME_TARGET,
            maintenance=schedule,
        )

    timing = best_of(5, engine(group, starts, ends))
    result = timing.result
    presorted = np.lexsort((starts, group))
    sorted_group, sorted_starts, sorted_ends = group[presorted], starts[presorted], ends[presorted]

    presorted_timing = best_of(5, engine(sorted_group, sorted_starts, sorted_ends))
    sorted_result = presorted_timing.result
    sorted_same = bool(
        np.array_equal(sorted_result.downtime_numerator, result.downtime_numerator)
        and np.array_equal(sorted_result.eligible_seconds, result.eligible_seconds)
    )

    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(cases.N_GROUPS + 1))
    s_sorted, e_sorted = starts[by_group].tolist(), ends[by_group].tolist()
    lists = [
        list(
            zip(
                s_sorted[bounds[g] : bounds[g + 1]],
                e_sorted[bounds[g] : bounds[g + 1]],
                strict=True,
            )
        )
        for g in range(cases.N_GROUPS)
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
    for g in range(0, cases.N_GROUPS, cases.N_GROUPS // 100):
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
        "groups": cases.N_GROUPS,
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
