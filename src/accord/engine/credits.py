"""Credits: uptime credit tiers, penalties per breached ticket, caps, and the monthly statement.

Tiers are matched on the exact uptime (a `Fraction`), never on the floored percent shown in a
report: an uptime of 99.8999...% shows as "99.899" and an uptime just below 99.9% that a
rounding display would show as "99.900" still falls in the tier below 99.9.

Money is `Decimal`, never float. Each statement line's amount is computed exactly and rounded
once, half-up to cents (0.01); the totals add up the rounded lines, so a statement adds up as
printed. Amounts are in the schedule's currency, which is assumed to have cents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal, TypeAlias

from accord.engine.availability import floor_percent
from accord.engine.errors import EngineError
from accord.engine.numbers import parse_decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TIER_KEYS = ("lower", "lower_inclusive", "upper", "upper_inclusive", "credit_percent", "label")
_SCHEDULE_KEYS = ("currency", "uptime_tiers", "breach_penalties", "cap")
_BREACH_KEYS = ("severity", "percent", "amount")
_CAP_KEYS = ("percent", "amount")

Rule: TypeAlias = Literal["uptime_tier", "breach", "cap"]


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _format_decimal(value: Decimal) -> str:
    """`Decimal("10.50")` as "10.5", `Decimal("100")` as "100": no exponent, no trailing 0s."""
    return format(value.normalize(), "f")


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
    return _format_decimal(Decimal(scaled.numerator).scaleb(-places))


def format_money(amount: Decimal, currency: str) -> str:
    """`1500` as "1,500.00 USD"."""
    return f"{amount:,.2f} {currency}"


def _money(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _exact_fraction(value: object, field: str) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise EngineError(field, f"must be exact (a Fraction), not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, Fraction | int | Decimal):
        raise EngineError(field, f"must be a Fraction, not {value!r}")
    return Fraction(value)


def _check_decimal(value: object, field: str, *, cents: bool = False) -> Decimal:
    if isinstance(value, float):
        raise EngineError(field, f"must be a Decimal, not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise EngineError(field, f"must be a Decimal, not {value!r}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise EngineError(field, f"must be a finite number, 0 or more, not {value}")
    if cents and number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise EngineError(field, f"must be in whole cents (at most 2 decimal places), not {value}")
    return number


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
            bound = _exact_fraction(getattr(self, name), name)
            if bound is not None and not 0 <= bound <= 100:
                raise EngineError(name, f"must be an uptime percent from 0 to 100, not {bound}")
            object.__setattr__(self, name, bound)  # an int or Decimal bound becomes a Fraction
        for name in ("lower_inclusive", "upper_inclusive"):
            if not isinstance(getattr(self, name), bool):
                raise EngineError(name, "must be true or false")
        credit = _check_decimal(self.credit_percent, "credit_percent")
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
        fraction = _exact_fraction(uptime_fraction, "uptime_fraction")
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
        if self.percent is not None and _check_decimal(self.percent, "percent") > HUNDRED:
            raise EngineError("percent", f"must be at most 100, not {self.percent}")
        if self.amount is not None:
            _check_decimal(self.amount, "amount", cents=True)


@dataclass(frozen=True)
class Cap:
    """A limit on the month's total credit: a percent of the monthly fee, an amount, or both
    (then the lower one applies)."""

    percent: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.percent is None and self.amount is None:
            raise EngineError("percent", "a cap needs percent, amount or both")
        if self.percent is not None and _check_decimal(self.percent, "percent") > HUNDRED:
            raise EngineError("percent", f"must be at most 100, not {self.percent}")
        if self.amount is not None:
            _check_decimal(self.amount, "amount", cents=True)

    def describe(self, currency: str) -> str:
        parts = []
        if self.percent is not None:
            parts.append(f"{_format_decimal(self.percent)}% of the monthly fee")
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


# ---------------------------------------------------------------------------------------------
# Statement


@dataclass(frozen=True)
class StatementLine:
    """One credit and the rule that produced it.

    `percent` is the percent of the monthly fee the line credits (None for a fixed amount);
    `amount` is money rounded half-up to cents (None for a percent line when the fee is not
    known). `quantity` is 1 for a module's tier, the number of breached tickets for a breach."""

    rule: Rule
    subject: str
    detail: str
    quantity: int
    percent: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class Statement:
    """A month's credits for one contract.

    `total_amount` sums the line amounts (the cap line included) and is None when a line has no
    amount (a percent line without a monthly fee). `total_percent` is the total credit as a
    percent of the monthly fee: with a fee, total_amount / fee x 100 rounded half-up to 0.01;
    without one, the sum of the percent lines (cap included): fixed amounts are then not in it.
    """

    lines: tuple[StatementLine, ...]
    total_percent: Decimal
    total_amount: Decimal | None
    capped: bool
    currency: str
    monthly_fee: Decimal | None


