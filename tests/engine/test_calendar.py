"""Unit tests of the support calendar, one or more per convention, with hand-worked numbers.

Dates in 2026: Monday 2 March; America/Los_Angeles springs forward on Sunday 8 March (02:00 PST
becomes 03:00 PDT) and falls back on Sunday 1 November (02:00 PDT becomes 01:00 PST);
Thanksgiving is Thursday 26 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.errors import EngineError
from accord.engine.timeutil import local_to_epoch, parse_instant, to_epoch

LA_NAME = "America/Los_Angeles"
LA = ZoneInfo(LA_NAME)
HOUR = 3600
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def la(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall clock time in Los Angeles in 2026 (first occurrence when it occurs twice)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=LA)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar(**fields: Any) -> SupportCalendar:
    return SupportCalendar.from_dict({"timezone": LA_NAME, **fields})


def office(**fields: Any) -> SupportCalendar:
    """Monday to Friday 08:00-17:00 in Los Angeles."""
    return calendar(weekly={day: [["08:00", "17:00"]] for day in WORKDAYS}, **fields)


def on_date(cal: SupportCalendar, day: date) -> int:
    """Support seconds of one local date in Los Angeles."""
    start = datetime(day.year, day.month, day.day, tzinfo=LA)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=LA)
    return cal.elapsed(start, end)


# -- convention 1: elapsed counts real seconds of support time ----------------------------------


def test_elapsed_counts_support_hours_only() -> None:
    # Monday 07:00 to Wednesday 12:00: 9 h Monday, 9 h Tuesday, 4 h Wednesday.
    assert office().elapsed(la(3, 2, 7), la(3, 4, 12)) == 22 * HOUR
    # Inside one window, and from a closing time to the next opening.
    assert office().elapsed(la(3, 2, 9, 15), la(3, 2, 10, 45)) == 90 * 60
    assert office().elapsed(la(3, 2, 17), la(3, 3, 8)) == 0
    # Friday 16:00 to Monday 09:00 (the clocks change on the Sunday in between): 2 h.
    assert office().elapsed(la(3, 6, 16), la(3, 9, 9)) == 2 * HOUR


def test_a_window_across_a_dst_change_counts_real_seconds() -> None:
    cal = calendar(weekly={"sun": [["00:00", "06:00"]]})
    # Six wall-clock hours; the clocks skip one on 8 March and repeat one on 1 November.
    assert on_date(cal, date(2026, 3, 8)) == 5 * HOUR
    assert on_date(cal, date(2026, 11, 1)) == 7 * HOUR
    assert on_date(cal, date(2026, 3, 15)) == 6 * HOUR
    # An overnight window Saturday 22:00 to Sunday 04:00 across spring forward: 5 h.
    overnight = calendar(weekly={"sat": [["22:00", "24:00"]], "sun": [["00:00", "04:00"]]})
    assert overnight.elapsed(la(3, 7, 12), la(3, 8, 12)) == 5 * HOUR
    assert overnight.elapsed(la(10, 31, 12), la(11, 1, 12)) == 7 * HOUR


def test_a_midnight_dst_change_in_sao_paulo() -> None:
    # Sao Paulo sprang forward at midnight on 4 November 2018 (00:00 became 01:00) and fell
    # back at midnight on 17 February 2019 (Sunday 00:00 became Saturday 23:00 again).
    cal = SupportCalendar.from_dict(
        {
            "timezone": "America/Sao_Paulo",
            "weekly": {"sat": [["22:00", "24:00"]], "sun": [["00:00", "02:00"]]},
        }
    )
    assert cal.elapsed(utc("2018-11-03T12:00"), utc("2018-11-04T12:00")) == 3 * HOUR
    assert cal.elapsed(utc("2019-02-16T12:00"), utc("2019-02-17T12:00")) == 5 * HOUR


def test_elapsed_is_zero_when_the_end_is_not_after_the_start() -> None:
    cal = office()
    assert cal.elapsed(la(3, 2, 10), la(3, 2, 10)) == 0
    assert cal.elapsed(la(3, 2, 12), la(3, 2, 10)) == 0
    assert cal.elapsed(la(3, 4, 12), la(3, 2, 7)) == 0
    starts = np.array([to_epoch(la(3, 4, 12)), to_epoch(la(3, 2, 10))])
    ends = np.array([to_epoch(la(3, 2, 7)), to_epoch(la(3, 2, 10))])
    assert cal.elapsed(starts, ends).tolist() == [0, 0]


def test_fractions_of_a_second_are_dropped() -> None:
    cal = office()
    start = la(3, 2, 9).replace(microsecond=999_999)  # counts as 09:00:00
    assert cal.elapsed(start, la(3, 2, 9, 0, 1).replace(microsecond=500_000)) == 1
    assert cal.elapsed(la(3, 2, 9).replace(microsecond=100_000), start) == 0
    assert cal.add(start, Duration(seconds=60)) == la(3, 2, 9, 1)
    assert parse_instant("2026-03-02T17:00:00.999Z", "t") == parse_instant(
        "2026-03-02T17:00:00Z", "t"
    )
    assert to_epoch(utc("2026-03-02T17:00:00.999999")) == to_epoch(utc("2026-03-02T17:00:00"))
    millis = np.array(["2026-03-02T17:00:00.999", "2026-03-02T17:00:59.999"], "datetime64[ms]")
    seconds = np.array(["2026-03-02T17:00:00", "2026-03-02T17:00:59"], "datetime64[s]")
    assert cal.elapsed(millis[:1], millis[1:]).tolist() == [59]
    assert (
        cal.add(millis, Duration(seconds=1)).tolist()
        == cal.add(seconds, Duration(seconds=1)).tolist()
    )


# -- convention 2: add returns the last instant within the duration -----------------------------


def test_add_seconds_within_a_day_and_over_a_weekend() -> None:
    cal = office()
    assert cal.add(la(3, 2, 9), Duration(seconds=4 * HOUR)) == la(3, 2, 13)
    assert cal.add(la(3, 2, 16), Duration(seconds=3 * HOUR)) == la(3, 3, 10)
    # Friday 16:00 + 2 h: 1 h on Friday, 1 h from Monday's opening (in PDT by then).
    due = cal.add(la(3, 6, 16), Duration(seconds=2 * HOUR))
    assert due == la(3, 9, 9)
    assert due == utc("2026-03-09T16:00:00")
    # A Critical ticket (4 h) raised on Saturday: the clock starts at Monday's opening.
    assert cal.add(la(3, 7, 10), Duration(seconds=4 * HOUR)) == la(3, 9, 12)


def test_a_duration_used_up_at_closing_time_is_due_at_the_next_opening() -> None:
    cal = office()
    due = cal.add(la(3, 2, 16), Duration(seconds=HOUR))
    assert due == la(3, 3, 8)  # not Monday 17:00
    assert cal.elapsed(la(3, 2, 16), due) == HOUR
    assert cal.elapsed(la(3, 2, 16), due + timedelta(seconds=1)) == HOUR + 1
    assert cal.add(la(3, 2, 16), Duration(seconds=HOUR - 1)) == la(3, 2, 16, 59, 59)
    assert cal.add(la(3, 2, 16), Duration(seconds=HOUR + 1)) == la(3, 3, 8, 0, 1)
    # Friday's closing: due at Monday's opening.
    assert cal.add(la(3, 6, 8), Duration(seconds=9 * HOUR)) == la(3, 9, 8)
    # reach_epoch is the other reading: the amount is reached at the closing time itself.
    start = np.array([to_epoch(la(3, 2, 16))])
    assert cal.reach_epoch(start, np.array([HOUR])).tolist() == [to_epoch(la(3, 2, 17))]
    assert cal.reach_epoch(start, np.array([HOUR + 1])).tolist() == [to_epoch(la(3, 3, 8, 0, 1))]
    assert cal.reach_epoch(start, np.array([0])).tolist() == start.tolist()


def test_a_zero_duration_is_due_at_the_start_or_the_next_opening() -> None:
    cal = office()
    assert cal.add(la(3, 2, 10), Duration()) == la(3, 2, 10)
    assert cal.add(la(3, 2, 8), Duration()) == la(3, 2, 8)  # an opening time is inside
    assert cal.add(la(3, 2, 17), Duration()) == la(3, 3, 8)  # a closing time is outside
    assert cal.add(la(3, 7, 10), Duration()) == la(3, 9, 8)  # Saturday
    instants = np.array([to_epoch(la(3, 2, 10)), to_epoch(la(3, 2, 17)), to_epoch(la(3, 7, 10))])
    assert cal.next_opening(instants).tolist() == [
        to_epoch(la(3, 2, 10)),
        to_epoch(la(3, 3, 8)),
        to_epoch(la(3, 9, 8)),
    ]
    assert cal.is_open(instants).tolist() == [True, False, False]


def test_a_calendar_without_hours_is_an_error_not_a_hang() -> None:
    with pytest.raises(EngineError) as raised:
        calendar().add(la(3, 2, 10), Duration(seconds=1))
    assert raised.value.field == "calendar"
    only_once = calendar(overrides={"2026-03-03": [["09:00", "10:00"]]})
    assert only_once.add(la(3, 2, 10), Duration(seconds=60)) == la(3, 3, 9, 1)
    with pytest.raises(EngineError) as raised:
        only_once.add(la(3, 2, 10), Duration(days=2))
    assert raised.value.field == "calendar"


# -- convention 3: support days ----------------------------------------------------------------


def test_days_keep_the_local_clock_time() -> None:
    cal = office()
    assert cal.add(la(3, 2, 15), Duration(days=2)) == la(3, 4, 15)  # the design's example
    assert cal.add(la(3, 6, 15), Duration(days=1)) == la(3, 9, 15)  # over a weekend and DST
    assert cal.add(la(3, 2, 15), Duration(days=7)) == la(3, 11, 15)


def test_days_from_outside_hours_start_at_the_next_opening() -> None:
    # The lead's documented deviation: the clock's start is the next opening, Monday 08:00,
    # and one full support day after it is Tuesday 08:00 (not Monday 10:00).
    cal = office()
    assert cal.add(la(3, 7, 10), Duration(days=1)) == la(3, 10, 8)
    assert cal.add(la(3, 2, 18), Duration(days=1)) == la(3, 4, 8)  # after Monday's closing
    assert cal.add(la(3, 2, 6), Duration(days=1)) == la(3, 3, 8)  # before Monday's opening


def test_days_skip_dates_without_support_hours() -> None:
    cal = office(holiday_sets=[{"country": "US", "subdiv": "CA"}])
    # Thanksgiving and the day after are California holidays.
    assert cal.add(la(11, 25, 10), Duration(days=1)) == la(11, 30, 10)
    # A date whose only hours a DST gap swallows has no support time and is skipped.
    cal = calendar(weekly={"sat": [["09:00", "17:00"]], "sun": [["02:00", "03:00"]], "mon": []})
    assert cal.add(la(3, 7, 10), Duration(days=1)) == la(3, 14, 10)
    # A week later the Sunday has its hour: Sunday 10:00 is outside it, so the next opening,
    # Saturday 09:00.
    assert cal.add(la(3, 14, 10), Duration(days=1)) == la(3, 21, 9)


def test_a_time_outside_the_target_dates_hours_moves_to_the_next_opening() -> None:
    cal = calendar(
        weekly={
            "mon": [["08:00", "17:00"]],
            "tue": [["12:00", "16:00"]],
            "wed": [["08:00", "17:00"]],
        }
    )
    assert cal.add(la(3, 2, 9), Duration(days=1)) == la(3, 3, 12)  # before Tuesday's opening
    assert cal.add(la(3, 2, 13), Duration(days=1)) == la(3, 3, 13)
    # Ranges are half-open: Tuesday 16:00 is a closing time, outside.
    assert cal.add(la(3, 2, 16), Duration(days=1)) == la(3, 4, 8)
    assert cal.add(la(3, 2, 15, 59, 59), Duration(days=1)) == la(3, 3, 15, 59, 59)


def test_days_are_applied_before_hours() -> None:
    cal = calendar(
        weekly={
            "mon": [["08:00", "17:00"]],
            "tue": [["08:00", "12:00"]],
            "wed": [["08:00", "17:00"]],
        }
    )
    # Monday 15:00 + 1 day = Tuesday 15:00, outside, so Wednesday 08:00; + 1 h = 09:00.
    # (Hours first would give Monday 16:00, + 1 day = Tuesday 16:00, so Wednesday 08:00.)
    assert cal.add(la(3, 2, 15), Duration(days=1, seconds=HOUR)) == la(3, 4, 9)
    # Office hours: Monday 15:00 + 2 days = Wednesday 15:00; + 3 h = Thursday 09:00.
    assert office().add(la(3, 2, 15), Duration(days=2, seconds=3 * HOUR)) == la(3, 5, 9)


# -- convention 4: holidays and overrides act on local dates ------------------------------------


OVERNIGHT = {"thu": [["22:00", "24:00"]], "fri": [["00:00", "06:00"]]}


def test_overnight_ranges_belong_to_their_own_dates() -> None:
    # Thursday 5 March 22:00 to Friday 6 March 06:00.
    assert calendar(weekly=OVERNIGHT).elapsed(la(3, 5, 20), la(3, 6, 12)) == 8 * HOUR
    friday_off = calendar(weekly=OVERNIGHT, holidays=["2026-03-06"])
    assert friday_off.elapsed(la(3, 5, 20), la(3, 6, 12)) == 2 * HOUR  # Thursday's part stays
    assert friday_off.is_open(
        np.array([to_epoch(la(3, 5, 23)), to_epoch(la(3, 6, 1))])
    ).tolist() == [
        True,
        False,
    ]
    thursday_off = calendar(weekly=OVERNIGHT, holidays=["2026-03-05"])
    assert thursday_off.elapsed(la(3, 5, 20), la(3, 6, 12)) == 6 * HOUR
    # A ticket at Thursday 23:00 with 2 h: 1 h on Thursday, 1 h on Friday.
    assert calendar(weekly=OVERNIGHT).add(la(3, 5, 23), Duration(seconds=2 * HOUR)) == la(3, 6, 1)
    assert friday_off.add(la(3, 5, 23), Duration(seconds=2 * HOUR)) == la(3, 12, 23)


def test_holidays_close_a_date_and_overrides_win() -> None:
    week = (la(3, 2, 0), la(3, 9, 0))
    assert office().elapsed(*week) == 45 * HOUR
    assert office(holidays=["2026-03-04"]).elapsed(*week) == 36 * HOUR
    # An override on a holiday opens it; on a weekend date it opens it too.
    opened = office(
        holidays=["2026-03-04"],
        overrides={"2026-03-04": [["10:00", "12:00"]], "2026-03-07": [["09:00", "13:00"]]},
    )
    assert opened.elapsed(*week) == (36 + 2 + 4) * HOUR
    assert opened.hours_on(date(2026, 3, 4)) == ((10 * HOUR, 12 * HOUR),)
    # An empty override closes a date; another override replaces the weekly hours.
    changed = office(overrides={"2026-03-04": [], "2026-03-05": [["12:00", "14:00"]]})
    assert changed.elapsed(*week) == (27 + 2) * HOUR
    assert changed.hours_on(date(2026, 3, 4)) == ()
    assert changed.hours_on(date(2026, 3, 6)) == ((8 * HOUR, 17 * HOUR),)


def test_holiday_sets_come_from_the_holidays_package() -> None:
    cal = office(holiday_sets=[{"country": "US", "subdiv": "CA"}])
    assert cal.hours_on(date(2026, 11, 26)) == ()  # Thanksgiving
    assert on_date(cal, date(2026, 11, 26)) == 0
    assert on_date(cal, date(2026, 11, 25)) == 9 * HOUR
    assert cal.elapsed(la(11, 23, 0), la(11, 30, 0)) == 27 * HOUR  # Mon, Tue, Wed only
    assert cal.add(la(11, 25, 16), Duration(seconds=2 * HOUR)) == la(11, 30, 9)
    # An override still wins over a holiday from a set.
    opened = office(
        holiday_sets=[{"country": "US", "subdiv": "CA"}],
        overrides={"2026-11-26": [["09:00", "11:00"]]},
    )
    assert on_date(opened, date(2026, 11, 26)) == 2 * HOUR


def test_holidays_act_on_local_dates() -> None:
    # Sydney is UTC+11 in March 2026: its 10 March runs from 9 March 13:00 to 10 March 13:00 UTC.
    cal = SupportCalendar.from_dict(
        {
            "timezone": "Australia/Sydney",
            "weekly": {day: [["00:00", "24:00"]] for day in WORKDAYS + ("sat", "sun")},
            "holidays": ["2026-03-10"],
        }
    )
    # Local 9 March 11:00 to 11 March 11:00: 13 h, none, 11 h.
    assert cal.elapsed(utc("2026-03-09T00:00"), utc("2026-03-11T00:00")) == 24 * HOUR
    edges = [to_epoch(utc("2026-03-09T12:59:59")), to_epoch(utc("2026-03-09T13:00:00"))]
    assert cal.is_open(np.array(edges)).tolist() == [True, False]
    assert cal.next_opening(np.array(edges[1:])).tolist() == [to_epoch(utc("2026-03-10T13:00"))]


# -- convention 5: offsets, DST gaps and overlaps -------------------------------------------------


def test_a_timestamp_without_an_offset_is_an_error() -> None:
    with pytest.raises(EngineError) as raised:
        parse_instant("2026-03-02T09:00:00", "ticket.reported_at")
    assert raised.value.field == "ticket.reported_at"
    with pytest.raises(EngineError) as raised:
        to_epoch(datetime(2026, 3, 2, 9), "reported_at")
    assert raised.value.field == "reported_at"
    with pytest.raises(EngineError) as raised:
        office().elapsed(datetime(2026, 3, 2, 9), la(3, 2, 10))
    assert raised.value.field == "start"
    with pytest.raises(EngineError) as raised:
        office().add(datetime(2026, 3, 2, 9), Duration(seconds=1))
    assert raised.value.field == "start"
    for text in ("yesterday", "2026-03-02 9am", 1772470800):
        with pytest.raises(EngineError):
            parse_instant(text, "t")
    assert parse_instant("2026-03-02T09:00:00-08:00", "t") == to_epoch(la(3, 2, 9))
    assert parse_instant("2026-03-02T17:00:00Z", "t") == to_epoch(la(3, 2, 9))
    assert parse_instant("2026-03-02T18:00:00+01:00", "t") == to_epoch(la(3, 2, 9))


def test_wall_times_in_a_gap_or_an_overlap() -> None:
    # 02:30 on 8 March does not exist: the first instant after the gap (03:00 PDT).
    assert local_to_epoch(date(2026, 3, 8), int(2.5 * HOUR), LA) == to_epoch(
        utc("2026-03-08T10:00")
    )
    # 01:30 on 1 November happens twice: the first one (PDT).
    assert local_to_epoch(date(2026, 11, 1), int(1.5 * HOUR), LA) == to_epoch(
        utc("2026-11-01T08:30")
    )
    assert local_to_epoch(date(2026, 11, 1), 2 * HOUR, LA) == to_epoch(utc("2026-11-01T10:00"))
    assert local_to_epoch(date(2026, 3, 1), 24 * HOUR, LA) == to_epoch(la(3, 2, 0))


@pytest.mark.parametrize(
    ("day", "hours", "seconds"),
    [
        ("2026-03-08", ["02:00", "03:00"], 0),  # swallowed by the gap
        ("2026-03-08", ["01:00", "03:00"], HOUR),
        ("2026-03-08", ["02:30", "04:00"], HOUR),  # opens at 03:00 PDT
        ("2026-03-08", ["00:00", "24:00"], 23 * HOUR),
        ("2026-11-01", ["01:00", "02:00"], 2 * HOUR),  # the repeated hour counts twice
        ("2026-11-01", ["01:30", "03:00"], int(2.5 * HOUR)),  # from the first 01:30
        ("2026-11-01", ["00:00", "01:30"], int(1.5 * HOUR)),  # to the first 01:30
        ("2026-11-01", ["00:00", "24:00"], 25 * HOUR),
    ],
)
def test_support_hours_on_dst_change_dates(day: str, hours: list[str], seconds: int) -> None:
    cal = calendar(overrides={day: [hours]})
    assert on_date(cal, date.fromisoformat(day)) == seconds


def test_the_second_occurrence_of_a_closing_time_is_outside() -> None:
    # 00:00-01:30 on the fall-back date ends at the first 01:30: at 01:15 PST the wall clock
    # shows a time inside the range, but the range is over.
    cal = calendar(overrides={"2026-11-01": [["00:00", "01:30"]]})
    first, second = utc("2026-11-01T08:15"), utc("2026-11-01T09:15")  # 01:15 PDT, 01:15 PST
    assert cal.is_open(np.array([to_epoch(first), to_epoch(second)])).tolist() == [True, False]


# -- 24×7 -------------------------------------------------------------------------------------


def test_the_twenty_four_seven_calendar() -> None:
    cal = SupportCalendar.from_dict({"always": True})
    assert cal == SupportCalendar.twenty_four_seven()
    assert cal.to_dict() == {"always": True, "timezone": "UTC"}
    start, end = utc("2026-03-07T10:00:00"), utc("2026-03-09T11:30:15")
    assert cal.elapsed(start, end) == int((end - start).total_seconds())
    assert cal.add(start, Duration(seconds=4 * HOUR)) == start + timedelta(hours=4)
    assert cal.add(start, Duration(days=2)) == start + timedelta(days=2)
    # Its time zone matters for support days: a day across spring forward is 23 h.
    zoned = SupportCalendar.from_dict({"always": True, "timezone": LA_NAME})
    due = zoned.add(la(3, 7, 12), Duration(days=1))
    assert due == la(3, 8, 12)
    assert zoned.elapsed(la(3, 7, 12), due) == 23 * HOUR


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"timezone": LA_NAME, "weekly": {"tue": [["08:00", "12:00"], ["8:00", "17:00"]]}},
            "calendar.weekly.tue[1][0]",
        ),
        (
            {"timezone": LA_NAME, "weekly": {"tue": [["08:00", "12:00"], ["13:00", "24:30"]]}},
            "calendar.weekly.tue[1][1]",
        ),
        (
            {"timezone": LA_NAME, "weekly": {"mon": [["24:00", "24:00"]]}},
            "calendar.weekly.mon[0][0]",
        ),
        # Fixed: a trailing newline and non-ASCII digits were accepted.
        (
            {"timezone": LA_NAME, "weekly": {"mon": [["08:00", "17:00\n"]]}},
            "calendar.weekly.mon[0][1]",
        ),
        (
            {"timezone": LA_NAME, "weekly": {"mon": [["０８:００", "17:00"]]}},
            "calendar.weekly.mon[0][0]",
        ),
        ({"timezone": LA_NAME, "weekly": {"mon": [["08:00", 17]]}}, "calendar.weekly.mon[0][1]"),
        (
            {"timezone": LA_NAME, "weekly": {"mon": [["08:60", "17:00"]]}},
            "calendar.weekly.mon[0][0]",
        ),
        ({"timezone": LA_NAME, "weekly": {"mon": [["17:00", "08:00"]]}}, "calendar.weekly.mon[0]"),
        (
            {"timezone": LA_NAME, "weekly": {"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}},
            "calendar.weekly.mon[1]",
        ),
        ({"timezone": LA_NAME, "weekly": {"mon": [["08:00"]]}}, "calendar.weekly.mon[0]"),
        ({"timezone": LA_NAME, "weekly": {"mon": "08:00-17:00"}}, "calendar.weekly.mon"),
        ({"timezone": LA_NAME, "weekly": {"tues": []}}, "calendar.weekly.tues"),
        ({"timezone": LA_NAME, "weekly": [["08:00", "17:00"]]}, "calendar.weekly"),
        ({"timezone": "Mars/Olympus_Mons"}, "calendar.timezone"),
        ({"timezone": 5}, "calendar.timezone"),
        ({"weekly": {}}, "calendar.timezone"),
        ({"timezone": LA_NAME, "holiday_sets": [{"country": "XX"}]}, "calendar.holiday_sets[0]"),
        (
            {"timezone": LA_NAME, "holiday_sets": [{"country": "US", "subdiv": "ZZ"}]},
            "calendar.holiday_sets[0]",
        ),
        (
            {"timezone": LA_NAME, "holiday_sets": [{"country": "US", "region": "CA"}]},
            "calendar.holiday_sets[0].region",
        ),
        ({"timezone": LA_NAME, "holiday_sets": [{"subdiv": "CA"}]}, "calendar.holiday_sets[0]"),
        ({"timezone": LA_NAME, "holiday_sets": {"country": "US"}}, "calendar.holiday_sets"),
        ({"timezone": LA_NAME, "holidays": ["2026-11-26", "2026-13-01"]}, "calendar.holidays[1]"),
        ({"timezone": LA_NAME, "holidays": "2026-11-26"}, "calendar.holidays"),
        ({"timezone": LA_NAME, "overrides": {"2026-02-30": []}}, "calendar.overrides.2026-02-30"),
        (
            {"timezone": LA_NAME, "overrides": {"2026-12-24": [["09:00"]]}},
            "calendar.overrides.2026-12-24[0]",
        ),
        ({"timezone": LA_NAME, "overrides": [["2026-12-24", []]]}, "calendar.overrides"),
        ({"timezone": LA_NAME, "hours": {}}, "calendar.hours"),
        ({"always": "yes"}, "calendar.always"),
        ({"always": True, "weekly": {}}, "calendar.weekly"),
        ({"always": True, "timezone": "Nowhere/Land"}, "calendar.timezone"),
        ([["08:00", "17:00"]], "calendar"),
    ],
)
def test_from_dict_errors_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(EngineError) as raised:
        SupportCalendar.from_dict(data)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


def test_from_dict_errors_sit_under_the_field_name_given() -> None:
    bad = {"timezone": LA_NAME, "weekly": {"tue": [["08:00", "12:00"], ["8:00", "17:00"]]}}
    with pytest.raises(EngineError) as raised:
        SupportCalendar.from_dict(bad, "severities[0].calendar")
    assert raised.value.field == "severities[0].calendar.weekly.tue[1][0]"


def test_duration_and_input_errors() -> None:
    with pytest.raises(EngineError) as raised:
        Duration(seconds=-1)
    assert raised.value.field == "duration"
    with pytest.raises(EngineError) as raised:
        office().add(la(3, 2, 9), [Duration(seconds=1)])  # type: ignore[call-overload]
    assert raised.value.field == "duration"
    with pytest.raises(EngineError) as raised:
        office().add(np.array([0, 1]), [Duration(seconds=1)])
    assert raised.value.field == "duration"
    with pytest.raises(EngineError) as raised:
        office().elapsed(np.array([1.5]), np.array([2.5]))
    assert raised.value.field == "start"


# -- arrays and round trips -------------------------------------------------------------------


def test_array_inputs_return_arrays() -> None:
    cal = office()
    starts = [la(3, 2, 16), la(3, 6, 16), la(3, 7, 10)]
    epoch_starts = np.array([to_epoch(moment) for moment in starts], dtype=np.int64)
    epoch_ends = epoch_starts + 72 * HOUR  # real hours: after the DST change, one more on the wall
    elapsed = cal.elapsed(epoch_starts, epoch_ends)
    assert isinstance(elapsed, np.ndarray) and elapsed.dtype == np.int64
    # Mon 16:00-Thu 16:00: 1+9+9+8; Fri 16:00-Mon 17:00: 1+9; Sat 10:00-Tue 11:00: 9+3.
    assert elapsed.tolist() == [27 * HOUR, 10 * HOUR, 12 * HOUR]
    due = cal.add(epoch_starts, Duration(seconds=2 * HOUR))
    assert isinstance(due, np.ndarray) and due.dtype == np.int64
    assert due.tolist() == [to_epoch(la(3, 3, 9)), to_epoch(la(3, 9, 9)), to_epoch(la(3, 9, 10))]
    mixed = cal.add(epoch_starts, [Duration(days=2), Duration(seconds=HOUR), Duration()])
    assert mixed.tolist() == [to_epoch(la(3, 4, 16)), to_epoch(la(3, 9, 8)), to_epoch(la(3, 9, 8))]
    # datetime64 in: the same answers.
    as_datetime64 = epoch_starts.astype("datetime64[s]")
    assert (
        cal.elapsed(as_datetime64, epoch_ends.astype("datetime64[s]")).tolist() == elapsed.tolist()
    )
    assert cal.add(as_datetime64, Duration(seconds=2 * HOUR)).tolist() == due.tolist()
    # Empty in, empty out.
    empty = np.array([], dtype=np.int64)
    assert cal.elapsed(empty, empty).shape == (0,)
    assert cal.add(empty, Duration(seconds=1)).shape == (0,)
    assert cal.add(empty.reshape(0, 2), Duration(days=1)).shape == (0, 2)
    assert cal.is_open(empty).shape == (0,)


def test_arrays_of_any_shape_and_single_epoch_seconds() -> None:
    # Fixed: `add` with days raised IndexError for anything but a one-dimensional array.
    cal = office()
    monday, friday = to_epoch(la(3, 2, 15)), to_epoch(la(3, 6, 15))
    assert int(cal.add(monday, Duration(days=2))) == to_epoch(la(3, 4, 15))
    assert int(cal.elapsed(monday, friday)) == 4 * 9 * HOUR
    grid = np.array([[monday, friday], [friday, monday]])
    due = cal.add(grid, Duration(days=1))
    assert due.shape == (2, 2)
    assert due.tolist() == [
        [to_epoch(la(3, 3, 15)), to_epoch(la(3, 9, 15))],
        [to_epoch(la(3, 9, 15)), to_epoch(la(3, 3, 15))],
    ]
    # One duration per start, in the array's (row-major) order.
    mixed = cal.add(grid, [Duration(days=1), Duration(), Duration(seconds=HOUR), Duration(1, HOUR)])
    assert mixed.tolist() == [
        [to_epoch(la(3, 3, 15)), friday],
        [friday + HOUR, to_epoch(la(3, 3, 16))],
    ]
    assert cal.elapsed(grid, grid + HOUR).tolist() == [[HOUR, HOUR], [HOUR, HOUR]]


def test_a_missing_datetime64_is_an_error() -> None:
    # Fixed: NaT became -2**63 seconds and failed with OverflowError.
    times = np.array(["2026-03-02T17:00:00", "NaT"], "datetime64[s]")
    with pytest.raises(EngineError) as raised:
        office().elapsed(times, times)
    assert raised.value.field == "start"
    with pytest.raises(EngineError) as raised:
        office().add(times, Duration(seconds=1))
    assert raised.value.field == "start"


def test_to_dict_round_trips() -> None:
    data = {
        "timezone": LA_NAME,
        "weekly": {
            "fri": [["22:00", "24:00"], ["08:00:30", "12:00"]],
            "sat": [["00:00", "06:00"]],
            "mon": [["08:00", "17:00"]],
            "sun": [],
        },
        "holidays": ["2026-12-31", "2026-07-03"],
        "holiday_sets": [{"country": "US", "subdiv": "CA"}, {"country": "MX"}],
        "overrides": {"2026-12-24": [], "2026-11-26": [["10:00", "12:00"]]},
    }
    cal = SupportCalendar.from_dict(data)
    assert cal.to_dict() == {
        "timezone": LA_NAME,
        "weekly": {
            "mon": [["08:00", "17:00"]],
            "fri": [["08:00:30", "12:00"], ["22:00", "24:00"]],
            "sat": [["00:00", "06:00"]],
        },
        "holidays": ["2026-07-03", "2026-12-31"],
        "holiday_sets": [{"country": "US", "subdiv": "CA"}, {"country": "MX"}],
        "overrides": {"2026-11-26": [["10:00", "12:00"]], "2026-12-24": []},
    }
    again = SupportCalendar.from_dict(cal.to_dict())
    assert again == cal
    assert again.to_dict() == cal.to_dict()
    assert SupportCalendar.from_dict(office().to_dict()) == office()
    always = SupportCalendar.from_dict({"always": True, "timezone": "Europe/Berlin"})
    assert SupportCalendar.from_dict(always.to_dict()) == always
