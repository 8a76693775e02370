"""The contract simulator: a customer's past months re-run under changed terms, side by side
with the months as its contract has them (docs/dashboard.md).

Both sides are `accord.reports.build.build_report`, once with the contract's terms and once with
the changed ones, so every figure is the report's and the engine's. The changed terms are the
contract's policy and overrides as data (`policy_to_data`), edited, validated again
(`policy_from_data`) and resolved (`accounts.terms.resolve_terms`) as the contract's own are.
Nothing is saved.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from accord.accounts.models import Organisation
from accord.accounts.terms import resolve_terms
from accord.core.errors import Invalid
from accord.dashboard.fleet_simulation import SeverityFigure, Side, TicketFigure, evaluate
from accord.engine.errors import EngineError
from accord.engine.policy import (
    REGION,
    ContractTerms,
    PolicyError,
    SupportHoursModel,
    policy_from_data,
    policy_to_data,
)
from accord.reports import schema
from accord.reports.build import build_report

MAX_MONTHS = 12
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


class SimulationError(Invalid):
    """Changed terms the engine refuses (a core `Invalid`): `field` is the simulator form's
    field, `message` the problem without it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.message = message


@dataclass(frozen=True)
class Changes:
    """What the simulator changes; None (or a missing key) keeps the contract's."""

    support_hours: Mapping[str, Any] | None = None
    severity_calendars: Mapping[int, str] = field(default_factory=dict)  # level -> calendar
    severity_targets: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    target_percent: str | None = None
    penalties: Mapping[str, Any] | None = None


# ---------------------------------------------------------------------------------------------
# Inputs


def business_hours(timezone: str, *, region_holidays: bool = True) -> dict[str, Any]:
    """Monday to Friday 08:00-18:00 in `timezone`, as a support-hours object."""
    return {
        "timezone": timezone,
        "weekly": {day: [["08:00", "18:00"]] for day in WEEKDAYS},
        "region_holidays": region_holidays,
    }


ALWAYS = {"timezone": REGION, "always": True}


def contract_support_hours(organisation: Organisation) -> dict[str, Any]:
    """The support hours the contract uses, as the object a simulator edits."""
    contract = organisation.contract
    if contract.support_hours is not None:
        return dict(contract.support_hours)
    return contract.terms.policy.support_hours.model_dump(mode="json")


def contract_penalties(organisation: Organisation) -> dict[str, Any]:
    contract = organisation.contract
    if contract.penalties is not None:
        return dict(contract.penalties)
    return dict(contract.terms.policy.penalties)


_DURATION = re.compile(r"(\d+)\s*(days?|d|hours?|h|minutes?|min|m)\b", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_target(text: str) -> dict[str, int]:
    """ "4h", "12 hours", "2d", "1d 4h", "90 min" as a policy's target object."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(gettext("give a duration such as 4h, 2d or 1d 4h"))
    answer: dict[str, int] = {}
    position = 0
    for match in _DURATION.finditer(cleaned):
        if cleaned[position : match.start()].strip(" ,"):
            break
        unit = _UNITS[match.group(2)[0].lower()]
        if unit in answer:
            raise ValueError(gettext("%(unit)s is given twice") % {"unit": match.group(2)})
        answer[unit] = int(match.group(1))
        position = match.end()
    if not answer or cleaned[position:].strip(" ,"):
        raise ValueError(
            gettext("%(text)r is not a duration such as 4h, 12h, 2d or 1d 4h") % {"text": text}
        )
    if not any(answer.values()):
        raise ValueError(gettext("a target must be longer than nothing"))
    return answer


def parse_document(text: str, what: str) -> dict[str, Any]:
    """A JSON object (text starting with "{") or a TOML document. A document holding only a
    `[penalties]` or `[support_hours]` table is that table. Errors name the line."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(
                gettext("line %(line)s: not valid JSON: %(problem)s")
                % {"line": exc.lineno, "problem": exc.msg}
            ) from None
        if not isinstance(data, dict):
            raise ValueError(gettext("must be a JSON object"))
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = re.search(r"\(at line (\d+), column \d+\)", message)
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
            if found:
                text = gettext("line %(line)s: not valid TOML or JSON: %(problem)s")
            elif "end of document" in str(exc):
                text = gettext("at the end: not valid TOML or JSON: %(problem)s")
            else:
                text = gettext("not valid TOML or JSON: %(problem)s")
            where = {"line": found.group(1) if found else "", "problem": message}
            raise ValueError(text % where) from None
    if list(data) == [what] and isinstance(data[what], dict):
        data = data[what]
    return data


