"""Instants, wall-clock times and time zones: the conversions every other engine module uses.

Instants are whole seconds since the Unix epoch (int, or int64 NumPy arrays). Fractions of a
second are dropped, never rounded, so two parts of the system can never disagree by one second.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from accord.engine.errors import EngineError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY = 86_400
_ONE_SECOND = timedelta(seconds=1)
_CLOCK = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII)


@lru_cache(maxsize=512)
def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`; an unknown name is an error that names the field."""
    if not isinstance(name, str) or not name:
        raise EngineError(field, "must be an IANA time zone name such as 'America/Los_Angeles'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EngineError(field, f"unknown time zone {name!r}") from exc


def to_epoch(moment: datetime, field: str = "time") -> int:
    """Seconds since the epoch of an aware datetime, fractions dropped."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EngineError(field, "needs a UTC offset or 'Z' (a time without one is ambiguous)")
    return (moment - EPOCH) // _ONE_SECOND


# The instants Accord accepts from outside: from the epoch to the start of the year 9000 (UTC).
# Far enough from datetime's own end (9999) that a clock, a report month or a duration added to
# one still fits; beyond it a request is refused naming the field, never an OverflowError.
EARLIEST = 0
LATEST = 221_845_392_000  # 9000-01-01T00:00:00Z
RANGE_TEXT = "1970-01-01T00:00:00Z to 8999-12-31T23:59:59Z"


def in_range(seconds: int, field: str) -> int:
    """`seconds` if it is an instant Accord accepts, else an error naming the field."""
    if not EARLIEST <= seconds < LATEST:
        raise EngineError(field, f"is outside the supported range of instants ({RANGE_TEXT})")
    return seconds


def checked(moment: datetime, field: str) -> datetime:
    """An aware datetime in the accepted range, as UTC (aware subtraction cannot overflow, so
    this is safe for any offset at either end of datetime's range)."""
    return from_epoch(in_range(to_epoch(moment, field), field))


def from_epoch(seconds: int) -> datetime:
    """The UTC datetime of an epoch second."""
    return EPOCH + timedelta(seconds=int(seconds))


def format_utc(seconds: int) -> str:
    """ISO 8601 in UTC with a `Z`, to the second: `2026-03-11T09:00:00Z`."""
    return from_epoch(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: object, field: str) -> int:
    """Epoch seconds of an ISO 8601 timestamp that carries an offset or `Z`."""
    if not isinstance(text, str):
        raise EngineError(field, "must be an ISO 8601 timestamp string with an offset or 'Z'")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise EngineError(field, f"{text!r} is not an ISO 8601 timestamp") from exc
    return in_range(to_epoch(moment, field), field)


def parse_clock(text: object, field: str, *, allow_24: bool = False) -> int:
    """Seconds after local midnight of `HH:MM` or `HH:MM:SS`; `24:00` only where allowed."""
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise EngineError(field, f"{text!r} is not a wall-clock time HH:MM or HH:MM:SS")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if minutes > 59 or seconds > 59 or hours > 24:
        raise EngineError(field, f"{text!r} is not a valid time of day")
    total = hours * 3600 + minutes * 60 + seconds
    if total > DAY or (total == DAY and not allow_24):
        raise EngineError(field, f"{text!r} is after the end of the day (24:00 only as an end)")
    return total


def format_clock(seconds_of_day: int) -> str:
    """`HH:MM` (or `HH:MM:SS` when the seconds are not zero) of seconds after midnight."""
    hours, rest = divmod(seconds_of_day, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def parse_date(text: object, field: str) -> date:
    """A calendar date `YYYY-MM-DD`."""
    if not isinstance(text, str):
        raise EngineError(field, "must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise EngineError(field, f"{text!r} is not a date YYYY-MM-DD") from exc


def local_to_epoch(day: date, seconds_of_day: int, tz: ZoneInfo) -> int:
    """The instant a wall clock in `tz` shows `seconds_of_day` on `day`.

    `24:00` is the next day's midnight. A wall time that a DST change skips means the first
    instant after the gap; a wall time that occurs twice means its first occurrence.
    """
    naive = datetime.combine(day, time()) + timedelta(seconds=seconds_of_day)
    first = naive.replace(tzinfo=tz, fold=0)
    candidate = to_epoch(first)
    if from_epoch(candidate).astimezone(tz).replace(tzinfo=None) == naive:
        return candidate
    # In a gap: fold=0 used the offset before the change (an instant past the change), fold=1
    # the offset after it (an instant before the change). The change itself lies between.
    low = to_epoch(naive.replace(tzinfo=tz, fold=1))
    high = candidate
    offset_after = naive.replace(tzinfo=tz, fold=1).utcoffset()
    while low < high:
        middle = (low + high) // 2
        if from_epoch(middle).astimezone(tz).utcoffset() == offset_after:
            high = middle
        else:
            low = middle + 1
    return low


def epoch_to_local(seconds: int, tz: ZoneInfo) -> datetime:
    """The aware local datetime of an epoch second."""
    return from_epoch(seconds).astimezone(tz)


def seconds_of_day(moment: datetime) -> int:
    """Seconds after midnight shown by the wall clock of an (aware or naive) datetime."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def month_bounds(month: str, tz: ZoneInfo, field: str = "month") -> tuple[int, int]:
    """Start and end instants of a calendar month `YYYY-MM` in a time zone."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month, re.ASCII) if isinstance(month, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise EngineError(field, f"{month!r} is not a month YYYY-MM")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1970 <= year <= 8999:
        raise EngineError(field, f"{month!r} is outside the supported range ({RANGE_TEXT})")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return local_to_epoch(first, 0, tz), local_to_epoch(following, 0, tz)


def month_of(seconds: int, tz: ZoneInfo) -> str:
    """The calendar month `YYYY-MM` an instant falls in, in a time zone."""
    local = epoch_to_local(seconds, tz)
    return f"{local.year:04d}-{local.month:02d}"
