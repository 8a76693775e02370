"""Downtime from error rates (accord.engine.error_rates), against a naive reference that walks
the samples one by one with Fractions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.error_rates import (
    ErrorRateRule,
    downtime_runs,
    mean_error_rate,
    read_samples,
)
from accord.engine.errors import EngineError

MINUTE = 60


@st.composite
def sample_series(draw: st.DrawFn, sample_seconds: int = MINUTE) -> tuple[list[int], ...]:
    """Samples on a grid with gaps now and then; error counts often near the threshold."""
    count = draw(st.integers(0, 60))
    starts, requests, errors = [], [], []
    at = draw(st.integers(0, 10**6)) * sample_seconds
    for _ in range(count):
        at += sample_seconds * draw(st.sampled_from([1, 1, 1, 1, 2, 5]))
        made = draw(st.integers(0, 200))
        starts.append(at)
        requests.append(made)
        errors.append(draw(st.integers(0, made)))
    return starts, requests, errors


def naive_runs(rule: ErrorRateRule, starts: list[int], requests: list[int], errors: list[int]):
    runs: list[list[int]] = []
    previous_end = None
    for start, made, failed in zip(starts, requests, errors, strict=True):
        rate = Fraction(failed, made) * 100 if made else None
        bad = rate is not None and (
            rate >= rule.threshold_percent
            if rule.threshold_inclusive
            else rate > rule.threshold_percent
        )
        if bad and runs and previous_end == start and runs[-1][1] == start:
            runs[-1][1] = start + rule.sample_seconds
        elif bad:
            runs.append([start, start + rule.sample_seconds])
        previous_end = start + rule.sample_seconds
    return [(a, b) for a, b in runs if (b - a) // rule.sample_seconds >= rule.min_run]


rules = st.builds(
    ErrorRateRule,
    sample_seconds=st.just(MINUTE),
    threshold_percent=st.sampled_from([Fraction(0), Fraction(5), Fraction(10), Fraction(1, 3)]),
    threshold_inclusive=st.booleans(),
    min_run=st.integers(1, 6),
)


@given(rules, sample_series())
def test_downtime_runs_are_those_of_the_sample_by_sample_walk(
    rule: ErrorRateRule, series: tuple[list[int], ...]
) -> None:
    samples = read_samples(*series, MINUTE)
    starts, ends = downtime_runs(rule, samples)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == naive_runs(rule, *series)


@given(sample_series(300))
def test_the_mean_error_rate_is_the_plain_average_over_every_interval(
    series: tuple[list[int], ...],
) -> None:
    starts, requests, errors = series
    first = starts[0] if starts else 0
    period = (first - 600, first + 300 * 80)
    samples = read_samples(starts, requests, errors, 300)
    intervals = (period[1] - period[0]) // 300
    expected = (
        sum(
            (
                Fraction(e, r)
                for s, r, e in zip(starts, requests, errors, strict=True)
                if r and period[0] <= s < period[1]
            ),
            Fraction(0),
        )
        / intervals
    )
    assert mean_error_rate(period, 300, samples) == expected


def test_atlassians_example_sixty_erroring_minutes_of_a_thirty_day_month() -> None:
    """Atlassian's SLA: 60 minutes whose error rate exceeds 5% in a 30-day month: 99.86%."""
    minutes = 30 * 24 * 60
    starts = np.arange(minutes, dtype=np.int64) * MINUTE
    requests = np.full(minutes, 1000, dtype=np.int64)
    errors = np.zeros(minutes, dtype=np.int64)
    errors[600:660] = 51  # 5.1%: above 5%
    errors[700:710] = 50  # exactly 5%: not above it
    rule = ErrorRateRule(sample_seconds=MINUTE, threshold_percent=Fraction(5))
    run_starts, run_ends = downtime_runs(rule, read_samples(starts, requests, errors, MINUTE))
    down = int((run_ends - run_starts).sum())
    assert down == 3600
    uptime = 1 - Fraction(down, minutes * MINUTE)
    assert f"{float(uptime * 100):.2f}" == "99.86"


def test_a_run_shorter_than_the_minimum_is_not_downtime() -> None:
    rule = ErrorRateRule(threshold_percent=Fraction(10), min_run=5)
    starts = [i * MINUTE for i in range(12)]
    requests = [100] * 12
    errors = [50, 50, 50, 50, 0, 50, 50, 50, 50, 50, 0, 0]
    run_starts, run_ends = downtime_runs(rule, read_samples(starts, requests, errors, MINUTE))
    assert run_starts.tolist() == [5 * MINUTE] and run_ends.tolist() == [10 * MINUTE]


@pytest.mark.parametrize(
    ("series", "field"),
    [
        (([0, 30], [1, 1], [0, 0]), "samples.starts[1]"),
        (([0, 60], [1, 1], [0, 2]), "samples.errors[1]"),
        (([0], [-1], [0]), "samples.requests[0]"),
        (([0, 60], [1], [0, 0]), "samples"),
    ],
)
def test_bad_samples_name_the_one_that_is_wrong(series: tuple[list[int], ...], field: str) -> None:
    with pytest.raises(EngineError) as refused:
        read_samples(*series, MINUTE)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"threshold_percent": 5.0}, "error_rate.threshold_percent"),
        ({"threshold_percent": Fraction(101)}, "error_rate.threshold_percent"),
        ({"min_run": 0}, "error_rate.min_run"),
        ({"sample_seconds": 0}, "error_rate.sample_seconds"),
    ],
)
def test_a_wrong_rule_names_its_field(options: dict[str, object], field: str) -> None:
    with pytest.raises(EngineError) as refused:
        ErrorRateRule(**options)  # type: ignore[arg-type]
    assert refused.value.field == field
