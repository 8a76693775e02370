"""Credit forms: how a published SLA turns a period's measurement into a service credit.

Three forms, each giving the credit as an exact percent (a `Fraction`) of the fee paid for the
period and the product the credit is for:

- **tiers** (AWS, Atlassian, GitHub, Google Cloud): the period's exact uptime percent falls in
  one tier of an `accord.engine.credits.TierTable` (bounds with their inclusive side stated), and
  that tier's percent is the credit; an uptime in no tier earns 0.
- **fee multiple** (Slack): when the period misses its target, the credit is `multiple` times
  what was paid for the downtime. The fee accrues evenly over the period's real seconds, so the
  fee for the downtime is fee x downtime / period seconds, and the credit is
  multiple x downtime / period x 100 percent. Met periods earn 0.
- **service days**: the uptime falls in a tier whose credit is a number of days of service;
  a day is worth fee / the number of calendar days in the period, so the credit is
  days / period days x 100 percent.

A cap (Google Cloud: 50%) limits the result: credit = min(uncapped, cap). Without a cap no form
pays more than 100% of the fee (a credit is money back, never more than was paid), and the
result says when either limit cut it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from accord.engine.credits import TierTable
from accord.engine.errors import EngineError
from accord.engine.numbers import exact_fraction

HUNDRED_PERCENT = Fraction(100)


@dataclass(frozen=True)
class TierCredit:
    """A percent of the fee by the tier the uptime falls in."""

    table: TierTable

    def __post_init__(self) -> None:
        if not isinstance(self.table, TierTable):
            raise EngineError("credit.tiers", "must be a TierTable")


@dataclass(frozen=True)
class FeeMultipleCredit:
    """`multiple` times the fee paid for the downtime, when the target is missed."""

    multiple: Fraction

    def __post_init__(self) -> None:
        multiple = exact_fraction(self.multiple, "credit.multiple")
        if multiple is None or multiple <= 0:
            raise EngineError("credit.multiple", "must be more than 0")
        object.__setattr__(self, "multiple", multiple)


@dataclass(frozen=True)
class ServiceDaysCredit:
    """Days of service by the tier the uptime falls in: `days[i]` for `table.tiers[i]` (the
    tiers' own credit percent is not used)."""

    table: TierTable
    days: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.table, TierTable):
            raise EngineError("credit.tiers", "must be a TierTable")
        if len(self.days) != len(self.table.tiers):
            raise EngineError("credit.tiers", "each tier needs its number of days")
        for index, days in enumerate(self.days):
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise EngineError(
                    f"credit.tiers[{index}].credit_days", "must be a whole number, 0 or more"
                )


CreditForm: TypeAlias = TierCredit | FeeMultipleCredit | ServiceDaysCredit


@dataclass(frozen=True)
class CreditTerms:
    """A credit form and its optional cap (a percent of the fee, from 0 to 100)."""

    form: CreditForm
    cap_percent: Fraction | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.form, TierCredit | FeeMultipleCredit | ServiceDaysCredit):
            raise EngineError("credit.form", "must be a credit form")
        cap = exact_fraction(self.cap_percent, "credit.cap_percent")
        if cap is not None and not 0 <= cap <= HUNDRED_PERCENT:
            raise EngineError("credit.cap_percent", "must be from 0 to 100")
        object.__setattr__(self, "cap_percent", cap)


@dataclass(frozen=True)
class CreditResult:
    """The credit for one period, exact. `percent` is of the period's fee; `uncapped` is what
    the form gave before the cap (and the 100% limit); `capped` says the limit cut it."""

    percent: Fraction
    uncapped: Fraction
    capped: bool
    rule: str

    def amount(self, fee: Decimal) -> Fraction:
        """The credit in money, exact (the caller rounds to cents)."""
        return Fraction(fee) * self.percent / HUNDRED_PERCENT

    def amount_to_cents(self, fee: Decimal) -> Decimal:
        """`amount` rounded half-up to the cent, as the statements round (docs/sla-model.md,
        Penalties)."""
        cents = self.amount(fee) * 100
        rounded = (cents * 2 + 1) // 2
        return Decimal(int(rounded)).scaleb(-2)


def period_credit(
    terms: CreditTerms,
    *,
    uptime_fraction: Fraction,
    met: bool,
    downtime_seconds: Fraction,
    period_seconds: int,
    period_days: int,
) -> CreditResult:
    """The credit a period earns under `terms` (see the module's docstring)."""
    uptime = exact_fraction(uptime_fraction, "uptime_fraction")
    if uptime is None or not 0 <= uptime <= 1:
        raise EngineError("uptime_fraction", "must be a Fraction from 0 to 1")
    downtime = exact_fraction(downtime_seconds, "downtime_seconds")
    if downtime is None or downtime < 0:
        raise EngineError("downtime_seconds", "must be 0 or more")
    for field, value in (("period_seconds", period_seconds), ("period_days", period_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EngineError(field, "must be a whole number of 1 or more")
    if downtime > period_seconds:
        raise EngineError("downtime_seconds", "is longer than the period")
    form = terms.form
    if isinstance(form, TierCredit):
        tier = form.table.match(uptime)
        uncapped = Fraction(tier.credit_percent) if tier else Fraction(0)
        rule = f"tier {tier.describe()}" if tier else "no tier"
    elif isinstance(form, FeeMultipleCredit):
        uncapped = Fraction(0) if met else form.multiple * downtime / period_seconds * 100
        rule = "target met" if met else f"{form.multiple} x the fee for the downtime"
    else:
        index = next(
            (i for i, tier in enumerate(form.table.tiers) if tier.contains(uptime * 100)), None
        )
        days = form.days[index] if index is not None else 0
        uncapped = Fraction(days, period_days) * 100
        rule = (
            f"tier {form.table.tiers[index].describe()}: {days} days of {period_days}"
            if index is not None
            else "no tier"
        )
    limit = HUNDRED_PERCENT if terms.cap_percent is None else terms.cap_percent
    percent = min(uncapped, limit)
    return CreditResult(percent=percent, uncapped=uncapped, capped=percent < uncapped, rule=rule)
