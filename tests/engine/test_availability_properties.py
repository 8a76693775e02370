"""Availability against a naive brute force that looks at every second (or every minute).

The reference knows nothing of merging, sorting or cumulative sums: it marks each second (or
minute) as covered by an outage (at the highest weight), finds runs of covered time to apply the
minimum outage length, marks maintenance, and counts. On the minute grid every instant is a
whole minute, so counting minutes and multiplying by 60 is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.engine.availability import Outage, UptimeResult, floor_percent, uptime, uptime_batch
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.timeutil import epoch_to_local, local_to_epoch, parse_instant, zone

ZONES = ("UTC", "America/Los_Angeles", "Europe/Berlin")
# Local midnights just before daylight saving changes (and one quiet week), as anchors.
ANCHORS = tuple(
    parse_instant(text, "anchor")
    for text in (
        "2026-03-07T00:00:00Z",
        "2026-03-28T00:00:00Z",
        "2026-06-09T00:00:00Z",
        "2026-10-24T00:00:00Z",
        "2026-10-31T00:00:00Z",
    )
)
TARGETS = (
    Fraction(0),
    Fraction(99, 100),
    Fraction(999, 1000),
    Fraction(9_999, 10_000),
    Fraction(1),
)
MINUTE = 60
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Case:
    period: tuple[int, int]
    outages: tuple[Outage, ...]
    schedule: MaintenanceSchedule
    min_outage: int
    mode: str
    target: Fraction


def _window(minutes: tuple[int, int, int]) -> WeeklyWindow:
    weekday, start, length = minutes
    end = min(start + length, 1440)
    return WeeklyWindow(weekday, start * MINUTE, end * MINUTE)


def one_off_windows(p0: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    return st.lists(
        st.tuples(st.integers(-1440, 5 * 1440), st.integers(0, 300)).map(
            lambda pair: (p0 + pair[0] * MINUTE, p0 + (pair[0] + pair[1]) * MINUTE)
        ),
        max_size=2,
    )


def minute_outages(p0: int) -> st.SearchStrategy[list[Outage]]:
    return st.lists(
        st.builds(
            lambda start, length, weight: Outage(
                p0 + start * MINUTE, p0 + (start + length) * MINUTE, weight
            ),
            st.integers(-300, 3 * 1440 + 300),
            st.integers(0, 400),
            st.sampled_from((Fraction(1), Fraction(1, 2))),
        ),
        max_size=8,
    )


@st.composite
def minute_cases(draw: st.DrawFn) -> Case:
    """Everything on whole minutes: a period of up to 3 days near a DST change."""
    timezone = draw(st.sampled_from(ZONES))
    p0 = draw(st.sampled_from(ANCHORS)) + draw(st.integers(0, 2 * 1440)) * MINUTE
    p1 = p0 + draw(st.integers(0, 3 * 1440)) * MINUTE
    weekly = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 600)).map(_window),
            max_size=3,
        )
    )
    return Case(
        period=(p0, p1),
        outages=tuple(draw(minute_outages(p0))),
        schedule=MaintenanceSchedule(timezone, tuple(weekly), tuple(draw(one_off_windows(p0)))),
        min_outage=draw(st.sampled_from((0, 1, 5, 30, 120))) * MINUTE,
        mode=draw(st.sampled_from(("exclude", "count_as_up"))),
        target=draw(st.sampled_from(TARGETS)),
    )


def _windows_by_wall_clock(schedule: MaintenanceSchedule, start: int, end: int) -> list[int]:
    """Window bounds of every local date around [start, end), by the documented conversion."""
    tz = zone(schedule.timezone)
    bounds = list(schedule.windows)
    day: date = epoch_to_local(start, tz).date() - timedelta(days=2)
    while day <= epoch_to_local(end, tz).date() + timedelta(days=2):
        for window in schedule.weekly:
            if window.weekday == day.weekday():
                bounds.append(
                    (local_to_epoch(day, window.start, tz), local_to_epoch(day, window.end, tz))
                )
        day += timedelta(days=1)
    return [value for pair in bounds for value in pair]


def brute_force(case: Case, step: int) -> tuple[int, int, Fraction, Fraction, bool]:
    """(maintenance, eligible, downtime, uptime, met) by looking at every `step` seconds."""
    p0, p1 = case.period
    low = min([p0, *(outage.start for outage in case.outages)])
    high = max([p1, *(outage.end for outage in case.outages)])
    cells = (high - low) // step
    cover = [Fraction(0)] * cells
    for outage in case.outages:
        for cell in range((outage.start - low) // step, (outage.end - low) // step):
            cover[cell] = max(cover[cell], outage.weight)
    # Runs of covered time shorter than the minimum do not count.
    cell = 0
    while cell < cells:
        if cover[cell] == 0:
            cell += 1
            continue
        run_end = cell
        while run_end < cells and cover[run_end] > 0:
            run_end += 1
        if (run_end - cell) * step < case.min_outage:
            for short in range(cell, run_end):
                cover[short] = Fraction(0)
        cell = run_end
    flat = _windows_by_wall_clock(case.schedule, p0, p1)
    in_maintenance = [False] * ((p1 - p0) // step)
    for index in range(0, len(flat), 2):
        for instant in range(max(flat[index], p0), min(flat[index + 1], p1), step):
            in_maintenance[(instant - p0) // step] = True
    maintenance = sum(in_maintenance) * step
    downtime = Fraction(0)
    for offset, maintained in enumerate(in_maintenance):
        if not maintained:
            downtime += cover[(p0 - low) // step + offset] * step
    eligible = (p1 - p0) - (maintenance if case.mode == "exclude" else 0)
    fraction = Fraction(1) if eligible == 0 else 1 - downtime / eligible
    return maintenance, eligible, downtime, fraction, fraction >= case.target


def run(case: Case) -> UptimeResult:
    return uptime(
        period=case.period,
        outages=case.outages,
        maintenance=case.schedule,
        target=case.target,
        min_outage_seconds=case.min_outage,
        maintenance_mode="exclude" if case.mode == "exclude" else "count_as_up",
    )


def check(case: Case, step: int) -> None:
    result = run(case)
    maintenance, eligible, downtime, fraction, met = brute_force(case, step)
    assert result.period_seconds == case.period[1] - case.period[0]
    assert result.maintenance_seconds == maintenance
    assert result.eligible_seconds == eligible
    assert result.downtime_seconds == downtime
    assert result.uptime_fraction == fraction
    assert result.met is met
    assert result.uptime_percent_display == floor_percent(fraction)
    assert sum(item.counted_seconds for item in result.counted_outages) == downtime


@SETTINGS
@given(minute_cases())
def test_uptime_matches_a_per_minute_brute_force(case: Case) -> None:
    check(case, MINUTE)


@st.composite
def second_cases(draw: st.DrawFn) -> Case:
    """Arbitrary seconds in a UTC period of up to three hours that may cross midnight."""
    p0 = draw(st.sampled_from(ANCHORS)) + draw(st.integers(82_000, 86_400))
    p1 = p0 + draw(st.integers(0, 3 * 3600))
    weekly = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 86_399), st.integers(1, 4_000)).map(
                lambda w: WeeklyWindow(w[0], w[1], min(w[1] + w[2], 86_400))
            ),
            max_size=3,
        )
    )
    outages = draw(
        st.lists(
            st.builds(
                lambda start, length, weight: Outage(p0 + start, p0 + start + length, weight),
                st.integers(-600, 3 * 3600 + 600),
                st.integers(0, 1_500),
                st.sampled_from((Fraction(1), Fraction(1, 2))),
            ),
            max_size=6,
        )
    )
    return Case(
        period=(p0, p1),
        outages=tuple(outages),
        schedule=MaintenanceSchedule("UTC", tuple(weekly)),
        min_outage=draw(st.sampled_from((0, 1, 59, 60, 300))),
        mode=draw(st.sampled_from(("exclude", "count_as_up"))),
        target=draw(st.sampled_from(TARGETS)),
    )


@SETTINGS
@given(second_cases())
def test_uptime_matches_a_per_second_brute_force(case: Case) -> None:
    check(case, 1)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(ZONES[1:]),
    st.sampled_from(ANCHORS),
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 600)).map(_window),
        min_size=1,
        max_size=3,
    ),
)
def test_maintenance_is_the_wall_clock_windows(
    timezone: str, anchor: int, weekly: list[WeeklyWindow]
) -> None:
    """Independent of `local_to_epoch`: every minute whose wall time occurs once is maintenance
    exactly when its local weekday and time of day fall in a window."""
    tz = zone(timezone)
    start, end = anchor, anchor + 3 * 86_400
    starts, ends = MaintenanceSchedule(timezone, tuple(weekly)).intervals(start, end)
    for minute in range(start, end, MINUTE):
        local = epoch_to_local(minute, tz)
        naive = local.replace(tzinfo=None)
        if (
            naive.replace(tzinfo=tz, fold=0).utcoffset()
            != naive.replace(tzinfo=tz, fold=1).utcoffset()
        ):
            continue  # this wall time occurs twice: the rule there is "first occurrence"
        of_day = local.hour * 3600 + local.minute * 60
        expected = any(w.weekday == local.weekday() and w.start <= of_day < w.end for w in weekly)
        index = int(np.searchsorted(starts, minute, side="right")) - 1
        found = index >= 0 and minute < int(ends[index])
        assert found == expected, (local.isoformat(), weekly)


@SETTINGS
@given(minute_cases(), st.data())
def test_uptime_batch_agrees_with_uptime(shared: Case, data: st.DataObject) -> None:
    """One batch of several groups equals `uptime` per group (shared weekly windows, each group
    its own one-off windows and outages)."""
    p0 = shared.period[0]
    more = data.draw(st.lists(st.tuples(minute_outages(p0), one_off_windows(p0)), max_size=4))
    cases = [shared] + [
        Case(
            shared.period, tuple(outages), MaintenanceSchedule("UTC", (), tuple(windows)), 0, "", 0
        )
        for outages, windows in more
    ]
    group, starts, ends, weights = [], [], [], []
    extra_group, extra_starts, extra_ends = [], [], []
    for index, case in enumerate(cases):
        for outage in case.outages:
            group.append(index)
            starts.append(outage.start)
            ends.append(outage.end)
            weights.append(int(outage.weight * 2))
        for low, high in case.schedule.windows:
            extra_group.append(index)
            extra_starts.append(low)
            extra_ends.append(high)
    with_weights = data.draw(st.booleans())
    batch = uptime_batch(
        n_groups=len(cases),
        period=shared.period,
        group=np.asarray(group, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
        ends=np.asarray(ends, dtype=np.int64),
        weights=np.asarray(weights, dtype=np.int64) if with_weights else None,
        weight_denominator=2,
        maintenance=MaintenanceSchedule(shared.schedule.timezone, shared.schedule.weekly),
        group_maintenance=(
            np.asarray(extra_group, dtype=np.int64),
            np.asarray(extra_starts, dtype=np.int64),
            np.asarray(extra_ends, dtype=np.int64),
        ),
        target=shared.target,
        min_outage_seconds=shared.min_outage,
        maintenance_mode="exclude" if shared.mode == "exclude" else "count_as_up",
    )
    for index, case in enumerate(cases):
        single = run(
            Case(
                period=shared.period,
                outages=tuple(
                    outage if with_weights else Outage(outage.start, outage.end)
                    for outage in case.outages
                ),
                schedule=MaintenanceSchedule(
                    shared.schedule.timezone, shared.schedule.weekly, case.schedule.windows
                ),
                min_outage=shared.min_outage,
                mode=shared.mode,
                target=shared.target,
            )
        )
        assert int(batch.maintenance_seconds[index]) == single.maintenance_seconds
        assert int(batch.eligible_seconds[index]) == single.eligible_seconds
        assert batch.downtime_seconds(index) == single.downtime_seconds
        assert bool(batch.met[index]) is single.met
        assert batch.uptime_percent_display(index) == single.uptime_percent_display
