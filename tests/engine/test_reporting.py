"""Percentiles and per-outage shares for reports, against plain references."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.availability import Outage, uptime
from accord.engine.calendar import SupportCalendar
from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.numbers import format_fraction
from accord.engine.reporting import nearest_rank, outage_shares


@given(st.lists(st.integers(0, 10**6), max_size=60), st.integers(0, 100))
def test_nearest_rank_is_the_smallest_value_with_percent_at_or_below(
    values: list[int], percent: int
) -> None:
    answer = nearest_rank(values, percent)
    if not values:
        assert answer is None
        return
    ordered = sorted(values)
    # Reference: walk up the sorted values until at least `percent` % are at or below.
    reference = next(
        v for i, v in enumerate(ordered, start=1) if Fraction(i, len(ordered)) * 100 >= percent
    )
    assert answer == reference
    assert answer == ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1]


def test_nearest_rank_examples_and_bad_percent() -> None:
    assert nearest_rank([30, 10, 20, 40], 50) == 20
    assert nearest_rank([30, 10, 20, 40], 90) == 40
    assert nearest_rank([5], 90) == 5
    with pytest.raises(EngineError, match="percent"):
        nearest_rank([1], 101)


WEDNESDAY = MaintenanceSchedule(
    timezone="America/Los_Angeles", weekly=(WeeklyWindow(weekday=2, start=3600, end=5400),)
)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 14 * 86_400), st.integers(1, 20_000), st.sampled_from(["1", "0.5"])
        ),
        max_size=8,
    ),
    st.integers(0, 900),
)
def test_each_outage_share_equals_its_uptime_alone(
    spans: list[tuple[int, int, str]], minimum: int
) -> None:
    period = (1_772_323_200, 1_772_323_200 + 14 * 86_400)  # 2026-03-01 UTC, two weeks
    outages = [
        Outage(start=period[0] + a - 3600, end=period[0] + a - 3600 + n, weight=Fraction(w))
        for a, n, w in spans
    ]
    shares = outage_shares(
        period=period, outages=outages, maintenance=WEDNESDAY, min_outage_seconds=minimum
    )
    for one, share in zip(outages, shares, strict=True):
        alone = uptime(
            period=period,
            outages=[one],
            maintenance=WEDNESDAY,
            target=Fraction(999, 1000),
            min_outage_seconds=minimum,
        )
        assert share == alone.downtime_seconds


def test_format_fraction() -> None:
    assert format_fraction(Fraction(2469, 2)) == "1234.5"
    assert format_fraction(Fraction(60)) == "60"
    assert format_fraction(Fraction(100, 3)) == "33.333"
    assert format_fraction(Fraction(1300, 12), 1) == "108.3"


def test_a_calendar_describes_itself() -> None:
    calendar = SupportCalendar.from_dict(
        {
            "timezone": "Europe/London",
            "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
            | {"sat": [["09:00", "12:00"]]},
            "holidays": ["2026-12-24"],
            "holiday_sets": [{"country": "GB", "subdiv": "ENG"}],
        }
    )
    assert calendar.describe() == (
        "Mon-Fri 08:00-18:00; Sat 09:00-12:00 (Europe/London); closed on the public holidays "
        "of GB-ENG and on 1 other date"
    )
    assert SupportCalendar.twenty_four_seven("UTC").describe() == "24x7 (UTC)"
