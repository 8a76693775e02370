"""Credit forms (accord.engine.credit_forms) against a plain reference: tiers walked one by one
with their bounds written out, the fee for downtime paid second by second, days of service
priced per day; and the published shapes (GitHub's overlapping tiers, Slack's 10x, a 50% cap)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.credit_forms import (
    CreditResult,
    CreditTerms,
    FeeMultipleCredit,
    ServiceDaysCredit,
    TierCredit,
    period_credit,
)
from accord.engine.credits import Tier, TierTable
from accord.engine.errors import EngineError

DAY = 86_400
QUARTER = 92 * DAY


def tier(lower, lower_inc, upper, upper_inc, credit) -> Tier:
    return Tier(
        None if lower is None else Fraction(Decimal(lower)),
        lower_inc,
        None if upper is None else Fraction(Decimal(upper)),
        upper_inc,
        Decimal(credit),
    )


# GitHub: "<= 99.9% -> 10%, < 99.0% -> 25%", read as two tiers that do not add up.
GITHUB = TierTable((tier("99.0", True, "99.9", True, "10"), tier(None, False, "99.0", False, "25")))


def naive_tier(bounds, percent: Fraction) -> Fraction:
    """The first tier whose bounds hold the percent, each side written out."""
    for lower, lower_inc, upper, upper_inc, credit in bounds:
        above = lower is None or percent > lower or (lower_inc and percent == lower)
        below = upper is None or percent < upper or (upper_inc and percent == upper)
        if above and below:
            return credit
    return Fraction(0)


def credit(terms: CreditTerms, uptime: Fraction, *, met: bool = False, seconds=QUARTER, days=92):
    downtime = (1 - uptime) * seconds
    return period_credit(
        terms,
        uptime_fraction=uptime,
        met=met,
        downtime_seconds=downtime,
        period_seconds=seconds,
        period_days=days,
    )


uptimes = st.one_of(
    st.sampled_from([Fraction(n, 1000) for n in (990, 999, 950, 1000, 0)]),
    st.fractions(min_value=Fraction(9, 10), max_value=Fraction(1), max_denominator=10**6),
    st.integers(0, 100_000).map(lambda n: Fraction(n, 100_000)),
)


@given(uptimes)
def test_tiers_match_the_plain_walk(uptime: Fraction) -> None:
    bounds = [
        (Fraction(99), True, Fraction(999, 10), True, Fraction(10)),
        (None, False, Fraction(99), False, Fraction(25)),
    ]
    result = credit(CreditTerms(TierCredit(GITHUB)), uptime)
    assert result.percent == naive_tier(bounds, uptime * 100)


@given(uptimes, st.sampled_from([None, Fraction(0), Fraction(15), Fraction(50), Fraction(100)]))
def test_a_cap_limits_and_says_so(uptime: Fraction, cap: Fraction | None) -> None:
    table = TierTable(
        (
            tier("99.0", True, "99.99", False, "10"),
            tier("95.0", True, "99.0", False, "25"),
            tier(None, False, "95.0", False, "100"),
        )
    )
    result = credit(CreditTerms(TierCredit(table), cap), uptime)
    limit = Fraction(100) if cap is None else cap
    assert result.percent == min(result.uncapped, limit)
    assert result.capped == (result.uncapped > limit)


@given(
    st.integers(1, 90 * DAY),
    st.integers(0, 90 * DAY),
    st.sampled_from([Fraction(10), Fraction(1), Fraction(5, 2)]),
    st.integers(1, 10**6),
)
def test_fee_multiple_is_the_fee_paid_for_the_downtime_times_n(
    period: int, down: int, multiple: Fraction, fee_cents: int
) -> None:
    down = min(down, period)
    terms = CreditTerms(FeeMultipleCredit(multiple))
    result = period_credit(
        terms,
        uptime_fraction=1 - Fraction(down, period),
        met=False,
        downtime_seconds=Fraction(down),
        period_seconds=period,
        period_days=max(1, period // DAY),
    )
    fee = Fraction(fee_cents, 100)
    # The fee paid for each whole minute of the period, then for the seconds left over.
    per_minute = fee * 60 / period
    paid_for_downtime = per_minute * (down // 60) + fee / period * (down % 60)
    expected = min(multiple * paid_for_downtime, fee)
    assert result.amount(Decimal(fee_cents) / 100) == expected


def test_slack_10x_for_an_hour_down_in_a_quarter() -> None:
    # 60 minutes down in a 92-day quarter paid 9,200.00: the hour cost 4.1666..., 10x is 41.67.
    result = credit(CreditTerms(FeeMultipleCredit(Fraction(10))), 1 - Fraction(3600, QUARTER))
    assert result.amount(Decimal("9200.00")) == Fraction(125, 3)  # 41.666...
    assert not result.capped


def test_fee_multiple_pays_nothing_when_the_target_is_met() -> None:
    result = credit(CreditTerms(FeeMultipleCredit(Fraction(10))), Fraction(9999, 10000), met=True)
    assert result.percent == 0


def test_fee_multiple_never_pays_more_than_the_fee() -> None:
    result = credit(CreditTerms(FeeMultipleCredit(Fraction(10))), Fraction(1, 2))
    assert result.uncapped == 500 and result.percent == 100 and result.capped


@given(uptimes)
def test_service_days_are_priced_per_calendar_day(uptime: Fraction) -> None:
    table = TierTable(
        (tier("99.0", True, "99.9", False, "0"), tier(None, False, "99.0", False, "0"))
    )
    terms = CreditTerms(ServiceDaysCredit(table, (3, 7)))
    result = credit(terms, uptime, seconds=30 * DAY, days=30)
    percent = uptime * 100
    days = 3 if Fraction(99) <= percent < Fraction(999, 10) else 7 if percent < 99 else 0
    assert result.amount(Decimal(3000)) == days * 100  # 3,000 a month is 100 a day


def test_github_at_the_boundaries() -> None:
    terms = CreditTerms(TierCredit(GITHUB))
    assert credit(terms, Fraction(999, 1000)).percent == 10  # "less than or equal to 99.9%"
    assert credit(terms, Fraction(99, 100)).percent == 10  # 99.0% is not "less than 99.0%"
    assert credit(terms, Fraction(99, 100) - Fraction(1, 10**9)).percent == 25
    assert credit(terms, Fraction(999, 1000) + Fraction(1, 10**9)).percent == 0


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("credit.multiple", lambda: FeeMultipleCredit(Fraction(0))),
        ("credit.multiple", lambda: FeeMultipleCredit(1.5)),  # type: ignore[arg-type]
        ("credit.cap_percent", lambda: CreditTerms(TierCredit(GITHUB), Fraction(101))),
        ("credit.tiers", lambda: ServiceDaysCredit(GITHUB, (1,))),
        ("credit.tiers[1].credit_days", lambda: ServiceDaysCredit(GITHUB, (1, -1))),
    ],
)
def test_bad_terms_name_their_field(field: str, make) -> None:
    with pytest.raises(EngineError) as caught:
        make()
    assert caught.value.field == field


def test_downtime_longer_than_the_period_is_refused() -> None:
    with pytest.raises(EngineError, match="downtime_seconds"):
        period_credit(
            CreditTerms(TierCredit(GITHUB)),
            uptime_fraction=Fraction(0),
            met=False,
            downtime_seconds=Fraction(DAY + 1),
            period_seconds=DAY,
            period_days=1,
        )


@given(
    percent=st.fractions(min_value=0, max_value=100, max_denominator=10**6),
    cents=st.integers(min_value=0, max_value=10**9),
)
def test_the_amount_in_cents_is_the_exact_amount_rounded_half_up(
    percent: Fraction, cents: int
) -> None:
    from decimal import ROUND_HALF_UP, localcontext

    fee = Decimal(cents).scaleb(-2)
    result = CreditResult(percent=percent, uncapped=percent, capped=False, rule="test")
    exact = Fraction(fee) * percent / 100
    with localcontext() as context:  # the naive reference: Decimal's own half-up at 60 digits
        context.prec = 60
        naive = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    assert result.amount_to_cents(fee) == naive