def _check_inputs(
    monthly_fee: object, module_uptimes: object, breaches: object
) -> tuple[Decimal | None, dict[str, Fraction], dict[int, int]]:
    fee: Decimal | None = None
    if monthly_fee is not None:
        fee = _check_decimal(monthly_fee, "monthly_fee")
        if fee == 0:
            raise EngineError("monthly_fee", "must be more than 0 (or None when not known)")
    if not isinstance(module_uptimes, Mapping):
        raise EngineError("module_uptimes", "must map module names to uptime fractions")
    uptimes: dict[str, Fraction] = {}
    for name, value in module_uptimes.items():
        where = f"module_uptimes[{name!r}]"
        if not isinstance(name, str):
            raise EngineError(where, "module names must be text")
        fraction = _exact_fraction(value, where)
        if fraction is None or not 0 <= fraction <= 1:
            raise EngineError(where, "must be an uptime Fraction from 0 to 1")
        uptimes[name] = fraction
    if not isinstance(breaches, Mapping):
        raise EngineError("breaches", "must map severities to counts of breached tickets")
    counts: dict[int, int] = {}
    for severity, count in breaches.items():
        where = f"breaches[{severity!r}]"
        if isinstance(severity, bool) or not isinstance(severity, int):
            raise EngineError(where, "severities must be whole numbers")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise EngineError(where, "must be a count of breached tickets, 0 or more")
        counts[severity] = count
    return fee, uptimes, counts


def _uptime_lines(
    schedule: PenaltySchedule, fee: Decimal | None, uptimes: Mapping[str, Fraction]
) -> list[StatementLine]:
    lines = []
    for name, fraction in uptimes.items():
        tier = schedule.uptime_tiers.match(fraction)
        if tier is None or tier.credit_percent == 0:
            continue
        label = f"{tier.label} " if tier.label else ""
        detail = (
            f"{name} uptime {floor_percent(fraction)}% is in tier {label}{tier.describe()}: "
            f"{_format_decimal(tier.credit_percent)}% credit"
        )
        amount = None if fee is None else _money(fee * tier.credit_percent / HUNDRED)
        lines.append(StatementLine("uptime_tier", name, detail, 1, tier.credit_percent, amount))
    return lines


def _breach_lines(
    schedule: PenaltySchedule, fee: Decimal | None, counts: Mapping[int, int]
) -> list[StatementLine]:
    lines = []
    for severity in sorted(counts):
        count = counts[severity]
        penalty = schedule.breach_penalty(severity)
        if count == 0 or penalty is None:
            continue
        tickets = f"{count} severity {severity} ticket{'s' if count != 1 else ''}"
        breached = f"{tickets} breached {'their' if count != 1 else 'its'} return-to-service target"
        if penalty.percent is not None:
            percent = penalty.percent * count
            amount = None if fee is None else _money(fee * percent / HUNDRED)
            each = f"{_format_decimal(penalty.percent)}% of the monthly fee each"
            detail = f"{breached}: {each}"
            lines.append(
                StatementLine("breach", f"severity {severity}", detail, count, percent, amount)
            )
        else:
            assert penalty.amount is not None
            amount = _money(penalty.amount * count)
            each = f"{format_money(penalty.amount, schedule.currency)} each"
            detail = f"{breached}: {each}"
            lines.append(
                StatementLine("breach", f"severity {severity}", detail, count, None, amount)
            )
    return lines


