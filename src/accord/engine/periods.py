"""Service periods: the stretch of time one SLA figure covers, when it is not the calendar month.

Published SLAs measure over a calendar month (the seed, AWS, Atlassian), a calendar quarter
(GitHub, Slack), a billing cycle that starts on the customer's anchor day, or a fiscal quarter.
Each period is named by a label and bounded by two instants, midnight to midnight in the
contract's time zone (so a period can be 23 or 25 hours longer or shorter across a daylight
saving change, as the calendar month already is):

- `month`: "2026-10", the calendar month.
- `quarter`: "2026-Q4", October to December.
- `billing_cycle`: "2026-10-15", the cycle that starts on that date. A cycle starts on the
  anchor day of each month, or on the month's last day when the month is shorter (anchor 31:
  31 Jan, 28 Feb, 31 Mar, 30 Apr ...), and ends when the next one starts.
- `fiscal_quarter`: "FY2027-Q1". The fiscal year starts on the first of `fiscal_start_month`
  and is named by the calendar year it ends in (a year starting July 2026 is FY2027); with a
  January start the fiscal year is the calendar year.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from accord.engine.errors import EngineError
from accord.engine.timeutil import RANGE_TEXT, epoch_to_local, local_to_epoch, zone

_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.ASCII)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_FISCAL = re.compile(r"FY(\d{4})-Q([1-4])", re.ASCII)


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    BILLING_CYCLE = "billing_cycle"
    FISCAL_QUARTER = "fiscal_quarter"


@dataclass(frozen=True)
class Period:
    """One service period: its label and its instants [start, end) in epoch seconds."""

    label: str
    start: int
    end: int


@dataclass(frozen=True)
class PeriodRule:
    """How a contract cuts time into service periods (see the module's docstring)."""

    kind: PeriodKind = PeriodKind.MONTH
    timezone: str = "UTC"
    anchor_day: int = 1
    fiscal_start_month: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.kind, PeriodKind):
            try:
                object.__setattr__(self, "kind", PeriodKind(self.kind))
            except ValueError:
                kinds = ", ".join(kind.value for kind in PeriodKind)
                raise EngineError("period", f"{self.kind!r} is not one of {kinds}") from None
        zone(self.timezone, "period.timezone")
        for field, value, top in (
            ("anchor_day", self.anchor_day, 31),
            ("fiscal_start_month", self.fiscal_start_month, 12),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise EngineError(f"period.{field}", f"must be a whole number from 1 to {top}")

    def first_day(self, label: str) -> date:
        """The local date a period starts on, from its label."""
        return _first_day(self, label)

    def bounds(self, label: str) -> Period:
        """The period a label names."""
        first = _first_day(self, label)
        following = _first_day_after(self, first)
        tz = zone(self.timezone)
        return Period(label, local_to_epoch(first, 0, tz), local_to_epoch(following, 0, tz))

    def containing(self, instant: int) -> Period:
        """The period an instant falls in."""
        local = epoch_to_local(instant, zone(self.timezone)).date()
        first = _start_on_or_before(self, local)
        return self.bounds(self.label_of(first))

    def label_of(self, first: date) -> str:
        """The label of the period starting on `first` (a date a period starts on)."""
        if self.kind is PeriodKind.MONTH:
            return f"{first.year:04d}-{first.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.BILLING_CYCLE:
            return first.isoformat()
        offset = (first.month - self.fiscal_start_month) % 12
        # Named by the calendar year the fiscal year ends in (see the module's docstring).
        late = self.fiscal_start_month > 1 and first.month >= self.fiscal_start_month
        fiscal_year = first.year + 1 if late else first.year
        return f"FY{fiscal_year:04d}-Q{offset // 3 + 1}"

    def between(self, start: int, end: int) -> list[Period]:
        """Every period overlapping [start, end), in order."""
        if end <= start:
            return []
        periods = [self.containing(start)]
        while periods[-1].end < end:
            following = _first_day_after(self, self.first_day(periods[-1].label))
            periods.append(self.bounds(self.label_of(following)))
        return periods


def _anchor_in(rule: PeriodRule, year: int, month: int) -> date:
    return date(year, month, min(rule.anchor_day, monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _checked_year(year: int, label: str) -> int:
    if not 1970 <= year <= 8999:
        raise EngineError("period", f"{label!r} is outside the supported range ({RANGE_TEXT})")
    return year


def _first_day(rule: PeriodRule, label: str) -> date:
    text = label if isinstance(label, str) else ""
    kind = rule.kind
    if kind is PeriodKind.MONTH and (match := _MONTH.fullmatch(text)):
        month = int(match.group(2))
        if 1 <= month <= 12:
            return date(_checked_year(int(match.group(1)), label), month, 1)
    elif kind is PeriodKind.QUARTER and (match := _QUARTER.fullmatch(text)):
        return date(_checked_year(int(match.group(1)), label), 3 * int(match.group(2)) - 2, 1)
    elif kind is PeriodKind.BILLING_CYCLE and (match := _DAY.fullmatch(text)):
        year, month = _checked_year(int(match.group(1)), label), int(match.group(2))
        if 1 <= month <= 12 and _anchor_in(rule, year, month).day == int(match.group(3)):
            return _anchor_in(rule, year, month)
        if 1 <= month <= 12:
            raise EngineError(
                "period",
                f"{label!r} is not the start of a billing cycle (anchor day "
                f"{rule.anchor_day}: cycles start on {_anchor_in(rule, year, month).isoformat()})",
            )
    elif kind is PeriodKind.FISCAL_QUARTER and (match := _FISCAL.fullmatch(text)):
        fiscal_year, quarter = _checked_year(int(match.group(1)), label), int(match.group(2))
        start_year = fiscal_year - 1 if rule.fiscal_start_month > 1 else fiscal_year
        year, month = _add_months(start_year, rule.fiscal_start_month, 3 * (quarter - 1))
        return date(_checked_year(year, label), month, 1)
    raise EngineError("period", f"{label!r} is not a {kind.value} label ({_EXAMPLES[kind]})")


_EXAMPLES = {
    PeriodKind.MONTH: 'such as "2026-10"',
    PeriodKind.QUARTER: 'such as "2026-Q4"',
    PeriodKind.BILLING_CYCLE: 'the date the cycle starts, such as "2026-10-15"',
    PeriodKind.FISCAL_QUARTER: 'such as "FY2027-Q1"',
}


def _first_day_after(rule: PeriodRule, first: date) -> date:
    """The first day of the period after the one starting on `first`."""
    months = 1 if rule.kind in (PeriodKind.MONTH, PeriodKind.BILLING_CYCLE) else 3
    year, month = _add_months(first.year, first.month, months)
    if rule.kind is PeriodKind.BILLING_CYCLE:
        return _anchor_in(rule, year, month)
    return date(year, month, 1)


def _start_on_or_before(rule: PeriodRule, day: date) -> date:
    """The first day of the period containing the local date `day`."""
    if rule.kind is PeriodKind.MONTH:
        return date(day.year, day.month, 1)
    if rule.kind is PeriodKind.BILLING_CYCLE:
        anchor = _anchor_in(rule, day.year, day.month)
        if anchor <= day:
            return anchor
        year, month = _add_months(day.year, day.month, -1)
        return _anchor_in(rule, year, month)
    start_month = 1 if rule.kind is PeriodKind.QUARTER else rule.fiscal_start_month
    back = (day.month - start_month) % 3
    year, month = _add_months(day.year, day.month, -back)
    return date(year, month, 1)
