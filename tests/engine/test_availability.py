"""Availability: maintenance windows, merging, cutting, weights and the exact verdicts."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np
import pytest

from accord.engine.availability import Outage, floor_percent, uptime, uptime_batch
from accord.engine.downtime import CountedOutage
from accord.engine.errors import EngineError
from accord.engine.intervals import merge_intervals
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.timeutil import month_bounds, parse_instant, zone

LA = "America/Los_Angeles"
BERLIN = "Europe/Berlin"
MINUTE, HOUR = 60, 3600
WEDNESDAY, SUNDAY = 2, 6
TARGET = Fraction("99.9") / 100
SEED_WINDOW = MaintenanceSchedule(LA, (WeeklyWindow(WEDNESDAY, 1 * HOUR, 1 * HOUR + 30 * MINUTE),))


def at(text: str) -> int:
    return parse_instant(text, "t")


def pairs(intervals: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in zip(*intervals, strict=True)]


def span(start: str, end: str) -> tuple[int, int]:
    return at(start), at(end)


# --- merge_intervals ------------------------------------------------------------------------


def test_merge_joins_overlapping_and_touching_and_sorts() -> None:
    starts = np.array([50, 10, 20, 30, 70], dtype=np.int64)
    ends = np.array([60, 20, 25, 40, 80], dtype=np.int64)
    assert pairs(merge_intervals(starts, ends)) == [(10, 25), (30, 40), (50, 60), (70, 80)]
    assert pairs(merge_intervals([0, 5], [10, 7])) == [(0, 10)]
    assert pairs(merge_intervals([0, 10], [10, 20])) == [(0, 20)]


def test_merge_drops_empty_and_inverted_intervals() -> None:
    assert pairs(merge_intervals([5, 9, 1], [5, 3, 2])) == [(1, 2)]
    assert pairs(merge_intervals([], [])) == []


def test_merge_rejects_mismatched_or_fractional_input() -> None:
    with pytest.raises(EngineError) as caught:
        merge_intervals([1, 2], [3])
    assert caught.value.field == "ends"
    with pytest.raises(EngineError) as caught:
        merge_intervals([1.5], [3.0])
    assert caught.value.field == "starts"


# --- maintenance schedules ------------------------------------------------------------------


def test_seed_window_follows_pacific_time_across_dst() -> None:
    period = month_bounds("2026-03", zone(LA))
    assert pairs(SEED_WINDOW.intervals(*period)) == [
        span("2026-03-04T09:00:00Z", "2026-03-04T09:30:00Z"),  # PST
        span("2026-03-11T08:00:00Z", "2026-03-11T08:30:00Z"),  # PDT from 8 March
        span("2026-03-18T08:00:00Z", "2026-03-18T08:30:00Z"),
        span("2026-03-25T08:00:00Z", "2026-03-25T08:30:00Z"),
    ]


def test_literal_pst_reading_stays_at_nine_utc() -> None:
    literal = MaintenanceSchedule("Etc/GMT+8", SEED_WINDOW.weekly)
    found = pairs(literal.intervals(*span("2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z")))
    assert found == [span("2026-03-11T09:00:00Z", "2026-03-11T09:30:00Z")]


# The local Sunday of each change, as UTC bounds.
LA_SPRING = span("2026-03-08T08:00:00Z", "2026-03-09T07:00:00Z")
LA_AUTUMN = span("2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z")
BERLIN_SPRING = span("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
BERLIN_AUTUMN = span("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")


@pytest.mark.parametrize(
    ("timezone", "day", "start", "end", "expected"),
    [
        # Los Angeles, clocks go forward 02:00 PST -> 03:00 PDT on Sunday 8 March 2026.
        (LA, LA_SPRING, "01:00", "03:00", [("2026-03-08T09:00:00Z", "2026-03-08T10:00:00Z")]),
        (LA, LA_SPRING, "01:30", "02:30", [("2026-03-08T09:30:00Z", "2026-03-08T10:00:00Z")]),
        (LA, LA_SPRING, "02:00", "02:30", []),  # wholly inside the skipped hour
        # Los Angeles, clocks go back 02:00 PDT -> 01:00 PST on Sunday 1 November 2026:
        # 01:00-01:30 is its first pass (PDT), 01:00-02:00 covers both passes.
        (LA, LA_AUTUMN, "01:00", "01:30", [("2026-11-01T08:00:00Z", "2026-11-01T08:30:00Z")]),
        (LA, LA_AUTUMN, "01:00", "02:00", [("2026-11-01T08:00:00Z", "2026-11-01T10:00:00Z")]),
        # Berlin, clocks go forward 02:00 CET -> 03:00 CEST on Sunday 29 March 2026.
        (
            BERLIN,
            BERLIN_SPRING,
            "01:00",
            "04:00",
            [("2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z")],
        ),
        (BERLIN, BERLIN_SPRING, "02:15", "02:45", []),
        # Berlin, clocks go back 03:00 CEST -> 02:00 CET on Sunday 25 October 2026.
        (
            BERLIN,
            BERLIN_AUTUMN,
            "01:00",
            "04:00",
            [("2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z")],
        ),
        (
            BERLIN,
            BERLIN_AUTUMN,
            "02:00",
            "02:30",
            [("2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z")],
        ),
    ],
)
def test_window_on_a_day_the_clocks_change(
    timezone: str,
    day: tuple[int, int],
    start: str,
    end: str,
    expected: list[tuple[str, str]],
) -> None:
    schedule = MaintenanceSchedule(timezone, (WeeklyWindow(SUNDAY, clock(start), clock(end)),))
    assert pairs(schedule.intervals(*day)) == [span(*pair) for pair in expected]


def test_outage_across_a_window_on_the_day_clocks_go_back() -> None:
    schedule = MaintenanceSchedule(BERLIN, (WeeklyWindow(SUNDAY, clock("01:00"), clock("04:00")),))
    outage = Outage(at("2026-10-24T22:30:00Z"), at("2026-10-25T03:30:00Z"))
    result = uptime(period=BERLIN_AUTUMN, outages=[outage], maintenance=schedule, target=TARGET)
    assert result.period_seconds == 25 * HOUR
    assert result.maintenance_seconds == 4 * HOUR
    assert result.downtime_seconds == HOUR  # 30 minutes before the window, 30 after


def clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * HOUR + int(minutes) * MINUTE


def test_window_to_midnight_and_one_off_windows_merge_and_are_cut_to_the_range() -> None:
    schedule = MaintenanceSchedule(
        "UTC",
        (WeeklyWindow(0, 23 * HOUR, 86_400), WeeklyWindow(1, 0, HOUR)),
        windows=((at("2026-06-02T00:30:00Z"), at("2026-06-02T02:00:00Z")),),
    )
    # Monday 1 June 2026 23:00 to Tuesday 02:00 is one merged interval; the range cuts it.
    found = pairs(schedule.intervals(*span("2026-06-01T23:30:00Z", "2026-06-02T01:30:00Z")))
    assert found == [span("2026-06-01T23:30:00Z", "2026-06-02T01:30:00Z")]
    assert pairs(schedule.intervals(10, 10)) == []


def test_bad_maintenance_names_the_field() -> None:
    with pytest.raises(EngineError) as caught:
        MaintenanceSchedule("America/Pacific_Nowhere")
    assert caught.value.field == "timezone"
    with pytest.raises(EngineError) as caught:
        WeeklyWindow(2, 5400, 3600)
    assert caught.value.field == "end"
    with pytest.raises(EngineError) as caught:
        WeeklyWindow(7, 0, 60)
    assert caught.value.field == "weekday"
    with pytest.raises(EngineError) as caught:
        MaintenanceSchedule("UTC", windows=((100, 50),))
    assert caught.value.field == "windows[0]"


# --- uptime: the seed's worked example ------------------------------------------------------


def test_seed_worked_example_march_2026_pacific() -> None:
    period = month_bounds("2026-03", zone(LA))
    outage = Outage(at("2026-03-11T08:15:00Z"), at("2026-03-11T09:40:00Z"))
    result = uptime(period=period, outages=[outage], maintenance=SEED_WINDOW, target=TARGET)

    wednesdays = sum(1 for day in range(1, 32) if date(2026, 3, day).weekday() == WEDNESDAY)
    assert wednesdays == 4
    assert result.period_seconds == 44_580 * MINUTE  # 44,640 wall minutes less the lost hour
    assert result.maintenance_seconds == wednesdays * 30 * MINUTE
    assert result.eligible_seconds == (44_580 - wednesdays * 30) * MINUTE == 2_667_600
    # The window that day is 08:00-08:30 UTC (PDT): only 08:30-09:40 counts.
    assert result.downtime_seconds == 70 * MINUTE == 4_200
    assert result.uptime_fraction == 1 - Fraction(4_200, 2_667_600) == Fraction(4439, 4446)
    assert result.met is False
    assert result.uptime_percent_display == "99.842"
    assert result.counted_outages == (CountedOutage(outage.start, outage.end, Fraction(4_200)),)


# --- uptime: conventions --------------------------------------------------------------------

DAY_PERIOD = span("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")
NIGHTLY = MaintenanceSchedule(
    "UTC", windows=(span("2026-06-01T02:00:00Z", "2026-06-01T03:00:00Z"),)
)


def test_outage_overrunning_a_window_counts_from_the_end_of_the_window() -> None:
    outage = Outage(at("2026-06-01T02:30:00Z"), at("2026-06-01T03:20:00Z"))
    result = uptime(period=DAY_PERIOD, outages=[outage], maintenance=NIGHTLY, target=TARGET)
    assert result.downtime_seconds == 20 * MINUTE
    assert result.eligible_seconds == 23 * HOUR
    assert result.maintenance_seconds == HOUR


def test_outage_starting_before_the_period_counts_from_its_start() -> None:
    outage = Outage(at("2026-05-31T23:00:00Z"), at("2026-06-01T00:10:00Z"))
    result = uptime(period=DAY_PERIOD, outages=[outage], maintenance=None, target=TARGET)
    assert result.downtime_seconds == 10 * MINUTE
    assert result.counted_outages == (CountedOutage(outage.start, outage.end, Fraction(600)),)


def test_touching_outages_from_two_sources_merge_into_one() -> None:
    probe = Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T10:03:00Z"))
    webhook = Outage(at("2026-06-01T10:03:00Z"), at("2026-06-01T10:06:00Z"))
    result = uptime(
        period=DAY_PERIOD,
        outages=[probe, webhook],
        maintenance=None,
        target=TARGET,
        min_outage_seconds=5 * MINUTE,  # each is 3 minutes; merged they are 6
    )
    assert result.downtime_seconds == 6 * MINUTE
    assert result.counted_outages == (CountedOutage(probe.start, webhook.end, Fraction(360)),)


def test_overlapping_outages_count_once() -> None:
    first = Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T10:30:00Z"))
    second = Outage(at("2026-06-01T10:20:00Z"), at("2026-06-01T10:40:00Z"))
    result = uptime(period=DAY_PERIOD, outages=[first, second], maintenance=None, target=TARGET)
    assert result.downtime_seconds == 40 * MINUTE


def test_min_outage_drops_short_outages() -> None:
    short = Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T10:04:59Z"))
    long = Outage(at("2026-06-01T11:00:00Z"), at("2026-06-01T11:05:00Z"))
    result = uptime(
        period=DAY_PERIOD,
        outages=[short, long],
        maintenance=None,
        target=TARGET,
        min_outage_seconds=5 * MINUTE,
    )
    assert result.downtime_seconds == 5 * MINUTE
    assert [item.counted_seconds for item in result.counted_outages] == [0, 300]


def test_min_outage_is_measured_before_cutting_to_period_or_maintenance() -> None:
    # 10 minutes long, only 2 inside the period: it counts, 2 minutes.
    edge = Outage(at("2026-05-31T23:52:00Z"), at("2026-06-01T00:02:00Z"))
    # 10 minutes long, 8 of them inside the 02:00-03:00 window: it counts, 2 minutes.
    window = Outage(at("2026-06-01T02:52:00Z"), at("2026-06-01T03:02:00Z"))
    result = uptime(
        period=DAY_PERIOD,
        outages=[edge, window],
        maintenance=NIGHTLY,
        target=TARGET,
        min_outage_seconds=5 * MINUTE,
    )
    assert result.downtime_seconds == 4 * MINUTE


def test_count_as_up_keeps_the_whole_period_eligible() -> None:
    outage = Outage(at("2026-06-01T02:30:00Z"), at("2026-06-01T03:20:00Z"))
    result = uptime(
        period=DAY_PERIOD,
        outages=[outage],
        maintenance=NIGHTLY,
        target=TARGET,
        maintenance_mode="count_as_up",
    )
    assert result.eligible_seconds == 24 * HOUR
    assert result.maintenance_seconds == HOUR
    assert result.downtime_seconds == 20 * MINUTE
    assert result.uptime_fraction == 1 - Fraction(20 * MINUTE, 24 * HOUR)


def test_no_eligible_time_is_full_uptime_and_met() -> None:
    all_maintenance = MaintenanceSchedule("UTC", windows=(DAY_PERIOD,))
    outage = Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z"))
    result = uptime(period=DAY_PERIOD, outages=[outage], maintenance=all_maintenance, target=TARGET)
    assert result.eligible_seconds == 0
    assert result.downtime_seconds == 0
    assert result.uptime_fraction == 1
    assert result.met is True
    assert result.uptime_percent_display == "100.000"
    empty = uptime(period=(100, 100), outages=[], maintenance=None, target=Fraction(1))
    assert (empty.eligible_seconds, empty.met, empty.uptime_percent_display) == (0, True, "100.000")


def test_met_is_exact_at_the_target() -> None:
    period = (0, 1_000_000)
    at_target = uptime(period=period, outages=[Outage(0, 1_000)], maintenance=None, target=TARGET)
    assert at_target.uptime_fraction == TARGET
    assert at_target.met is True
    assert at_target.uptime_percent_display == "99.900"
    below = uptime(period=period, outages=[Outage(0, 1_001)], maintenance=None, target=TARGET)
    assert below.met is False
    assert below.uptime_percent_display == "99.899"


def test_display_is_floored_never_rounded_up() -> None:
    # 99.8999%: rounding would print 99.900 and suggest compliance.
    result = uptime(
        period=(0, 10_000_000), outages=[Outage(0, 10_001)], maintenance=None, target=TARGET
    )
    assert result.uptime_fraction == Fraction(9_989_999, 10_000_000)
    assert result.uptime_percent_display == "99.899"
    assert result.met is False
    assert floor_percent(Fraction(1)) == "100.000"
    assert floor_percent(Fraction(99, 100)) == "99.000"
    assert floor_percent(Fraction(0)) == "0.000"


def test_partial_outages_count_their_weight_and_the_highest_weight_wins() -> None:
    half = Fraction(1, 2)
    outages = [
        Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z"), half),
        Outage(at("2026-06-01T10:30:00Z"), at("2026-06-01T10:40:00Z")),  # full, inside the half
        Outage(at("2026-06-01T12:00:00Z"), at("2026-06-01T12:00:01Z"), half),
    ]
    result = uptime(period=DAY_PERIOD, outages=outages, maintenance=None, target=TARGET)
    assert result.downtime_seconds == 50 * MINUTE * half + 10 * MINUTE + half
    assert result.downtime_seconds.denominator == 2
    assert [item.counted_seconds for item in result.counted_outages] == [
        Fraction(2_100),
        Fraction(1, 2),
    ]


def test_weights_with_huge_denominators_stay_exact() -> None:
    tiny = Fraction(1, 3**30)  # pushes the sums past int64: Python ints take over
    outages = [
        Outage(at("2026-06-01T10:00:00Z"), at("2026-06-01T11:00:00Z"), tiny),
        Outage(at("2026-06-01T12:00:00Z"), at("2026-06-01T12:00:07Z"), Fraction(1, 7)),
    ]
    result = uptime(period=DAY_PERIOD, outages=outages, maintenance=None, target=TARGET)
    assert result.downtime_seconds == 3_600 * tiny + 1
    assert result.met is True
    assert result.uptime_percent_display == "99.998"


def test_outages_may_be_given_as_arrays() -> None:
    starts = np.array([at("2026-06-01T10:00:00Z"), at("2026-06-01T10:05:00Z")], dtype=np.int64)
    ends = starts + 10 * MINUTE
    result = uptime(period=DAY_PERIOD, outages=(starts, ends), maintenance=None, target=TARGET)
    assert result.downtime_seconds == 15 * MINUTE


def test_bad_uptime_input_names_the_field() -> None:
    with pytest.raises(EngineError) as caught:
        uptime(period=DAY_PERIOD, outages=[], maintenance=None, target=0.999)  # type: ignore[arg-type]
    assert caught.value.field == "target"
    with pytest.raises(EngineError) as caught:
        uptime(period=DAY_PERIOD, outages=[], maintenance=None, target=Fraction(999, 10))
    assert caught.value.field == "target"
    with pytest.raises(EngineError) as caught:
        uptime(period=(10, 5), outages=[], maintenance=None, target=TARGET)
    assert caught.value.field == "period"
    with pytest.raises(EngineError) as caught:
        uptime(
            period=DAY_PERIOD, outages=[], maintenance=None, target=TARGET, min_outage_seconds=-1
        )
    assert caught.value.field == "min_outage_seconds"
    with pytest.raises(EngineError) as caught:
        uptime(
            period=DAY_PERIOD,
            outages=[],
            maintenance=None,
            target=TARGET,
            maintenance_mode="ignore",  # type: ignore[arg-type]
        )
    assert caught.value.field == "maintenance_mode"
    with pytest.raises(EngineError) as caught:
        Outage(10, 5)
    assert caught.value.field == "end"
    with pytest.raises(EngineError) as caught:
        Outage(0, 5, 0.5)  # type: ignore[arg-type]
    assert caught.value.field == "weight"
    with pytest.raises(EngineError) as caught:
        Outage(0, 5, Fraction(0))
    assert caught.value.field == "weight"
    with pytest.raises(EngineError) as caught:
        uptime(
            period=DAY_PERIOD,
            outages=(np.array([5]), np.array([1])),
            maintenance=None,
            target=TARGET,
        )
    assert caught.value.field == "outages[0]"


# --- uptime_batch ---------------------------------------------------------------------------


def test_batch_matches_uptime_per_group_with_weights_and_group_maintenance() -> None:
    period = month_bounds("2026-03", zone(LA))
    p0 = period[0]
    group = np.array([0, 0, 1, 1, 1, 3], dtype=np.int64)
    starts = p0 + np.array([100, 5_000, 0, 900, 10 * HOUR, 20], dtype=np.int64)
    ends = starts + np.array([4_000, 600, 1_000, 60, 2 * HOUR, 10], dtype=np.int64)
    weights = np.array([2, 1, 1, 2, 1, 2], dtype=np.int64)  # over 2: full and half outages
    extra = (np.array([1]), np.array([p0 + 10 * HOUR]), np.array([p0 + 11 * HOUR]))
    batch = uptime_batch(
        n_groups=4,
        period=period,
        group=group,
        starts=starts,
        ends=ends,
        weights=weights,
        weight_denominator=2,
        maintenance=SEED_WINDOW,
        group_maintenance=extra,
        target=TARGET,
        min_outage_seconds=30,
    )
    assert len(batch) == 4
    for index in range(4):
        mine = group == index
        windows = SEED_WINDOW.windows + tuple(
            (int(s), int(e)) for g, s, e in zip(*extra, strict=True) if g == index
        )
        single = uptime(
            period=period,
            outages=[
                Outage(int(s), int(e), Fraction(int(w), 2))
                for s, e, w in zip(starts[mine], ends[mine], weights[mine], strict=True)
            ],
            maintenance=MaintenanceSchedule(LA, SEED_WINDOW.weekly, windows),
            target=TARGET,
            min_outage_seconds=30,
        )
        assert batch.eligible_seconds[index] == single.eligible_seconds
        assert batch.maintenance_seconds[index] == single.maintenance_seconds
        assert batch.downtime_seconds(index) == single.downtime_seconds
        assert batch.uptime_fraction(index) == single.uptime_fraction
        assert bool(batch.met[index]) is single.met
        assert batch.uptime_percent_display(index) == single.uptime_percent_display
    assert batch.maintenance_seconds[1] == 3 * HOUR  # 4 Wednesdays of 30 min + its own hour
    assert batch.downtime_seconds(2) == 0 and bool(batch.met[2])


def test_batch_measures_min_outage_before_cutting_to_the_period() -> None:
    p0 = DAY_PERIOD[0]
    # 610 seconds long, 20 of them inside the period: it counts.
    batch = uptime_batch(
        n_groups=2,
        period=DAY_PERIOD,
        group=[0, 1],
        starts=[p0 - 590, p0 - 10_000],
        ends=[p0 + 20, p0 + 20],
        target=TARGET,
        min_outage_seconds=600,
    )
    assert batch.downtime_numerator.tolist() == [20, 20]


def test_batch_of_no_outages_and_no_groups() -> None:
    empty = np.zeros(0, dtype=np.int64)
    none = uptime_batch(
        n_groups=2, period=DAY_PERIOD, group=empty, starts=empty, ends=empty, target=TARGET
    )
    assert none.display_thousandths.tolist() == [100_000, 100_000]
    assert none.met.tolist() == [True, True]
    zero = uptime_batch(
        n_groups=0, period=DAY_PERIOD, group=empty, starts=empty, ends=empty, target=TARGET
    )
    assert len(zero) == 0


def test_batch_exact_verdict_at_the_target() -> None:
    batch = uptime_batch(
        n_groups=2,
        period=(0, 1_000_000),
        group=[0, 1],
        starts=[0, 0],
        ends=[1_000, 1_001],
        target=TARGET,
    )
    assert batch.met.tolist() == [True, False]
    assert batch.display_thousandths.tolist() == [99_900, 99_899]
    assert batch.downtime_numerator.tolist() == [1_000, 1_001]


def test_batch_bad_input_names_the_field() -> None:
    def call(**changes: object) -> None:
        arguments: dict[str, object] = {
            "n_groups": 2,
            "period": DAY_PERIOD,
            "group": [0, 1],
            "starts": [0, 10],
            "ends": [5, 20],
            "target": TARGET,
        }
        arguments.update(changes)
        uptime_batch(**arguments)  # type: ignore[arg-type]

    for changes, field in [
        ({"group": [0, 2]}, "group[1]"),
        ({"ends": [5, 5]}, "ends[1]"),
        ({"ends": [5]}, "ends"),
        ({"weights": [1, 3], "weight_denominator": 2}, "weights[1]"),
        ({"weights": [1, 1], "weight_denominator": 0}, "weight_denominator"),
        ({"n_groups": -1}, "n_groups"),
        ({"starts": [0.5, 10.0]}, "starts"),
    ]:
        with pytest.raises(EngineError) as caught:
            call(**changes)
        assert caught.value.field == field, changes


def test_batch_with_a_huge_weight_denominator_stays_exact() -> None:
    denominator = 2**31 - 1
    batch = uptime_batch(
        n_groups=2,
        period=(0, 1_000_000),
        group=[0, 1],
        starts=[0, 0],
        ends=[2_000, 2_000],
        weights=[denominator // 2 + 1, denominator // 2],
        weight_denominator=denominator,
        target=TARGET,
    )
    assert batch.downtime_seconds(0) == Fraction(2_000 * (denominator // 2 + 1), denominator)
    assert batch.met.tolist() == [False, True]
    assert batch.display_thousandths.tolist() == [99_899, 99_900]