def _cap_line(
    schedule: PenaltySchedule, fee: Decimal | None, lines: Sequence[StatementLine]
) -> StatementLine | None:
    cap = schedule.cap
    if cap is None or not lines:
        return None
    currency = schedule.currency
    has_percent = any(line.percent is not None for line in lines)
    has_fixed = any(line.percent is None for line in lines)
    if fee is None and has_percent and (has_fixed or cap.amount is not None):
        raise EngineError(
            "monthly_fee",
            f"is needed to apply the cap of {cap.describe(currency)} to these credits",
        )
    if fee is None and has_fixed and cap.percent is not None:
        raise EngineError(
            "monthly_fee",
            f"is needed to apply the cap of {cap.describe(currency)} to fixed amounts",
        )
    if fee is None:
        if has_percent:
            assert cap.percent is not None
            total = sum((line.percent or Decimal(0) for line in lines), Decimal(0))
            if total <= cap.percent:
                return None
            detail = (
                f"Credits of {_format_decimal(total)}% of the monthly fee exceed the cap of "
                f"{cap.describe(currency)}: reduced to the cap"
            )
            return StatementLine("cap", "cap", detail, 1, cap.percent - total, None)
        assert cap.amount is not None
        limit = cap.amount
    else:
        limits = [] if cap.amount is None else [cap.amount]
        if cap.percent is not None:
            limits.append(_money(fee * cap.percent / HUNDRED))
        limit = min(limits)
    subtotal = sum((line.amount or Decimal(0) for line in lines), Decimal(0))
    if subtotal <= limit:
        return None
    detail = (
        f"Credits of {format_money(subtotal, currency)} exceed the cap of "
        f"{cap.describe(currency)} ({format_money(limit, currency)}): reduced to the cap"
    )
    return StatementLine("cap", "cap", detail, 1, None, limit - subtotal)


def statement(
    *,
    schedule: PenaltySchedule,
    monthly_fee: Decimal | None,
    module_uptimes: Mapping[str, Fraction],
    breaches: Mapping[int, int],
) -> Statement:
    """The month's penalty statement: one line per module whose uptime falls in a tier with a
    credit (in the order of `module_uptimes`), one per severity with breached tickets and a
    penalty (by severity), then a negative "cap" line when the cap limits the total.

    Uptime tier credits are a percent of the monthly fee per module; breach penalties are per
    breached ticket, a percent of the fee or a fixed amount. A module in no tier, a tier of 0%
    and a severity without a penalty produce no line.

    Without a monthly fee (`None`) percent lines have no amount (a percent of an unknown fee)
    while fixed-amount lines still show theirs; the statement can then be totalled only in
    percent, and a cap that needs the fee to compare percents with amounts is an error naming
    `monthly_fee`. Amounts are rounded half-up to cents once per line.
    """
    if not isinstance(schedule, PenaltySchedule):
        raise EngineError("schedule", "must be a PenaltySchedule")
    fee, uptimes, counts = _check_inputs(monthly_fee, module_uptimes, breaches)
    lines = _uptime_lines(schedule, fee, uptimes) + _breach_lines(schedule, fee, counts)
    cap_line = _cap_line(schedule, fee, lines)
    if cap_line is not None:
        lines.append(cap_line)
    amounts = [line.amount for line in lines]
    total_amount = None
    if all(amount is not None for amount in amounts):
        total_amount = sum((amount or Decimal(0) for amount in amounts), Decimal(0))
    if fee is not None:
        assert total_amount is not None
        with localcontext() as context:
            context.prec = 60
            total_percent = (total_amount * HUNDRED / fee).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        total_percent = sum((line.percent or Decimal(0) for line in lines), Decimal(0))
    return Statement(
        lines=tuple(lines),
        total_percent=total_percent,
        total_amount=total_amount,
        capped=cap_line is not None,
        currency=schedule.currency,
        monthly_fee=fee,
    )
