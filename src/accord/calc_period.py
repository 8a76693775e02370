"""`accord calc period`: one service period measured by any policy file (docs/calc.md).

The request names a policy (a file, or a built-in policy by its id), a period label in the
policy's own kind ("2026-10", "2026-Q4", "2026-10-15", "FY2027-Q1") and the period's evidence:
outages, or error-rate samples for a policy whose downtime is measured from error rates. The
engine (`accord.engine.measurement`) decides; this module translates JSON and CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from accord.engine.availability import Outage
from accord.engine.error_rates import Samples, read_samples
from accord.engine.errors import EngineError
from accord.engine.intervals import read_interval, whole_seconds
from accord.engine.measurement import ScheduledDowntime, measure_period
from accord.engine.numbers import format_fraction, parse_decimal
from accord.engine.policy import Policy, PolicyError, parse_policy
from accord.engine.policy_sla import measurement_rule
from accord.engine.timeutil import format_utc, in_range, parse_instant
from accord.policies import builtin_names, builtin_text

REQUIRED = {"policy", "label"}
OPTIONAL = {"outages", "samples", "scheduled", "timezone", "module", "fee"}


def load_policy(name: object) -> Policy:
    """A built-in policy by its id, or a policy file by its path."""
    if not isinstance(name, str) or not name:
        raise EngineError("policy", "must be a policy file's path or a built-in policy's id")
    if name in builtin_names():
        return parse_policy(builtin_text(name), f"{name}.toml")
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise EngineError(
            "policy",
            f"{name!r} is neither a built-in policy ({', '.join(builtin_names())}) "
            f"nor a readable file ({exc.strerror})",
        ) from None
    except UnicodeDecodeError:
        raise EngineError("policy", f"{name} is not UTF-8 text") from None
    try:
        return parse_policy(text, name)
    except PolicyError as error:
        raise EngineError("policy", error.located) from None


def _instant(value: object, field: str) -> int:
    """ISO 8601 text, or whole epoch seconds as monitoring exports write them."""
    if isinstance(value, int) and not isinstance(value, bool):
        return in_range(whole_seconds(value, field), field)
    return parse_instant(value, field)


def samples_from_rows(rows: object, sample_seconds: int) -> Samples:
    """`[[start, requests, errors], ...]`: start as ISO 8601 or epoch seconds."""
    if not isinstance(rows, list):
        raise EngineError("samples", "must be a list of [start, requests, errors]")
    starts, requests, errors = [], [], []
    for index, row in enumerate(rows):
        where = f"samples[{index}]"
        if not isinstance(row, list) or len(row) != 3:
            raise EngineError(where, "must be [start, requests, errors]")
        starts.append(_instant(row[0], f"{where}[0]"))
        for position, value in ((1, row[1]), (2, row[2])):
            if isinstance(value, bool) or not isinstance(value, int):
                raise EngineError(f"{where}[{position}]", "must be a whole number")
        requests.append(row[1])
        errors.append(row[2])
    return read_samples(starts, requests, errors, sample_seconds)


def rows_from_csv(text: str, source: str) -> list[list[Any]]:
    """A CSV with the header `start,requests,errors` as sample rows; errors name the line."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [cell.strip() for cell in header] != ["start", "requests", "errors"]:
        raise EngineError(source, "line 1: the header must be start,requests,errors")
    rows: list[list[Any]] = []
    for row in reader:
        line = reader.line_num
        if not row or not "".join(row).strip():
            continue
        if len(row) != 3:
            raise EngineError(source, f"line {line}: must have 3 columns, not {len(row)}")
        start, made, failed = (cell.strip() for cell in row)
        numbers = []
        for name, cell in (("requests", made), ("errors", failed)):
            if not cell.isdigit():
                raise EngineError(source, f"line {line}: {name} {cell!r} is not a whole number")
            numbers.append(int(cell))
        rows.append([int(start) if start.isdigit() else start, *numbers])
    return rows


def _scheduled(value: object) -> list[ScheduledDowntime]:
    if not isinstance(value, list):
        raise EngineError("scheduled", "must be a list of [start, end, announced_at]")
    items = []
    for index, row in enumerate(value):
        where = f"scheduled[{index}]"
        if not isinstance(row, list) or len(row) != 3:
            raise EngineError(where, "must be [start, end, announced_at]")
        start, end, announced = (_instant(row[i], f"{where}[{i}]") for i in range(3))
        try:
            items.append(ScheduledDowntime(start, end, announced))
        except EngineError as error:
            raise EngineError(where, error.problem) from None
    return items


def _outages(value: object) -> list[Outage]:
    if not isinstance(value, list):
        raise EngineError("outages", "must be a list of [start, end] pairs")
    outages = []
    for index, pair in enumerate(value):
        where = f"outages[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise EngineError(where, "must be a pair [start, end]")
        start, end = read_interval(pair, where, _instant)
        outages.append(Outage(start, end))
    return outages


def _ratio(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def period_op(request: Mapping[str, Any]) -> dict[str, Any]:
    policy = load_policy(request["policy"])
    module = request.get("module")
    if module is not None and module not in policy.availability.modules:
        raise EngineError(
            "module", f"{module!r} is not one of {', '.join(policy.availability.modules)}"
        )
    rule = measurement_rule(policy, request.get("timezone"))
    samples = None
    if "samples" in request:
        if rule.error_rate is None:
            raise EngineError("samples", f"are not used: policy {policy.id} counts outages")
        samples = samples_from_rows(request["samples"], rule.error_rate.sample_seconds)
    result = measure_period(
        rule,
        request["label"],
        outages=_outages(request.get("outages", [])),
        samples=samples,
        scheduled=_scheduled(request.get("scheduled", [])),
    )
    answer: dict[str, Any] = {
        "policy": policy.id,
        "module": module,
        "period": result.period.label,
        "start": format_utc(result.period.start),
        "end": format_utc(result.period.end),
        "period_days": result.period_days,
        "eligible_seconds": result.eligible_seconds,
        "excluded_seconds": result.excluded_seconds,
        "downtime_seconds": format_fraction(result.downtime_seconds),
        "uptime_percent": result.uptime_percent,
        "uptime_fraction": _ratio(result.uptime_fraction),
        "target_percent": format_fraction(rule.target * 100),
        "met": result.met,
        "scheduled_excluded": len(result.scheduled_excluded),
        "scheduled_counted": len(result.scheduled_counted),
    }
    credit = result.credit
    if credit is None:
        answer["credit_percent"] = None
        return answer
    answer["credit_percent"] = format_fraction(credit.percent)
    answer["credit_rule"] = credit.rule
    answer["capped"] = credit.capped
    if "fee" in request:
        fee = parse_decimal(request["fee"], "fee")
        answer["credit_amount"] = f"{credit.amount_to_cents(fee):.2f}"
    return answer
