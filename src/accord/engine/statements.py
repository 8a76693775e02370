"""The monthly penalty statement: the credits a contract's penalty schedule gives for a month.

Money is `Decimal`, never float. Each statement line's amount is computed exactly and rounded
once, half-up to cents (0.01); the totals add up the rounded lines, so a statement adds up as
printed. Amounts are in the schedule's currency, which is assumed to have cents. The schedule
itself (tiers, breach penalties, caps) is `accord.engine.credits`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal, TypeAlias

from accord.engine.availability import floor_percent
from accord.engine.credits import PenaltySchedule, Tier, format_money
from accord.engine.errors import EngineError
from accord.engine.numbers import CENT, HUNDRED, check_decimal, exact_fraction, format_decimal

Rule: TypeAlias = Literal["uptime_tier", "breach", "cap"]


def _money(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


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


def _check_fee(monthly_fee: object) -> Decimal | None:
    if monthly_fee is None:
        return None
    fee = check_decimal(monthly_fee, "monthly_fee")
    if fee == 0:
        raise EngineError("monthly_fee", "must be more than 0 (or None when not known)")
    return fee


def _check_uptime(name: object, value: object) -> Fraction:
    where = f"module_uptimes[{name!r}]"
    if not isinstance(name, str):
        raise EngineError(where, "module names must be text")
    fraction = exact_fraction(value, where)
    if fraction is None or not 0 <= fraction <= 1:
        raise EngineError(where, "must be an uptime Fraction from 0 to 1")
    return fraction


def _check_count(severity: object, count: object) -> int:
    where = f"breaches[{severity!r}]"
    if isinstance(severity, bool) or not isinstance(severity, int):
        raise EngineError(where, "severities must be whole numbers")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise EngineError(where, "must be a count of breached tickets, 0 or more")
    return count


def _check_inputs(
    monthly_fee: object, module_uptimes: object, breaches: object
) -> tuple[Decimal | None, dict[str, Fraction], dict[int, int]]:
    fee = _check_fee(monthly_fee)
    if not isinstance(module_uptimes, Mapping):
        raise EngineError("module_uptimes", "must map module names to uptime fractions")
    uptimes = {name: _check_uptime(name, value) for name, value in module_uptimes.items()}
    if not isinstance(breaches, Mapping):
        raise EngineError("breaches", "must map severities to counts of breached tickets")
    counts = {severity: _check_count(severity, count) for severity, count in breaches.items()}
    return fee, uptimes, counts


def _percent_amount(fee: Decimal | None, percent: Decimal) -> Decimal | None:
    return None if fee is None else _money(fee * percent / HUNDRED)


def _uptime_credit(
    schedule: PenaltySchedule, name: str, fraction: Fraction
) -> tuple[Decimal, str] | None:
    """A module's tier line without the fee: its percent and detail (None: no line)."""
    return _tier_credit(schedule.uptime_tiers.match(fraction), name, fraction)


def _tier_credit(tier: Tier | None, name: str, fraction: Fraction) -> tuple[Decimal, str] | None:
    if tier is None or tier.credit_percent == 0:
        return None
    label = f"{tier.label} " if tier.label else ""
    detail = (
        f"{name} uptime {floor_percent(fraction)}% is in tier {label}{tier.describe()}: "
        f"{format_decimal(tier.credit_percent)}% credit"
    )
    return tier.credit_percent, detail


def _breach_credit(
    schedule: PenaltySchedule, severity: int, count: int
) -> tuple[str, str, Decimal | None, Decimal | None] | None:
    """A severity's breach line without the fee: subject, detail, percent (of the fee) or
    fixed amount (None: no line)."""
    penalty = schedule.breach_penalty(severity)
    if count == 0 or penalty is None:
        return None
    tickets = f"{count} severity {severity} ticket{'s' if count != 1 else ''}"
    breached = f"{tickets} breached {'their' if count != 1 else 'its'} return-to-service target"
    if penalty.percent is not None:
        each = f"{format_decimal(penalty.percent)}% of the monthly fee each"
        return f"severity {severity}", f"{breached}: {each}", penalty.percent * count, None
    assert penalty.amount is not None
    each = f"{format_money(penalty.amount, schedule.currency)} each"
    return f"severity {severity}", f"{breached}: {each}", None, _money(penalty.amount * count)


def _uptime_lines(
    schedule: PenaltySchedule, fee: Decimal | None, uptimes: Mapping[str, Fraction]
) -> list[StatementLine]:
    lines = []
    for name, fraction in uptimes.items():
        credit = _uptime_credit(schedule, name, fraction)
        if credit is not None:
            percent, detail = credit
            amount = _percent_amount(fee, percent)
            lines.append(StatementLine("uptime_tier", name, detail, 1, percent, amount))
    return lines


def _breach_lines(
    schedule: PenaltySchedule, fee: Decimal | None, counts: Mapping[int, int]
) -> list[StatementLine]:
    lines = []
    for severity in sorted(counts):
        count = counts[severity]
        credit = _breach_credit(schedule, severity, count)
        if credit is not None:
            subject, detail, percent, fixed = credit
            amount = fixed if percent is None else _percent_amount(fee, percent)
            lines.append(StatementLine("breach", subject, detail, count, percent, amount))
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
                f"Credits of {format_decimal(total)}% of the monthly fee exceed the cap of "
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
    return _finish(schedule, fee, lines)


def _finish(
    schedule: PenaltySchedule, fee: Decimal | None, lines: list[StatementLine]
) -> Statement:
    """The statement of these lines (uptime tiers, then breaches): the cap line and totals."""
    cap_line = _cap_line(schedule, fee, lines)
    if cap_line is not None:
        lines = [*lines, cap_line]
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