def locate(text: str, path: str) -> int | None:
    """The line (1-based) of the field a dotted path such as `uptime_tiers[1].credit_percent`
    names in a TOML or JSON document, as near as can be found; None if not at all."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    if parts and parts[0] in ("penalties", "support_hours"):
        parts = parts[1:]
    position, limit, found = 0, len(text), None
    for number, part in enumerate(parts):
        if isinstance(part, int):
            continue
        index = parts[number + 1] if number + 1 < len(parts) else None
        header = re.compile(rf"^[ \t]*\[\[[ \t]*(?:\w+\.)*{part}[ \t]*\]\]", re.MULTILINE)
        headers = [m.start() for m in header.finditer(text, position, limit)]
        if isinstance(index, int) and headers:
            if index >= len(headers):
                break
            position = found = headers[index]
            following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, position + 2, limit)
            limit = following.start() if following else limit
            continue
        key = re.compile(rf"(?:^|[\s{{,\[])(?P<key>\"?{part}\"?)\s*[=:]", re.MULTILINE)
        match = key.search(text, position, limit)
        if match is None:
            break
        position = found = match.start("key")
        if isinstance(index, int):
            span = _element(text, match.end(), index)
            if span is None:
                break
            position = found = span[0]
            limit = span[1]
    return None if found is None else text.count("\n", 0, found) + 1


def _element(text: str, start: int, index: int) -> tuple[int, int] | None:
    """Where the `index`-th element of the array that opens after `start` begins and ends."""
    opening = text.find("[", start)
    if opening < 0:
        return None
    depth, count, quote = 0, 0, ""
    element_start: int | None = None
    for position in range(opening, len(text)):
        char = text[position]
        if quote:
            if char == quote and text[position - 1] != "\\":
                quote = ""
            continue
        if char in "\"'":
            quote = char
        if depth == 1 and element_start is None and not char.isspace() and char not in ",]":
            element_start = position
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                if count == index and element_start is not None:
                    return element_start, position
                return None
        elif char == "," and depth == 1:
            if count == index and element_start is not None:
                return element_start, position
            count += 1
            element_start = None
    return None


# ---------------------------------------------------------------------------------------------
# Changed terms


def changed_terms(organisation: Organisation, changes: Changes) -> ContractTerms:
    """The contract's terms with `changes` applied, validated and resolved by the engine as a
    contract's own are; an error names the simulator's field it is about."""
    contract = organisation.contract
    data = policy_to_data(contract.terms.policy)
    if changes.target_percent is not None:
        data["availability"]["target_percent"] = changes.target_percent
    levels = {s["level"]: s for s in data["severities"]}
    for level, calendar in changes.severity_calendars.items():
        if level not in levels:
            raise SimulationError(f"calendar_{level}", _not_a_severity(level))
        levels[level]["calendar"] = calendar
    for level, target in changes.severity_targets.items():
        if level not in levels:
            raise SimulationError(f"target_{level}", _not_a_severity(level))
        levels[level]["target"] = dict(target)
    try:
        policy = policy_from_data(data, "simulated policy")
    except PolicyError as error:
        raise SimulationError(_policy_field(error.field), error.problem) from None
    support_hours = changes.support_hours
    if support_hours is None:
        support_hours = contract.support_hours
    penalties = contract.penalties if changes.penalties is None else changes.penalties
    try:
        return resolve_terms(
            policy,
            organisation.region,
            support_hours=support_hours,
            penalties=penalties,
            reporting_timezone=contract.reporting_timezone,
        )
    except EngineError as error:
        name = error.field.split(".")[0].split("[")[0]
        form_field = {"support_hours": "calendar_json", "penalties": "penalties"}.get(name, "")
        raise SimulationError(form_field, str(error)) from None


def _not_a_severity(level: int) -> str:
    return gettext("%(level)s is not a severity of the policy") % {"level": level}


def _policy_field(path: str) -> str:
    """The simulator's field for a policy path: `availability.target_percent`, `severities.0.
    target.hours`..."""
    if path.startswith("availability.target_percent"):
        return "target_percent"
    found = re.match(r"severities\.(\d+)\.(target|calendar)", path)
    if found:
        return f"{found.group(2)}_{int(found.group(1)) + 1}"
    return ""


def check_support_hours(data: Mapping[str, Any]) -> None:
    """A support-hours object as a contract may give it; raises EngineError naming the field."""
    from pydantic import ValidationError

    try:
        SupportHoursModel.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["support_hours", *(str(part) for part in first["loc"])])
        raise EngineError(where, str(first["msg"]).removeprefix("Value error, ")) from None


# ---------------------------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True)
class Pair:
    """A figure as the contract has it and as simulated."""

    current: Any
    simulated: Any

    @property
    def changed(self) -> bool:
        return bool(self.current != self.simulated)


@dataclass(frozen=True)
class NumberPair(Pair):
    @property
    def delta(self) -> Decimal | None:
        if self.current is None or self.simulated is None:
            return None
        return Decimal(self.simulated) - Decimal(self.current)


@dataclass(frozen=True)
class SeverityRow:
    severity: int
    name: str
    breached: NumberPair
    met: NumberPair


@dataclass(frozen=True)
class TicketChange:
    id: int
    summary: str
    module: str
    reported_at: str
    current: schema.TicketLine | TicketFigure
    simulated: schema.TicketLine | TicketFigure


@dataclass(frozen=True)
class ModuleRow:
    module: str
    uptime: Pair  # floored percent strings
    target: Pair
    met: Pair


@dataclass(frozen=True)
class MonthComparison:
    month: str
    provisional: bool
    current: schema.Report | Side  # a Side: the batch's figures, without strips and outages
    simulated: schema.Report | Side
    severities: list[SeverityRow]
    tickets: list[TicketChange]
    modules: list[ModuleRow]
    credit_percent: NumberPair
    credit_amount: NumberPair
    currency: Pair

    @property
    def statements(self) -> list[tuple[str, schema.Statement]]:
        return [
            (gettext("Current"), self.current.statement),
            (gettext("Simulated"), self.simulated.statement),
        ]


@dataclass(frozen=True)
class Simulation:
    organisation: Organisation
    months: list[MonthComparison]
    severities: list[SeverityRow]  # totals over the months
    tickets_changed: int
    credit_percent: NumberPair  # sum of the months' totals
    credit_amount: NumberPair  # None when a month has no amount (no monthly fee)
    currency: Pair
    seconds: float  # server time taken


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), inclusive."""
    y1, m1 = (int(part) for part in first.split("-"))
    y2, m2 = (int(part) for part in last.split("-"))
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(y1 * 12 + m1 - 1, y2 * 12 + m2)]


def compare(current: schema.Report | Side, simulated: schema.Report | Side) -> MonthComparison:
    severities = _severity_rows(current.severities, simulated.severities)
    by_id = {line.id: line for line in simulated.tickets}
    tickets = [
        TicketChange(
            id=line.id,
            summary=line.summary,
            module=line.module,
            reported_at=line.reported_at,
            current=line,
            simulated=by_id[line.id],
        )
        for line in current.tickets
        if line.id in by_id and by_id[line.id].outcome != line.outcome
    ]
    simulated_modules = {m.module: m for m in simulated.uptime}
    modules = [
        ModuleRow(
            module=m.module_name,
            uptime=Pair(m.uptime_percent, simulated_modules[m.module].uptime_percent),
            target=Pair(m.target_percent, simulated_modules[m.module].target_percent),
            met=Pair(m.met, simulated_modules[m.module].met),
        )
        for m in current.uptime
        if m.module in simulated_modules
    ]
    return MonthComparison(
        month=current.period.month,
        provisional=current.period.provisional,
        current=current,
        simulated=simulated,
        severities=severities,
        tickets=tickets,
        modules=modules,
        credit_percent=NumberPair(
            current.statement.total_percent, simulated.statement.total_percent
        ),
        credit_amount=NumberPair(current.statement.total_amount, simulated.statement.total_amount),
        currency=Pair(current.statement.currency, simulated.statement.currency),
    )


def _severity_rows(
    current: Sequence[schema.SeveritySummary | SeverityFigure],
    simulated: Sequence[schema.SeveritySummary | SeverityFigure],
) -> list[SeverityRow]:
    theirs = {s.severity: s for s in simulated}
    rows = []
    for summary in current:
        other = theirs.get(summary.severity)
        rows.append(
            SeverityRow(
                severity=summary.severity,
                name=summary.name,
                breached=NumberPair(summary.breached, other.breached if other else 0),
                met=NumberPair(summary.met, other.met if other else 0),
            )
        )
    return rows


def _sum(values: Sequence[str | None]) -> str | None:
    if any(value is None for value in values):
        return None
    return str(sum((Decimal(value or 0) for value in values), Decimal(0)))


def simulate(
    organisation: Organisation, months: Sequence[str], terms: ContractTerms, *, now: datetime
) -> Simulation:
    """Each month as the contract has it and under `terms`, compared: the months' figures in
    one batch (`fleet_simulation.evaluate`), equal to `simulate_by_reports`'s."""
    import time

    started = time.perf_counter()
    _check_months(months)
    try:
        pairs = evaluate([organisation], months, lambda _: terms, now=now, details=True)
    except EngineError as error:
        raise _refused(error) from None
    for pair in pairs:
        for side in (pair.current, pair.proposed):
            if side.error is not None:
                raise _refused(side.error)
    comparisons = [compare(pair.current, pair.proposed) for pair in pairs]
    return _simulation(organisation, comparisons, time.perf_counter() - started)


def simulate_by_reports(
    organisation: Organisation, months: Sequence[str], terms: ContractTerms, *, now: datetime
) -> Simulation:
    """`simulate` the slow, plain way: each month's report built twice by `build_report`,
    with the contract's terms and with `terms`. The reference the batch is held equal to
    (tests/dashboard/test_fleet_simulation.py, bench/fleet_simulator.py)."""
    import time

    started = time.perf_counter()
    _check_months(months)
    comparisons = []
    for month in months:
        try:
            current = build_report(organisation, month, now=now)
            simulated = build_report(organisation, month, now=now, terms=terms)
        except EngineError as error:
            raise _refused(error) from None
        comparisons.append(compare(current, simulated))
    return _simulation(organisation, comparisons, time.perf_counter() - started)


def _check_months(months: Sequence[str]) -> None:
    if not 1 <= len(months) <= MAX_MONTHS:
        raise SimulationError(
            "month_to", gettext("choose from 1 to %(most)s months") % {"most": MAX_MONTHS}
        )


def _refused(error: EngineError) -> SimulationError:
    field = "penalties" if error.field.startswith("monthly_fee") else ""
    return SimulationError(field, str(error))


def _simulation(
    organisation: Organisation, comparisons: list[MonthComparison], seconds: float
) -> Simulation:
    totals: dict[int, tuple[str, list[int], list[int], list[int], list[int]]] = {}
    for comparison in comparisons:
        for row in comparison.severities:
            entry = totals.setdefault(row.severity, (row.name, [], [], [], []))
            entry[1].append(row.breached.current)
            entry[2].append(row.breached.simulated)
            entry[3].append(row.met.current)
            entry[4].append(row.met.simulated)
    severities = [
        SeverityRow(
            severity=level,
            name=name,
            breached=NumberPair(sum(a), sum(b)),
            met=NumberPair(sum(c), sum(d)),
        )
        for level, (name, a, b, c, d) in sorted(totals.items())
    ]
    return Simulation(
        organisation=organisation,
        months=comparisons,
        severities=severities,
        tickets_changed=sum(len(c.tickets) for c in comparisons),
        credit_percent=NumberPair(
            _sum([c.credit_percent.current for c in comparisons]),
            _sum([c.credit_percent.simulated for c in comparisons]),
        ),
        credit_amount=NumberPair(
            _sum([c.credit_amount.current for c in comparisons]),
            _sum([c.credit_amount.simulated for c in comparisons]),
        ),
        currency=Pair(
            comparisons[-1].currency.current if comparisons else "",
            comparisons[-1].currency.simulated if comparisons else "",
        ),
        seconds=seconds,
    )
