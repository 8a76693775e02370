"""`accord calc`: the engine's sums as a stable line protocol (docs/calc.md).

Each request is a JSON object with an `op`; each answer is a JSON object with the request's `id`
and `ok`. This module only translates between JSON and the engine; the engine decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord import calc_period
from accord.engine.availability import Outage, uptime
from accord.engine.calendar import WEEKDAYS, Duration, SupportCalendar
from accord.engine.credits import parse_tiers
from accord.engine.errors import EngineError
from accord.engine.intervals import read_interval
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.numbers import parse_percent
from accord.engine.timeutil import (
    DAY,
    EARLIEST,
    LATEST,
    RANGE_TEXT,
    format_utc,
    in_range,
    month_bounds,
    parse_clock,
    parse_instant,
    zone,
)

Request = Mapping[str, Any]
Answer = dict[str, Any]


def _fields(request: Request, required: set[str], optional: set[str]) -> None:
    allowed = required | optional | {"id", "op"}
    for name in request:
        if name not in allowed:
            raise EngineError(str(name), f"is not a field of op {request.get('op')!r}")
    for name in sorted(required):
        if name not in request:
            raise EngineError(name, "is required")


def _calendar(request: Request) -> SupportCalendar:
    return SupportCalendar.from_dict(request["calendar"], "calendar")


def _non_negative_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EngineError(field, "must be a whole number, 0 or more")
    return value


def elapsed(request: Request) -> Answer:
    _fields(request, {"calendar", "start", "end"}, set())
    calendar = _calendar(request)
    start = parse_instant(request["start"], "start")
    end = parse_instant(request["end"], "end")
    seconds = calendar.elapsed_epoch(_one(start), _one(end))
    return {"seconds": int(seconds[0])}


def add(request: Request) -> Answer:
    _fields(request, {"calendar", "start", "duration"}, set())
    calendar = _calendar(request)
    start = parse_instant(request["start"], "start")
    duration = parse_duration(request["duration"], "duration")
    try:
        due = int(calendar.add_epoch(_one(start), duration)[0])
        in_range(due, "duration")
    except (OverflowError, EngineError) as exc:
        if isinstance(exc, EngineError) and exc.field != "duration":
            raise
        raise EngineError("duration", f"ends after the supported range ({RANGE_TEXT})") from None
    return {"due": format_utc(due)}


def parse_duration(value: object, field: str) -> Duration:
    """`{"days": 2, "hours": 4}`: any of days, hours, minutes, seconds, whole and >= 0."""
    if not isinstance(value, Mapping):
        raise EngineError(field, "must be an object with any of days, hours, minutes, seconds")
    units = {"days": 0, "hours": 3600, "minutes": 60, "seconds": 1}
    for name in value:
        if name not in units:
            raise EngineError(f"{field}.{name}", "is not a unit (days, hours, minutes, seconds)")
    amounts = {name: _non_negative_int(value[name], f"{field}.{name}") for name in value}
    for name, amount in amounts.items():
        if amount * (units[name] or DAY) > LATEST - EARLIEST:
            raise EngineError(
                f"{field}.{name}", "is longer than the supported range of instants allows"
            )
    return Duration(
        days=amounts.get("days", 0),
        seconds=sum(amounts.get(name, 0) * size for name, size in units.items() if size),
    )


_UPTIME_FIELDS = {"outages", "target_percent"}
_UPTIME_OPTIONAL = {
    "period",
    "month",
    "timezone",
    "maintenance",
    "min_outage_seconds",
    "maintenance_mode",
}


def _uptime_answer(request: Request) -> tuple[Answer, Fraction]:
    period = _period(request)
    outages = _outages(request["outages"])
    maintenance = _maintenance(request.get("maintenance"))
    target = parse_percent(request["target_percent"], "target_percent") / 100
    mode = request.get("maintenance_mode", "exclude")
    if mode not in ("exclude", "count_as_up"):
        raise EngineError("maintenance_mode", 'must be "exclude" or "count_as_up"')
    result = uptime(
        period=period,
        outages=outages,
        maintenance=maintenance,
        target=target,
        min_outage_seconds=_non_negative_int(
            request.get("min_outage_seconds", 0), "min_outage_seconds"
        ),
        maintenance_mode=mode,
    )
    fraction = result.uptime_fraction
    answer = {
        "period_seconds": result.period_seconds,
        "maintenance_seconds": result.maintenance_seconds,
        "eligible_seconds": result.eligible_seconds,
        "downtime_seconds": int(result.downtime_seconds),
        "uptime_percent": result.uptime_percent_display,
        "uptime_fraction": f"{fraction.numerator}/{fraction.denominator}",
        "met": result.met,
    }
    return answer, fraction


def uptime_op(request: Request) -> Answer:
    _fields(request, _UPTIME_FIELDS, _UPTIME_OPTIONAL)
    return _uptime_answer(request)[0]


def credit(request: Request) -> Answer:
    _fields(request, _UPTIME_FIELDS | {"tiers"}, _UPTIME_OPTIONAL)
    tiers = parse_tiers(request["tiers"], "tiers")
    answer, fraction = _uptime_answer(request)
    tier = tiers.match(fraction)
    answer["credit_percent"] = str(tier.credit_percent) if tier else "0"
    return answer


def _period(request: Request) -> tuple[int, int]:
    if ("period" in request) == ("month" in request):
        raise EngineError("period", 'give either "period" {start, end} or "month" with "timezone"')
    if "month" in request:
        if "timezone" not in request:
            raise EngineError("timezone", 'is required with "month"')
        return month_bounds(request["month"], zone(request["timezone"]), "month")
    period = request["period"]
    if not isinstance(period, Mapping) or set(period) != {"start", "end"}:
        raise EngineError("period", "must be an object with start and end")
    start = parse_instant(period["start"], "period.start")
    end = parse_instant(period["end"], "period.end")
    if end <= start:
        raise EngineError("period.end", "must be after period.start")
    return start, end


def _pairs(value: object, field: str) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        raise EngineError(field, "must be a list of [start, end] pairs")
    pairs = []
    for index, pair in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise EngineError(where, "must be a pair [start, end]")
        pairs.append(read_interval(pair, where, parse_instant))
    return pairs


def _outages(value: object) -> list[Outage]:
    return [Outage(start=start, end=end) for start, end in _pairs(value, "outages")]


def _maintenance(value: object) -> MaintenanceSchedule | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise EngineError("maintenance", "must be an object {weekly, timezone, windows}")
    for name in value:
        if name not in ("weekly", "timezone", "windows"):
            raise EngineError(f"maintenance.{name}", "is not a maintenance field")
    weekly_data = value.get("weekly", [])
    if weekly_data and "timezone" not in value:
        raise EngineError("maintenance.timezone", "is required for weekly windows")
    timezone = value.get("timezone", "UTC")
    zone(timezone, "maintenance.timezone")
    if not isinstance(weekly_data, list):
        raise EngineError("maintenance.weekly", "must be a list of {day, start, end}")
    weekly = []
    for index, item in enumerate(weekly_data):
        where = f"maintenance.weekly[{index}]"
        if not isinstance(item, Mapping) or set(item) != {"day", "start", "end"}:
            raise EngineError(where, "must be an object {day, start, end}")
        if item["day"] not in WEEKDAYS:
            raise EngineError(f"{where}.day", "must be one of mon, tue, ..., sun")
        start = parse_clock(item["start"], f"{where}.start")
        end = parse_clock(item["end"], f"{where}.end", allow_24=True)
        if end <= start:
            raise EngineError(where, "ends before it starts (split a window across midnight)")
        weekly.append(WeeklyWindow(weekday=WEEKDAYS.index(item["day"]), start=start, end=end))
    windows = tuple(_pairs(value.get("windows", []), "maintenance.windows"))
    return MaintenanceSchedule(timezone=timezone, weekly=tuple(weekly), windows=windows)


def period(request: Request) -> Answer:
    _fields(request, calc_period.REQUIRED, calc_period.OPTIONAL)
    return calc_period.period_op(request)


def _one(instant: int) -> NDArray[np.int64]:
    return np.asarray([instant], dtype=np.int64)


OPERATIONS: dict[str, Callable[[Request], Answer]] = {
    "elapsed": elapsed,
    "add": add,
    "uptime": uptime_op,
    "credit": credit,
    "period": period,
}


def answer(request: object) -> Answer:
    """The answer to one request object; never raises for bad input."""
    request_id = request.get("id") if isinstance(request, Mapping) else None
    try:
        if not isinstance(request, Mapping):
            raise EngineError("", "each line must be a JSON object")
        operation = request.get("op")
        if operation not in OPERATIONS:
            raise EngineError("op", f"must be one of {', '.join(OPERATIONS)}")
        return {"id": request_id, "ok": True} | OPERATIONS[str(operation)](request)
    except EngineError as error:
        return {"id": request_id, "ok": False, "error": str(error)}


def batch(lines: Iterable[str]) -> Iterator[Answer]:
    """One answer per non-blank input line, in order."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "ok": False, "error": f"line {number}: not valid JSON: {exc.msg}"}
            continue
        yield answer(request)


def dumps(answer: Answer) -> str:
    return json.dumps(answer, ensure_ascii=False, separators=(", ", ": "))
