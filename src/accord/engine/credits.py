"""Credits: a contract's penalty schedule: uptime credit tiers, penalties per breached ticket,
caps, and how they are read from contract data. The month's statement is
`accord.engine.statements`.

Tiers are matched on the exact uptime (a `Fraction`), never on the floored percent shown in a
report: an uptime of 99.8999...% shows as "99.899" and an uptime just below 99.9% that a
rounding display would show as "99.900" still falls in the tier below 99.9.

Money is `Decimal`, never float; amounts are in the schedule's currency, in whole cents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from accord.engine.errors import EngineError
from accord.engine.numbers import (
    HUNDRED,
    check_decimal,
    exact_fraction,
    format_decimal,
    parse_decimal,
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TIER_KEYS = ("lower", "lower_inclusive", "upper", "upper_inclusive", "credit_percent", "label")
_SCHEDULE_KEYS = ("currency", "uptime_tiers", "breach_penalties", "cap")
_BREACH_KEYS = ("severity", "percent", "amount")
_CAP_KEYS = ("percent", "amount")


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _format_bound(percent: Fraction) -> str:
    """A tier bound as contracts write it: "99.9", "99.0" (at least one decimal place)."""
    if percent.denominator == 1:
        return f"{percent.numerator}.0"
    places = 0
    scaled = percent
    while scaled.denominator != 1 and places < 12:
        scaled *= 10
        places += 1
    if scaled.denominator != 1:  # not a decimal fraction, e.g. 299/3: show 12 places
        return f"{percent.numerator * 10**12 // percent.denominator / Decimal(10**12):f}..."
    return format_decimal(Decimal(scaled.numerator).scaleb(-places))


def format_money(amount: Decimal, currency: str) -> str:
    """`1500` as "1,500.00 USD"."""
    return f"{amount:,.2f} {currency}"


# ---------------------------------------------------------------------------------------------
# Tiers


@dataclass(frozen=True)
class Tier:
    """Uptime PERCENT bounds (e.g. Fraction("99.9")) and the credit for an uptime inside them.

    None means no limit on that side (its inclusive flag is then ignored)."""

    lower: Fraction | None
    lower_inclusive: bool
    upper: Fraction | None
    upper_inclusive: bool
    credit_percent: Decimal
    label: str = ""

    def __post_init__(self) -> None:
        for name in ("lower", "upper"):
            bound = exact_fraction(getattr(self, name), name)
            if bound is not None and not 0 <= bound <= 100:
                raise EngineError(name, f"must be an uptime percent from 0 to 100, not {bound}")
            object.__setattr__(self, name, bound)  # an int or Decimal bound becomes a Fraction
        for name in ("lower_inclusive", "upper_inclusive"):
            if not isinstance(getattr(self, name), bool):
                raise EngineError(name, "must be true or false")
        credit = check_decimal(self.credit_percent, "credit_percent")
        if credit > HUNDRED:
            raise EngineError("credit_percent", f"must be at most 100, not {credit}")
        object.__setattr__(self, "credit_percent", credit)
        if not isinstance(self.label, str):
            raise EngineError("label", "must be text")
        if self.lower is not None and self.upper is not None:
            empty = self.lower > self.upper or (
                self.lower == self.upper and not (self.lower_inclusive and self.upper_inclusive)
            )
            if empty:
                raise EngineError("upper", "must be above lower: this tier holds no uptime")

    def contains(self, percent: Fraction) -> bool:
        """Whether an exact uptime percent lies in this tier."""
        if self.lower is not None and (
            percent < self.lower or (percent == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (percent > self.upper or (percent == self.upper and not self.upper_inclusive))
        )

    def describe(self) -> str:
        """The bounds in interval notation: "[99.0%, 99.9%)", "below 95.0%", "any uptime"."""
        lower, upper = self.lower, self.upper
        if lower is not None and upper is not None:
            left = "[" if self.lower_inclusive else "("
            right = "]" if self.upper_inclusive else ")"
            return f"{left}{_format_bound(lower)}%, {_format_bound(upper)}%{right}"
        if lower is not None:
            word = "at least" if self.lower_inclusive else "above"
            return f"{word} {_format_bound(lower)}%"
        if upper is not None:
            word = "at most" if self.upper_inclusive else "below"
            return f"{word} {_format_bound(upper)}%"
        return "any uptime"


def _intersection(first: Tier, second: Tier) -> Tier | None:
    """The uptimes two tiers share, as a tier (credit 0), or None when they share none."""
    lower, lower_inclusive = first.lower, first.lower_inclusive
    if second.lower is not None and (
        lower is None
        or second.lower > lower
        or (second.lower == lower and not second.lower_inclusive)
    ):
        lower, lower_inclusive = second.lower, second.lower_inclusive
    upper, upper_inclusive = first.upper, first.upper_inclusive
    if second.upper is not None and (
        upper is None
        or second.upper < upper
        or (second.upper == upper and not second.upper_inclusive)
    ):
        upper, upper_inclusive = second.upper, second.upper_inclusive
    if (
        lower is not None
        and upper is not None
        and (lower > upper or (lower == upper and not (lower_inclusive and upper_inclusive)))
    ):
        return None
    return Tier(lower, lower_inclusive, upper, upper_inclusive, Decimal(0))


def _check_tiers(tiers: Sequence[Tier], field: str) -> None:
    for later, tier in enumerate(tiers):
        if not isinstance(tier, Tier):
            raise EngineError(f"{field}[{later}]", "must be a Tier")
        for earlier in range(later):
            shared = _intersection(tiers[earlier], tier)
            if shared is not None:
                raise EngineError(
                    f"{field}[{later}]",
                    f"overlaps {field}[{earlier}]: both hold uptime {shared.describe()}; "
                    "each uptime may match one tier only",
                )


@dataclass(frozen=True)
class TierTable:
    """Credit tiers; no two may share an uptime (checked for every uptime, not just the ones
    seen so far). An uptime in no tier earns no credit."""

    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.tiers, tuple):
            raise EngineError("tiers", "must be a tuple of Tier")
        _check_tiers(self.tiers, "tiers")

    def match(self, uptime_fraction: Fraction) -> Tier | None:
        """The tier holding this exact uptime (a fraction: 0.999 is 99.9%), or None."""
        fraction = exact_fraction(uptime_fraction, "uptime_fraction")
        if fraction is None or not 0 <= fraction <= 1:
            raise EngineError("uptime_fraction", "must be a Fraction from 0 to 1")
        percent = fraction * 100
        for tier in self.tiers:
            if tier.contains(percent):
                return tier
        return None


def _mapping(obj: object, field: str, keys: Sequence[str], what: str) -> Mapping[str, object]:
    if not isinstance(obj, Mapping):
        raise EngineError(field, f"must be an object with {what}")
    for key in obj:
        if key not in keys:
            raise EngineError(
                _join(field, str(key)), f"is not a field here (expected {', '.join(keys)})"
            )
    return obj


def _list(obj: object, field: str, what: str) -> Sequence[object]:
    if not isinstance(obj, list | tuple):
        raise EngineError(field, f"must be a list of {what}")
    return obj


def _parse_bound(item: Mapping[str, object], side: str, where: str) -> tuple[Fraction | None, bool]:
    flag_name = f"{side}_inclusive"
    value, flag = item.get(side), item.get(flag_name)
    if value is None:
        if flag is not None:
            raise EngineError(_join(where, flag_name), f"is given without {side}")
        return None, False
    bound = Fraction(parse_decimal(value, _join(where, side)))
    if flag is None:
        raise EngineError(
            _join(where, flag_name),
            f"is required with {side}: say whether {value}% itself is in the tier (true/false)",
        )
    if not isinstance(flag, bool):
        raise EngineError(_join(where, flag_name), "must be true or false")
    return bound, flag


def _parse_tier(obj: object, where: str) -> Tier:
    item = _mapping(obj, where, _TIER_KEYS, "lower, upper, their *_inclusive and credit_percent")
    if "credit_percent" not in item:
        raise EngineError(_join(where, "credit_percent"), "is required")
    lower, lower_inclusive = _parse_bound(item, "lower", where)
    upper, upper_inclusive = _parse_bound(item, "upper", where)
    credit = parse_decimal(item["credit_percent"], _join(where, "credit_percent"))
    label = item.get("label", "")
    if not isinstance(label, str):
        raise EngineError(_join(where, "label"), "must be text")
    try:
        return Tier(lower, lower_inclusive, upper, upper_inclusive, credit, label)
    except EngineError as error:
        raise error.within(where) from None


def parse_tiers(obj: object, field: str = "tiers") -> TierTable:
    """A tier table from JSON-like data: a list of objects such as
    {"lower": "99.0", "lower_inclusive": true, "upper": "99.9", "upper_inclusive": false,
    "credit_percent": "10", "label": "Bronze"}. Percents are strings; a given bound needs its
    inclusive flag; a missing bound means no limit; unknown keys and overlaps are errors."""
    items = _list(obj, field, "tiers")
    tiers = tuple(_parse_tier(item, f"{field}[{index}]") for index, item in enumerate(items))
    _check_tiers(tiers, field)
    return TierTable(tiers)


# ---------------------------------------------------------------------------------------------
# Penalty schedule


@dataclass(frozen=True)
class BreachPenalty:
    """The penalty for each ticket of `severity` that breached its return-to-service target:
    a percent of the monthly fee or a fixed amount (exactly one of them)."""

    severity: int
    percent: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if isinstance(self.severity, bool) or not isinstance(self.severity, int):
            raise EngineError("severity", "must be a whole number such as 1")
        if self.severity < 1:
            raise EngineError("severity", f"must be 1 or more, not {self.severity}")
        if (self.percent is None) == (self.amount is None):
            raise EngineError("percent", "give either percent or amount (exactly one)")
        if self.percent is not None and check_decimal(self.percent, "percent") > HUNDRED:
            raise EngineError("percent", f"must be at most 100, not {self.percent}")
        if self.amount is not None:
            check_decimal(self.amount, "amount", cents=True)


@dataclass(frozen=True)
class Cap:
    """A limit on the month's total credit: a percent of the monthly fee, an amount, or both
    (then the lower one applies)."""

    percent: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.percent is None and self.amount is None:
            raise EngineError("percent", "a cap needs percent, amount or both")
        if self.percent is not None and check_decimal(self.percent, "percent") > HUNDRED:
            raise EngineError("percent", f"must be at most 100, not {self.percent}")
        if self.amount is not None:
            check_decimal(self.amount, "amount", cents=True)

    def describe(self, currency: str) -> str:
        parts = []
        if self.percent is not None:
            parts.append(f"{format_decimal(self.percent)}% of the monthly fee")
        if self.amount is not None:
            parts.append(format_money(self.amount, currency))
        text = " or ".join(parts)
        return f"{text}, whichever is lower" if len(parts) == 2 else text


@dataclass(frozen=True)
class PenaltySchedule:
    """What a contract pays when the SLA is missed."""

    uptime_tiers: TierTable
    breach_penalties: tuple[BreachPenalty, ...] = ()
    cap: Cap | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.uptime_tiers, TierTable):
            raise EngineError("uptime_tiers", "must be a TierTable")
        seen: dict[int, int] = {}
        for index, penalty in enumerate(self.breach_penalties):
            where = f"breach_penalties[{index}]"
            if not isinstance(penalty, BreachPenalty):
                raise EngineError(where, "must be a BreachPenalty")
            if penalty.severity in seen:
                raise EngineError(
                    f"{where}.severity",
                    f"severity {penalty.severity} already has a penalty in "
                    f"breach_penalties[{seen[penalty.severity]}]",
                )
            seen[penalty.severity] = index
        if self.cap is not None and not isinstance(self.cap, Cap):
            raise EngineError("cap", "must be a Cap or None")
        if not isinstance(self.currency, str) or not _CURRENCY.match(self.currency):
            raise EngineError(
                "currency", f"must be a three-letter code such as USD: {self.currency!r}"
            )

    def breach_penalty(self, severity: int) -> BreachPenalty | None:
        for penalty in self.breach_penalties:
            if penalty.severity == severity:
                return penalty
        return None


def _optional_number(item: Mapping[str, object], key: str, where: str) -> Decimal | None:
    value = item.get(key)
    return None if value is None else parse_decimal(value, _join(where, key))


def _parse_breach(obj: object, where: str) -> BreachPenalty:
    item = _mapping(obj, where, _BREACH_KEYS, "severity and percent or amount")
    severity = item.get("severity")
    if isinstance(severity, bool) or not isinstance(severity, int):
        raise EngineError(_join(where, "severity"), "must be a whole number such as 1")
    percent = _optional_number(item, "percent", where)
    amount = _optional_number(item, "amount", where)
    if (percent is None) == (amount is None):
        raise EngineError(where, "give either percent or amount (exactly one)")
    try:
        return BreachPenalty(severity=severity, percent=percent, amount=amount)
    except EngineError as error:
        raise error.within(where) from None


def parse_penalty_schedule(obj: object, field: str = "penalties") -> PenaltySchedule:
    """A penalty schedule from JSON-like data:
    {"currency": "USD", "uptime_tiers": [...tiers...],
     "breach_penalties": [{"severity": 1, "percent": "2"}, {"severity": 2, "amount": "250.00"}],
     "cap": {"percent": "30"}}. Every part but the tiers may be left out."""
    item = _mapping(obj, field, _SCHEDULE_KEYS, ", ".join(_SCHEDULE_KEYS))
    tiers = parse_tiers(item.get("uptime_tiers", []), _join(field, "uptime_tiers"))
    breaches_field = _join(field, "breach_penalties")
    breaches = tuple(
        _parse_breach(entry, f"{breaches_field}[{index}]")
        for index, entry in enumerate(
            _list(item.get("breach_penalties", []), breaches_field, "penalties")
        )
    )
    cap: Cap | None = None
    cap_data = item.get("cap")
    if cap_data is not None:
        cap_field = _join(field, "cap")
        cap_item = _mapping(cap_data, cap_field, _CAP_KEYS, "percent, amount or both")
        percent = _optional_number(cap_item, "percent", cap_field)
        amount = _optional_number(cap_item, "amount", cap_field)
        try:
            cap = Cap(percent=percent, amount=amount)
        except EngineError as error:
            raise error.within(cap_field) from None
    currency = item.get("currency", "USD")
    if not isinstance(currency, str):
        raise EngineError(_join(field, "currency"), "must be a three-letter code such as USD")
    try:
        return PenaltySchedule(tiers, breaches, cap, currency)
    except EngineError as error:
        raise (error.within(field) if field else error) from None
