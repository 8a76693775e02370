"""Support calendars: when the return-to-service clock runs.

A calendar is weekly hours in a time zone, less holidays, with per-date overrides. It is compiled
into sorted, disjoint UTC intervals of support time with the support seconds accumulated before
each one. Every question is then a binary search:

    cumulative(t) = support seconds before t
    elapsed(a, b) = cumulative(b) - cumulative(a)
    add(a, d)     = the last instant t with elapsed(a, t) <= d

so a month of tickets is one call of `np.searchsorted`. Compilation is by whole years and grows
on demand; a calendar with no hours at all in the years asked about is an error, not a hang.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import holidays as holidays_package
import numpy as np
from numpy.typing import NDArray

from accord.engine.errors import EngineError
from accord.engine.timeutil import (
    DAY,
    epoch_to_local,
    format_clock,
    from_epoch,
    local_to_epoch,
    parse_clock,
    parse_date,
    seconds_of_day,
    to_epoch,
    zone,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Ranges = tuple[tuple[int, int], ...]
"""Support ranges of one local date: sorted, disjoint (start, end) seconds after midnight."""

Instants = NDArray[np.int64]
# How far `add` may look ahead for support time before it gives up.
_SEARCH_YEARS = 30
_SENTINEL = -(2**62)


@dataclass(frozen=True)
class HolidaySet:
    """Public holidays of a country (and optionally a subdivision) from the `holidays` package."""

    country: str
    subdiv: str | None = None

    def dates(self, years: range) -> set[date]:
        try:
            found = holidays_package.country_holidays(
                self.country, subdiv=self.subdiv, years=list(years)
            )
        except NotImplementedError as exc:
            where = f"{self.country}/{self.subdiv}" if self.subdiv else self.country
            raise EngineError("holiday_sets", f"no holiday set for {where!r}") from exc
        return set(found.keys())


@dataclass(frozen=True)
class Duration:
    """A return-to-service target or any span of support time: support days, then seconds."""

    days: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        if self.days < 0 or self.seconds < 0:
            raise EngineError("duration", "must not be negative")

    def describe(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days} day" + ("s" if self.days != 1 else ""))
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        for amount, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second")):
            if amount:
                parts.append(f"{amount} {unit}" + ("s" if amount != 1 else ""))
        return " ".join(parts) or "0 seconds"


@dataclass
class _Compiled:
    first_year: int
    last_year: int
    starts: Instants
    ends: Instants
    cum_start: Instants  # support seconds before each interval
    cum_end: Instants  # support seconds up to each interval's end
    lengths: Instants
    support_days: NDArray[np.int64]  # ordinals of local dates with support time, sorted


@dataclass(frozen=True)
class SupportCalendar:
    """Weekly support hours in an IANA time zone, holidays and per-date overrides.

    `weekly[0]` is Monday. Holidays close a date; overrides replace a date's hours and win over
    holidays. `always=True` is the 24×7 calendar (its time zone matters only for support days).
    """

    timezone: str
    weekly: tuple[Ranges, ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    holiday_sets: tuple[HolidaySet, ...] = ()
    overrides: tuple[tuple[date, Ranges], ...] = ()
    always: bool = False
    _cache: dict[str, _Compiled] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        zone(self.timezone)
        if len(self.weekly) != 7:
            raise EngineError("weekly", "needs seven days, Monday first")
        for index, ranges in enumerate(self.weekly):
            _check_ranges(ranges, f"weekly.{WEEKDAYS[index]}")
        for day, ranges in self.overrides:
            _check_ranges(ranges, f"overrides.{day.isoformat()}")

    def describe(self) -> str:
        """The calendar in words, for reports: "Mon-Fri 08:00-18:00 (Europe/London); closed
        on the public holidays of GB and on 2 other dates"."""
        if self.always:
            return f"24x7 ({self.timezone})"
        groups: list[tuple[int, int, Ranges]] = []
        for index, ranges in enumerate(self.weekly):
            if groups and groups[-1][2] == ranges and groups[-1][1] == index - 1:
                groups[-1] = (groups[-1][0], index, ranges)
            else:
                groups.append((index, index, ranges))
        parts = []
        for first, last, ranges in groups:
            if not ranges:
                continue
            days = WEEKDAYS[first].title()
            if last != first:
                days += f"-{WEEKDAYS[last].title()}"
            hours = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in ranges)
            parts.append(f"{days} {hours}")
        text = f"{'; '.join(parts) or 'never open'} ({self.timezone})"
        closed = [
            f"the public holidays of {s.country}{'-' + s.subdiv if s.subdiv else ''}"
            for s in self.holiday_sets
        ]
        if self.holidays:
            count = len(self.holidays)
            closed.append(f"{count} other date{'s' if count != 1 else ''}")
        if closed:
            text += "; closed on " + " and on ".join(closed)
        if self.overrides:
            count = len(self.overrides)
            text += f"; other hours on {count} date{'s' if count != 1 else ''}"
        return text

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, timezone: str = "UTC") -> SupportCalendar:
        return cls(timezone=timezone, weekly=(((0, DAY),),) * 7, always=True)

    @classmethod
    def from_dict(cls, data: object, field_name: str = "calendar") -> SupportCalendar:
        """Parse the calendar object of `accord calc` and of policy files (see docs/calc.md)."""
        try:
            return cls._from_dict(data)
        except EngineError as error:
            raise error.within(field_name) from None

    @classmethod
    def _from_dict(cls, data: object) -> SupportCalendar:
        if not isinstance(data, Mapping):
            raise EngineError("", "must be an object")
        known = {"timezone", "weekly", "holidays", "holiday_sets", "overrides", "always"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise EngineError(unknown[0], "is not a calendar field")
        always = data.get("always", False)
        if not isinstance(always, bool):
            raise EngineError("always", "must be true or false")
        if always:
            extra = sorted(set(data) - {"always", "timezone"})
            if extra:
                raise EngineError(extra[0], "has no meaning for a 24×7 calendar")
            return cls.twenty_four_seven(_timezone_field(data.get("timezone", "UTC")))
        if "timezone" not in data:
            raise EngineError("timezone", "is required")
        timezone = _timezone_field(data["timezone"])
        weekly_data = data.get("weekly", {})
        if not isinstance(weekly_data, Mapping):
            raise EngineError("weekly", "must be an object with days mon..sun")
        for key in weekly_data:
            if key not in WEEKDAYS:
                raise EngineError(f"weekly.{key}", "is not a day (mon, tue, ..., sun)")
        weekly = tuple(parse_ranges(weekly_data.get(day, []), f"weekly.{day}") for day in WEEKDAYS)
        holiday_list = data.get("holidays", [])
        if not isinstance(holiday_list, list):
            raise EngineError("holidays", "must be a list of dates YYYY-MM-DD")
        holidays = frozenset(
            parse_date(item, f"holidays[{index}]") for index, item in enumerate(holiday_list)
        )
        sets_data = data.get("holiday_sets", [])
        if not isinstance(sets_data, list):
            raise EngineError("holiday_sets", "must be a list of {country, subdiv}")
        holiday_sets = tuple(
            _holiday_set(item, f"holiday_sets[{index}]") for index, item in enumerate(sets_data)
        )
        overrides_data = data.get("overrides", {})
        if not isinstance(overrides_data, Mapping):
            raise EngineError("overrides", "must be an object of date: ranges")
        overrides = tuple(
            sorted(
                (parse_date(key, f"overrides.{key}"), parse_ranges(value, f"overrides.{key}"))
                for key, value in overrides_data.items()
            )
        )
        return cls(
            timezone=timezone,
            weekly=weekly,
            holidays=holidays,
            holiday_sets=holiday_sets,
            overrides=overrides,
        )

    def to_dict(self) -> dict[str, Any]:
        """The calendar object this calendar was parsed from (normalised)."""
        if self.always:
            return {"always": True, "timezone": self.timezone}
        result: dict[str, Any] = {
            "timezone": self.timezone,
            "weekly": {
                day: [[format_clock(start), format_clock(end)] for start, end in ranges]
                for day, ranges in zip(WEEKDAYS, self.weekly, strict=True)
                if ranges
            },
        }
        if self.holidays:
            result["holidays"] = sorted(day.isoformat() for day in self.holidays)
        if self.holiday_sets:
            result["holiday_sets"] = [
                {"country": item.country} | ({"subdiv": item.subdiv} if item.subdiv else {})
                for item in self.holiday_sets
            ]
        if self.overrides:
            result["overrides"] = {
                day.isoformat(): [[format_clock(a), format_clock(b)] for a, b in ranges]
                for day, ranges in self.overrides
            }
        return result

    # -- the hours of a date ----------------------------------------------------------------

    def hours_on(self, day: date, public_holidays: set[date] | None = None) -> Ranges:
        """Support ranges of a local date: override, else none on a holiday, else weekly."""
        for override_day, ranges in self.overrides:
            if override_day == day:
                return ranges
        if day in self.holidays:
            return ()
        if public_holidays is None:
            public_holidays = self._public_holidays(range(day.year, day.year + 1))
        if day in public_holidays:
            return ()
        return self.weekly[day.weekday()]

    def _public_holidays(self, years: range) -> set[date]:
        found: set[date] = set()
        for holiday_set in self.holiday_sets:
            found |= holiday_set.dates(years)
        return found

    # -- compilation ------------------------------------------------------------------------

    def _compiled(self, low: int, high: int) -> _Compiled:
        """Compiled intervals covering every instant in [low, high] (epoch seconds)."""
        # A local date can begin up to a day away from its UTC date, hence the margin.
        first_year = from_epoch(low - 2 * DAY).year
        last_year = from_epoch(high + 2 * DAY).year
        cached = self._cache.get("compiled")
        if cached is not None and cached.first_year <= first_year and cached.last_year >= last_year:
            return cached
        if cached is not None:
            first_year = min(first_year, cached.first_year)
            last_year = max(last_year, cached.last_year)
        compiled = self._compile(first_year, last_year)
        self._cache["compiled"] = compiled
        return compiled

    def _compile(self, first_year: int, last_year: int) -> _Compiled:
        tz = zone(self.timezone)
        public = self._public_holidays(range(first_year, last_year + 1))
        starts: list[int] = []
        ends: list[int] = []
        support_days: list[int] = []
        day = date(first_year, 1, 1)
        stop = date(last_year + 1, 1, 1)
        one_day = timedelta(days=1)
        overrides = dict(self.overrides)
        while day < stop:
            ranges = overrides.get(day)
            if ranges is None:
                closed = day in self.holidays or day in public
                ranges = () if closed else self.weekly[day.weekday()]
            has_time = False
            for start, end in ranges:
                start_at = local_to_epoch(day, start, tz)
                end_at = local_to_epoch(day, end, tz)
                if end_at <= start_at:  # a range that a DST gap swallows whole
                    continue
                has_time = True
                if ends and start_at <= ends[-1]:
                    ends[-1] = max(ends[-1], end_at)
                else:
                    starts.append(start_at)
                    ends.append(end_at)
            if has_time:
                support_days.append(day.toordinal())
            day += one_day
        # The sentinel: an empty interval before any instant the engine will see.
        starts_array = np.asarray([_SENTINEL, *starts], dtype=np.int64)
        ends_array = np.asarray([_SENTINEL, *ends], dtype=np.int64)
        lengths = ends_array - starts_array
        cum_end = np.cumsum(lengths, dtype=np.int64)
        return _Compiled(
            first_year=first_year,
            last_year=last_year,
            starts=starts_array,
            ends=ends_array,
            cum_start=cum_end - lengths,
            cum_end=cum_end,
            lengths=lengths,
            support_days=np.asarray(support_days, dtype=np.int64),
        )

    def _compiled_until(self, low: int, needed: Instants, compiled: _Compiled) -> _Compiled:
        """Grow the compiled range forward until every cumulative target in `needed` lies
        inside it, or fail when none of the next decades has support time."""
        target = int(needed.max()) if needed.size else 0
        while int(compiled.cum_end[-1]) <= target:
            years = compiled.last_year - from_epoch(low).year
            if years > _SEARCH_YEARS:
                raise EngineError(
                    "calendar", f"has no support hours in the {_SEARCH_YEARS} years after the start"
                )
            compiled = self._compiled(
                low, to_epoch(datetime(compiled.last_year + 3, 1, 1, tzinfo=UTC))
            )
        return compiled

    # -- the arithmetic ----------------------------------------------------------------------

    def cumulative(self, instants: Instants) -> Instants:
        """Support seconds from the start of the compiled range up to each instant.

        Only differences of values from one call mean anything: the compiled range (and so
        the zero) moves earlier when a later call needs earlier years. It also compiles the
        years the instants need, which is how the benchmark times compilation.
        """
        instants = np.asarray(instants, dtype=np.int64)
        if instants.size == 0:
            return instants.copy()
        compiled = self._compiled(int(instants.min()), int(instants.max()))
        return _cumulative(compiled, instants)

    @overload
    def elapsed(self, start: datetime, end: datetime) -> int: ...
    @overload
    def elapsed(self, start: Instants, end: Instants) -> Instants: ...
    def elapsed(self, start: datetime | Instants, end: datetime | Instants) -> int | Instants:
        """Support seconds in [start, end); 0 when end <= start."""
        if isinstance(start, datetime) and isinstance(end, datetime):
            both = np.array([to_epoch(start, "start"), to_epoch(end, "end")], dtype=np.int64)
            return int(self.elapsed_epoch(both[:1], both[1:])[0])
        return self.elapsed_epoch(_instants(start, "start"), _instants(end, "end"))

    def elapsed_epoch(self, start: Instants, end: Instants) -> Instants:
        """`elapsed` on int64 epoch-second arrays (the fast path)."""
        start = np.asarray(start, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        if start.size == 0:
            return np.zeros(np.broadcast(start, end).shape, dtype=np.int64)
        low = int(min(start.min(), end.min()))
        high = int(max(start.max(), end.max()))
        compiled = self._compiled(low, high)
        used: Instants = np.maximum(_cumulative(compiled, end) - _cumulative(compiled, start), 0)
        return used

    @overload
    def add(self, start: datetime, duration: Duration) -> datetime: ...
    @overload
    def add(self, start: Instants, duration: Duration | Sequence[Duration]) -> Instants: ...
    def add(
        self, start: datetime | Instants, duration: Duration | Sequence[Duration]
    ) -> datetime | Instants:
        """The due instant of `duration` of support time from `start` (see `add_epoch`)."""
        if isinstance(start, datetime):
            if not isinstance(duration, Duration):
                raise EngineError("duration", "a single start takes a single duration")
            instant = np.array([to_epoch(start, "start")], dtype=np.int64)
            return from_epoch(int(self.add_epoch(instant, duration)[0]))
        return self.add_epoch(_instants(start, "start"), duration)

    def add_epoch(self, start: Instants, duration: Duration | Sequence[Duration]) -> Instants:
        """Due instants: support days first, then support seconds.

        Seconds: the last instant at which the support time since the start is still no more
        than the duration, so a duration used up exactly at closing time is due at the next
        opening. Days: from the clock's start (the start itself, or the next opening when the
        start is outside support hours), the same local clock time on the N-th following date
        with support hours, or the next opening after it.
        """
        start = np.asarray(start, dtype=np.int64)
        shape = start.shape  # a single instant or an array of any shape: worked on flat
        start = start.reshape(-1)
        if isinstance(duration, Duration):
            days = np.full(start.shape, duration.days, dtype=np.int64)
            seconds = np.full(start.shape, duration.seconds, dtype=np.int64)
        else:
            if len(duration) != start.size:
                raise EngineError("duration", "needs one duration per start")
            days = np.fromiter((d.days for d in duration), dtype=np.int64, count=start.size)
            seconds = np.fromiter((d.seconds for d in duration), dtype=np.int64, count=start.size)
        if start.size == 0:
            return start.reshape(shape).copy()
        begin = start
        if days.any():
            begin = start.copy()
            with_days = np.flatnonzero(days)
            begin[with_days] = self._add_days(start[with_days], days[with_days])
        return self._add_seconds(begin, seconds).reshape(shape)

    def reach_epoch(self, start: Instants, seconds: Instants) -> Instants:
        """The first instant at which the support time since `start` reaches `seconds`.

        Unlike `add_epoch`, an amount used up exactly at closing time is reached at the
        closing time: warnings go out then, not at the next opening.
        """
        start = np.asarray(start, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.int64)
        if start.size == 0:
            return start.copy()
        compiled = self._compiled(int(start.min()), int(start.max()))
        base = _cumulative(compiled, start)
        target = base + seconds
        compiled = self._compiled_until(int(start.min()), target, compiled)
        base = _cumulative(compiled, start)
        target = base + seconds
        index = np.searchsorted(compiled.cum_end, target, side="left")
        reached = compiled.starts[index] + (target - compiled.cum_start[index])
        return np.where(seconds <= 0, start, reached)

    def is_open(self, instants: Instants) -> NDArray[np.bool_]:
        """Whether each instant lies inside support hours (ranges are half-open)."""
        instants = np.asarray(instants, dtype=np.int64)
        if instants.size == 0:
            return np.zeros(instants.shape, dtype=np.bool_)
        compiled = self._compiled(int(instants.min()), int(instants.max()))
        index = np.searchsorted(compiled.starts, instants, side="right") - 1
        inside: NDArray[np.bool_] = instants < compiled.ends[index]
        return inside

    def next_opening(self, instants: Instants) -> Instants:
        """Each instant itself when inside support hours, else the next opening after it."""
        return self._add_seconds(
            np.asarray(instants, dtype=np.int64), np.zeros(np.shape(instants), dtype=np.int64)
        )

    def _add_seconds(self, start: Instants, seconds: Instants) -> Instants:
        compiled = self._compiled(int(start.min()), int(start.max()))
        target = _cumulative(compiled, start) + seconds
        grown = self._compiled_until(int(start.min()), target, compiled)
        if grown is not compiled:
            target = _cumulative(grown, start) + seconds
        # The first interval whose end lies beyond the target holds the due instant.
        index = np.searchsorted(grown.cum_end, target, side="right")
        due: Instants = grown.starts[index] + (target - grown.cum_start[index])
        return due

    def _add_days(self, start: Instants, days: Instants) -> Instants:
        tz = zone(self.timezone)
        begin = self.next_opening(start)
        result = np.empty_like(begin)
        for position, (instant, count) in enumerate(
            zip(begin.tolist(), days.tolist(), strict=True)
        ):
            local = epoch_to_local(instant, tz)
            ordinal = local.date().toordinal()
            compiled = self._compiled(instant, instant + (count + 7) * DAY)
            index = int(np.searchsorted(compiled.support_days, ordinal, side="right")) + count - 1
            while index >= compiled.support_days.size:
                if compiled.last_year - local.year > _SEARCH_YEARS:
                    raise EngineError("calendar", "has too few support days after the start")
                horizon = to_epoch(datetime(compiled.last_year + 3, 1, 1, tzinfo=UTC))
                compiled = self._compiled(instant, horizon)
                index = int(np.searchsorted(compiled.support_days, ordinal, side="right"))
                index += count - 1
            target_day = date.fromordinal(int(compiled.support_days[index]))
            result[position] = local_to_epoch(target_day, seconds_of_day(local), tz)
        return self.next_opening(result)


def _cumulative(compiled: _Compiled, instants: Instants) -> Instants:
    """Support seconds before each instant, relative to the compiled range's start.

    The compiled arrays start with an empty sentinel interval far in the past, so every
    instant has an interval at or before it and no branch is needed.
    """
    index = np.searchsorted(compiled.starts, instants, side="right") - 1
    inside = np.minimum(instants - compiled.starts[index], compiled.lengths[index])
    result: Instants = inside + compiled.cum_start[index]
    return result


def _instants(values: object, field: str) -> Instants:
    """Epoch seconds of an int64 array or of a NumPy datetime64 array (fractions dropped)."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        if np.isnat(array).any():
            raise EngineError(field, "has a missing time (NaT)")
        return array.astype("datetime64[s]").astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise EngineError(field, "must be epoch seconds (int64) or datetime64 values")
    return array.astype(np.int64)


def parse_ranges(value: object, field: str) -> Ranges:
    """A day's list of `[start, end]` wall-clock pairs, sorted and checked."""
    if not isinstance(value, list):
        raise EngineError(field, 'must be a list of ["HH:MM", "HH:MM"] pairs')
    ranges = []
    for index, pair in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise EngineError(where, 'must be a pair ["HH:MM", "HH:MM"]')
        start = parse_clock(pair[0], f"{where}[0]")
        end = parse_clock(pair[1], f"{where}[1]", allow_24=True)
        if end <= start:
            raise EngineError(
                where, "ends before it starts (write overnight support as two days' ranges)"
            )
        ranges.append((start, end))
    result = tuple(sorted(ranges))
    _check_ranges(result, field)
    return result


def _check_ranges(ranges: Ranges, field: str) -> None:
    previous_end = -1
    for index, (start, end) in enumerate(ranges):
        if not 0 <= start < end <= DAY:
            raise EngineError(
                f"{field}[{index}]", "must lie within the day and end after it starts"
            )
        if start < previous_end:
            raise EngineError(f"{field}[{index}]", "overlaps another range of the same day")
        previous_end = end


def _timezone_field(value: object) -> str:
    if not isinstance(value, str):
        raise EngineError("timezone", "must be an IANA time zone name")
    zone(value)
    return value


def _holiday_set(value: object, field: str) -> HolidaySet:
    if not isinstance(value, Mapping) or not isinstance(value.get("country"), str):
        raise EngineError(field, 'must be an object {"country": "US", "subdiv": "CA"}')
    unknown = sorted(set(value) - {"country", "subdiv"})
    if unknown:
        raise EngineError(f"{field}.{unknown[0]}", "is not a holiday set field")
    subdiv = value.get("subdiv")
    if subdiv is not None and not isinstance(subdiv, str):
        raise EngineError(f"{field}.subdiv", "must be a string")
    holiday_set = HolidaySet(country=value["country"], subdiv=subdiv)
    try:
        holiday_set.dates(range(2026, 2027))
    except EngineError as error:
        raise EngineError(field, error.problem) from None
    return holiday_set
