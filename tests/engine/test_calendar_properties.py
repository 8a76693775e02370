"""Property tests of the support calendar against a naive reference (tests/engine/reference.py).

Random calendars (weekly ranges on a minute grid, `24:00` ends, overnight pairs, holidays,
overrides, now and then 24×7) in zones with and without DST, around their DST changes in
2015–2027 (Sao Paulo stopped DST in 2019 and Tehran in 2022, so both regimes are drawn).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accord.engine.calendar import Duration, SupportCalendar

# The reference lives beside this file; pytest runs with --import-mode=importlib, so load it
# by path rather than relying on sys.path.
_spec = importlib.util.spec_from_file_location(
    "accord_tests_calendar_reference", Path(__file__).with_name("reference.py")
)
assert _spec is not None and _spec.loader is not None
reference = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = reference
_spec.loader.exec_module(reference)
ReferenceCalendar = reference.ReferenceCalendar

DAY = 86_400
MINUTE = 60
ZONES = (
    "America/Los_Angeles",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Tehran",
    "UTC",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY_SETS = {
    "America/Los_Angeles": {"country": "US", "subdiv": "CA"},
    "Europe/Berlin": {"country": "DE", "subdiv": "BE"},
    "Australia/Sydney": {"country": "AU", "subdiv": "NSW"},
    "America/Sao_Paulo": {"country": "BR", "subdiv": "SP"},
    "Asia/Tehran": {"country": "IR"},
    "UTC": {"country": "GB"},
}
# Wall times where the zones above change their clocks, and the ends of the day.
SPECIAL_MINUTES = (0, 60, 120, 150, 180, 1380, 1440)
# The whole file runs in about 15 s on two cores: the reference scans about 23,000 minutes
# per example, so its tests draw fewer examples than the algebra.
SETTINGS = settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MORE = settings(SETTINGS, max_examples=80)


# -- strategies ------------------------------------------------------------------------------


def epoch(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())


@cache
def dst_changes(zone_name: str, year: int) -> tuple[int, ...]:
    """The instants (epoch seconds) at which `zone_name` changes its UTC offset in `year`."""
    tz = ZoneInfo(zone_name)

    def offset(instant: int) -> timedelta | None:
        return datetime.fromtimestamp(instant, UTC).astimezone(tz).utcoffset()

    changes = []
    day = epoch(datetime(year, 1, 1, tzinfo=UTC))
    stop = epoch(datetime(year + 1, 1, 1, tzinfo=UTC))
    while day < stop:
        if offset(day) != offset(day + DAY):
            low, high = day, day + DAY  # offset(low) is the old one, offset(high) the new one
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == offset(day):
                    low = middle
                else:
                    high = middle
            changes.append(high)
        day += DAY
    return tuple(changes)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_ranges(draw: st.DrawFn) -> list[list[str]]:
    """Zero to two ranges of one date: sorted, disjoint, sometimes adjacent."""
    grid = draw(st.sampled_from((1, 15, 30, 60)))
    point = st.one_of(
        st.sampled_from(SPECIAL_MINUTES), st.integers(0, 1440 // grid).map(lambda k: k * grid)
    )
    points = sorted(set(draw(st.lists(point, max_size=4))))
    if len(points) == 3:  # two adjacent ranges sharing the middle point
        pairs = [(points[0], points[1]), (points[1], points[2])]
    else:
        pairs = list(zip(points[::2], points[1::2], strict=False))
    return [[clock(a), clock(b)] for a, b in pairs if a < b]


@st.composite
def calendars(draw: st.DrawFn, zone_name: str, anchor_day: date) -> dict[str, Any]:
    """A calendar object as `SupportCalendar.from_dict` takes it."""
    if draw(st.integers(0, 9)) == 0:
        return {"always": True, "timezone": zone_name}
    weekly = {day: draw(day_ranges()) for day in WEEKDAYS}
    if draw(st.booleans()):  # an overnight pair: one date up to 24:00, the next from 00:00
        first = draw(st.integers(0, 6))
        late, early = draw(st.integers(1, 23)), draw(st.integers(1, 23))
        weekly[WEEKDAYS[first]] = [
            r for r in weekly[WEEKDAYS[first]] if r[1] <= clock(late * 60)
        ] + [[clock(late * 60), "24:00"]]
        following = WEEKDAYS[(first + 1) % 7]
        weekly[following] = [["00:00", clock(early * 60)]] + [
            r for r in weekly[following] if r[0] >= clock(early * 60)
        ]
    assume(any(weekly.values()))
    offsets = st.integers(-2, 12)
    holidays = draw(st.lists(offsets, max_size=3, unique=True))
    overrides = draw(st.dictionaries(offsets, day_ranges(), max_size=2))
    data: dict[str, Any] = {
        "timezone": zone_name,
        "weekly": {day: ranges for day, ranges in weekly.items() if ranges},
    }
    if holidays:
        data["holidays"] = [(anchor_day + timedelta(days=k)).isoformat() for k in holidays]
    if draw(st.integers(0, 3)) == 0:
        data["holiday_sets"] = [HOLIDAY_SETS[zone_name]]
    if overrides:
        data["overrides"] = {
            (anchor_day + timedelta(days=k)).isoformat(): ranges for k, ranges in overrides.items()
        }
    return data


class Scenario:
    """A calendar, its reference over [low, high) and the stretch starts are drawn from."""

    def __init__(self, data: dict[str, Any], anchor: int, with_reference: bool) -> None:
        self.data = data
        self.calendar = SupportCalendar.from_dict(data)
        self.anchor = anchor
        self.low, self.high = anchor - 2 * DAY, anchor + 10 * DAY
        self.reference = ReferenceCalendar(data, self.low, self.high) if with_reference else None

    def __repr__(self) -> str:
        when = datetime.fromtimestamp(self.anchor, UTC).isoformat()
        return f"Scenario(anchor={self.anchor} ({when}), data={self.data!r})"


@st.composite
def scenarios(draw: st.DrawFn, with_reference: bool = True) -> Scenario:
    zone_name = draw(st.sampled_from(ZONES))
    year = draw(st.integers(2015, 2027))
    changes = dst_changes(zone_name, year)
    where = draw(st.integers(0, 9))
    if changes and where > 2:
        near = draw(st.sampled_from(changes))
    elif where == 0:  # near a new year, where compilation by whole years has its seams
        near = epoch(datetime(year, 1, 1, tzinfo=UTC))
    else:
        near = draw(
            st.integers(
                epoch(datetime(year, 1, 1, tzinfo=UTC)), epoch(datetime(year, 12, 31, tzinfo=UTC))
            )
        )
    anchor = near + draw(st.integers(-DAY, DAY))
    anchor -= anchor % MINUTE
    anchor_day = datetime.fromtimestamp(anchor, UTC).astimezone(ZoneInfo(zone_name)).date()
    data = draw(calendars(zone_name, anchor_day))
    return Scenario(data, anchor, with_reference)


def starts(scenario: Scenario) -> st.SearchStrategy[int]:
    """Instants within a day of the anchor: on the minute grid, any second, or an opening or
    closing instant (or the second either side of one)."""
    choices = [
        st.integers(-24 * 60, 24 * 60).map(lambda k: scenario.anchor + k * MINUTE),
        instants(scenario),
    ]
    if scenario.reference is not None:
        edges = sorted(
            edge + shift
            for edge in scenario.reference.edges
            for shift in (-1, 0, 1)
            if abs(edge + shift - scenario.anchor) <= DAY
        )
        if edges:
            choices.append(st.sampled_from(edges))
    return st.one_of(*choices)


def instants(scenario: Scenario) -> st.SearchStrategy[int]:
    """Any second within a day of the anchor."""
    return st.integers(scenario.anchor - DAY, scenario.anchor + DAY)


def one(array: Any) -> int:
    return int(np.asarray(array).reshape(-1)[0])


def elapsed(calendar: SupportCalendar, start: int, end: int) -> int:
    return one(calendar.elapsed(np.array([start]), np.array([end])))


def add(calendar: SupportCalendar, start: int, duration: Duration) -> int:
    return one(calendar.add(np.array([start]), duration))


# -- against the reference --------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_elapsed_is_open_and_next_opening_match_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    ref = scenario.reference
    assert ref is not None
    begin = data.draw(st.lists(starts(scenario), min_size=1, max_size=8))
    lengths = data.draw(
        st.lists(
            st.integers(-DAY // MINUTE, 6 * DAY // MINUTE), min_size=len(begin), max_size=len(begin)
        )
    )
    end = [a + k * MINUTE for a, k in zip(begin, lengths, strict=True)]
    got = scenario.calendar.elapsed(np.array(begin), np.array(end))
    assert got.tolist() == [ref.elapsed(a, b) for a, b in zip(begin, end, strict=True)]
    assert scenario.calendar.is_open(np.array(begin)).tolist() == [ref.is_open(a) for a in begin]
    expected = [ref.next_opening(a) for a in begin]
    assume(None not in expected)
    assert scenario.calendar.next_opening(np.array(begin)).tolist() == expected


@SETTINGS
@given(data=st.data())
def test_add_seconds_matches_the_reference_and_is_the_last_instant(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    ref = scenario.reference
    assert ref is not None
    start = data.draw(starts(scenario))
    available = ref.elapsed(start, scenario.high)
    assume(available > 0)
    # Either any amount, or exactly the support time up to some minute (often a closing time).
    seconds = data.draw(
        st.one_of(
            st.integers(0, available - 1),
            st.sampled_from((0, available - 1)),
            st.integers(-(-start // MINUTE), scenario.high // MINUTE - 1).map(
                lambda k: ref.elapsed(start, k * MINUTE)
            ),
        )
    )
    assume(seconds < available)
    due = add(scenario.calendar, start, Duration(seconds=seconds))
    assert due == ref.add(start, seconds)
    assert elapsed(scenario.calendar, start, due) == seconds
    assert elapsed(scenario.calendar, start, due + 1) == seconds + 1
    reached = one(scenario.calendar.reach_epoch(np.array([start]), np.array([seconds])))
    assert reached == ref.reach(start, seconds)


@SETTINGS
@given(data=st.data())
def test_add_days_matches_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    ref = scenario.reference
    assert ref is not None
    start = data.draw(starts(scenario))
    days = data.draw(st.integers(0, 3))
    seconds = data.draw(st.sampled_from((0, 1, 59, 3600, 5400)))
    expected = ref.add_duration(start, days, seconds)
    assume(expected is not None)
    assert add(scenario.calendar, start, Duration(days=days, seconds=seconds)) == expected


# -- algebra ----------------------------------------------------------------------------------


@MORE
@given(data=st.data())
def test_elapsed_is_additive_and_monotone_in_the_end(data: st.DataObject) -> None:
    scenario = data.draw(scenarios(with_reference=False))
    a, b, c = sorted(data.draw(st.lists(instants(scenario), min_size=3, max_size=3)))
    c += data.draw(st.integers(0, 5 * DAY))
    calendar = scenario.calendar
    ab, bc, ac = elapsed(calendar, a, b), elapsed(calendar, b, c), elapsed(calendar, a, c)
    assert ab + bc == ac
    assert 0 <= ab <= ac and 0 <= bc <= ac
    assert ac <= c - a
    assert elapsed(calendar, c, a) == 0 and elapsed(calendar, b, b) == 0


@MORE
@given(data=st.data())
def test_elapsed_of_add_is_the_duration(data: st.DataObject) -> None:
    scenario = data.draw(scenarios(with_reference=False))
    start = data.draw(instants(scenario))
    seconds = data.draw(st.integers(0, 5 * DAY))
    due = add(scenario.calendar, start, Duration(seconds=seconds))
    assert due >= start
    assert elapsed(scenario.calendar, start, due) == seconds
    assert elapsed(scenario.calendar, start, due + 1) == seconds + 1
    assert one(scenario.calendar.is_open(np.array([due])))


@MORE
@given(data=st.data())
def test_add_is_monotone(data: st.DataObject) -> None:
    scenario = data.draw(scenarios(with_reference=False))
    calendar = scenario.calendar
    first, second = sorted(data.draw(st.lists(instants(scenario), min_size=2, max_size=2)))
    small, large = sorted(data.draw(st.lists(st.integers(0, 3 * DAY), min_size=2, max_size=2)))
    days = data.draw(st.integers(0, 3))
    # In the seconds, for a fixed number of days.
    assert add(calendar, first, Duration(days, small)) <= add(
        calendar, first, Duration(days, large)
    )
    # In the days, for fixed seconds.
    assert add(calendar, first, Duration(days, small)) <= add(
        calendar, first, Duration(days + 1, small)
    )
    # In the start, for seconds only (days keep the wall clock time, which a DST overlap
    # can make run backwards).
    assert add(calendar, first, Duration(seconds=small)) <= add(
        calendar, second, Duration(seconds=small)
    )


@SETTINGS
@given(data=st.data())
def test_vectorised_results_equal_element_wise_scalar_results(data: st.DataObject) -> None:
    scenario = data.draw(scenarios(with_reference=False))
    calendar = scenario.calendar
    size = data.draw(st.integers(1, 6))
    # Now and then an instant years away, so one call spans many compiled years.
    anywhere = instants(scenario) | st.integers(-2, 2).map(
        lambda k: scenario.anchor + k * 366 * DAY
    )
    begin = data.draw(st.lists(anywhere, min_size=size, max_size=size))
    end = data.draw(st.lists(anywhere, min_size=size, max_size=size))
    durations = [
        Duration(days=d, seconds=s)
        for d, s in data.draw(
            st.lists(
                st.tuples(st.integers(0, 2), st.integers(0, 2 * DAY)), min_size=size, max_size=size
            )
        )
    ]

    def aware(instant: int) -> datetime:
        return datetime.fromtimestamp(instant, UTC)

    begin_array = np.array(begin, dtype=np.int64)
    end_array = np.array(end, dtype=np.int64)
    scalar_elapsed = [calendar.elapsed(aware(a), aware(b)) for a, b in zip(begin, end, strict=True)]
    scalar_due = [epoch(calendar.add(aware(a), d)) for a, d in zip(begin, durations, strict=True)]
    got_elapsed = calendar.elapsed(begin_array, end_array)
    got_due = calendar.add(begin_array, durations)
    assert isinstance(got_elapsed, np.ndarray) and got_elapsed.dtype == np.int64
    assert isinstance(got_due, np.ndarray) and got_due.dtype == np.int64
    assert got_elapsed.tolist() == scalar_elapsed
    assert got_due.tolist() == scalar_due
    # datetime64 in, the same answers; fractions of a second are dropped.
    fraction = np.array(data.draw(st.lists(st.integers(0, 999), min_size=size, max_size=size)))
    begin_ms = begin_array.astype("datetime64[s]").astype("datetime64[ms]") + fraction
    end_ms = end_array.astype("datetime64[s]").astype("datetime64[ms]") + fraction
    assert calendar.elapsed(begin_ms, end_ms).tolist() == scalar_elapsed
    assert calendar.add(begin_ms, durations).tolist() == scalar_due
    # Any shape in, the same shape out.
    column = begin_array.reshape(-1, 1)
    assert calendar.add(column, durations).tolist() == [[due] for due in scalar_due]
    assert calendar.elapsed(column, end_array.reshape(-1, 1)).tolist() == [
        [value] for value in scalar_elapsed
    ]
    # One duration for every start.
    same = durations[0]
    assert calendar.add(begin_array, same).tolist() == [
        epoch(calendar.add(aware(a), same)) for a in begin
    ]
    # A calendar that compiled other years first (its cache grown both ways) agrees.
    warmed = SupportCalendar.from_dict(scenario.data)
    far = np.array([scenario.anchor + 3 * 366 * DAY, scenario.anchor - 3 * 366 * DAY])
    warmed.elapsed(far[:1], far[:1] + DAY)
    warmed.add(far[1:], Duration(days=1, seconds=1))
    assert warmed.elapsed(begin_array, end_array).tolist() == scalar_elapsed
    assert warmed.add(begin_array, durations).tolist() == scalar_due
