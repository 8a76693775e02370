"""A period measured as a published SLA measures it (accord.engine.measurement), against a
plain reference that counts the period minute by minute."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.availability import Outage
from accord.engine.credit_forms import CreditTerms, FeeMultipleCredit, TierCredit
from accord.engine.credits import Tier, TierTable
from accord.engine.error_rates import ErrorRateRule, read_samples
from accord.engine.errors import EngineError
from accord.engine.measurement import (
    DowntimeRule,
    MeasurementRule,
    ScheduledDowntime,
    measure_period,
)
from accord.engine.periods import PeriodKind, PeriodRule

MINUTE, HOUR = 60, 3600


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def tiers(*rows: tuple[str | None, str | None, str]) -> TierTable:
    """[lower, upper) rows with a credit."""
    return TierTable(
        tuple(
            Tier(
                None if low is None else Fraction(Decimal(low)),
                low is not None,
                None if high is None else Fraction(Decimal(high)),
                False,
                Decimal(credit),
            )
            for low, high, credit in rows
        )
    )


PREMIUM = CreditTerms(
    TierCredit(tiers(("99.0", "99.9", "10"), ("95.0", "99.0", "25"), (None, "95.0", "50")))
)
MONTH_UTC = PeriodRule(PeriodKind.MONTH, "UTC")
ATLASSIAN = MeasurementRule(
    period=MONTH_UTC,
    target=Fraction(999, 1000),
    downtime=DowntimeRule.ERRORING_RUNS,
    error_rate=ErrorRateRule(sample_seconds=60, threshold_percent=Fraction(5)),
    credit=PREMIUM,
)


def minutes(start: int, count: int, requests: int, errors: int):
    return (
        [start + MINUTE * i for i in range(count)],
        [requests] * count,
        [errors] * count,
    )


def test_atlassian_example_30_day_month_60_minutes_down_is_99_86() -> None:
    starts, requests, errors = minutes(at("2026-09-10T12:00:00"), 60, 100, 6)
    result = measure_period(
        ATLASSIAN, "2026-09", samples=read_samples(starts, requests, errors, 60)
    )
    assert result.period_days == 30
    assert result.downtime_seconds == 3600
    assert result.uptime_percent == "99.861"  # published as 99.86%
    assert result.credit is not None and result.credit.percent == 10


def test_exactly_5_percent_is_not_above_5_percent() -> None:
    starts, requests, errors = minutes(at("2026-09-10T12:00:00"), 60, 100, 5)
    result = measure_period(
        ATLASSIAN, "2026-09", samples=read_samples(starts, requests, errors, 60)
    )
    assert result.uptime_fraction == 1 and result.credit is not None
    assert result.credit.percent == 0


@st.composite
def quarter_samples(draw: st.DrawFn):
    """Erroring stretches in and around 2026-Q4 (some start before it, some run past it)."""
    stretches = draw(
        st.lists(st.tuples(st.integers(-30, 92 * 1440 + 30), st.integers(1, 40)), max_size=6)
    )
    first = at("2026-10-01T00:00:00")
    bad = sorted({first + MINUTE * (m + i) for m, n in stretches for i in range(n)})
    return bad, draw(st.integers(1, 4))


@settings(max_examples=60, deadline=None)
@given(quarter_samples())
def test_erroring_runs_over_a_quarter_match_a_minute_count(data) -> None:
    bad, min_run = data
    rule = MeasurementRule(
        period=PeriodRule(PeriodKind.QUARTER, "UTC"),
        target=Fraction(999, 1000),
        downtime=DowntimeRule.ERRORING_RUNS,
        error_rate=ErrorRateRule(sample_seconds=60, threshold_percent=Fraction(5), min_run=min_run),
    )
    samples = read_samples(bad, [10] * len(bad), [10] * len(bad), 60)
    result = measure_period(rule, "2026-Q4", samples=samples)
    # The reference: runs of consecutive minutes at least min_run long, counted inside Q4.
    start, end = at("2026-10-01T00:00:00"), at("2027-01-01T00:00:00")
    runs: list[list[int]] = []
    for minute in bad:
        if runs and runs[-1][-1] + MINUTE == minute:
            runs[-1].append(minute)
        else:
            runs.append([minute])
    down = sum(1 for run in runs if len(run) >= min_run for m in run if start <= m < end)
    assert result.downtime_seconds == down * MINUTE
    assert result.uptime_fraction == 1 - Fraction(down * MINUTE, end - start)


SLACK = MeasurementRule(
    period=PeriodRule(PeriodKind.QUARTER, "UTC"),
    target=Fraction(9999, 10000),
    notice_hours=48,
    credit=CreditTerms(FeeMultipleCredit(Fraction(10))),
)


@pytest.mark.parametrize(("notice", "excluded"), [(48 * HOUR, True), (48 * HOUR - 1, False)])
def test_scheduled_downtime_needs_48_hours_notice(notice: int, excluded: bool) -> None:
    start = at("2026-11-14T02:00:00")
    window = ScheduledDowntime(start, start + HOUR, start - notice)
    result = measure_period(
        SLACK, "2026-Q4", outages=[Outage(start, start + HOUR)], scheduled=[window]
    )
    assert (result.downtime_seconds == 0) is excluded
    assert result.scheduled_excluded == ((window,) if excluded else ())
    assert result.credit is not None
    if excluded:
        assert result.credit.percent == 0
    else:
        # 10 x the fee for one hour of a 92-day quarter.
        assert result.credit.percent == Fraction(10 * HOUR * 100, 92 * 86_400)


def test_mean_error_rate_is_100_minus_the_average() -> None:
    rule = MeasurementRule(
        period=MONTH_UTC,
        target=Fraction(999, 1000),
        downtime=DowntimeRule.MEAN_ERROR_RATE,
        error_rate=ErrorRateRule(sample_seconds=300),
    )
    # November: 8,640 five-minute intervals; one at 100% errors, one at 50%, the rest unseen.
    first = at("2026-11-01T00:00:00")
    samples = read_samples([first, first + 300], [10, 10], [10, 5], 300)
    result = measure_period(rule, "2026-11", samples=samples)
    assert result.uptime_fraction == 1 - Fraction(3, 2) / 8640


def test_evidence_of_the_wrong_kind_is_refused() -> None:
    samples = read_samples([0], [1], [0], 60)
    with pytest.raises(EngineError, match="^samples: are needed"):
        measure_period(ATLASSIAN, "2026-09")
    with pytest.raises(EngineError, match="^samples: are not used"):
        measure_period(SLACK, "2026-Q4", samples=samples)
    with pytest.raises(EngineError, match="^period: '2026-09' is not a quarter label"):
        measure_period(SLACK, "2026-09")


def test_a_rule_without_its_error_rate_settings_is_refused() -> None:
    with pytest.raises(EngineError, match="^downtime: rule erroring_runs needs"):
        MeasurementRule(MONTH_UTC, Fraction(1), DowntimeRule.ERRORING_RUNS)
    with pytest.raises(EngineError, match="^downtime.rule: must be one of"):
        MeasurementRule(MONTH_UTC, Fraction(1), "sometimes")  # type: ignore[arg-type]
