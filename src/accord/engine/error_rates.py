"""Downtime from error rates, as the big providers' SLAs count it.

Monitoring gives samples: for each interval of `sample_seconds` (60 or 300) starting at an
instant, how many requests were made and how many of them failed. Two rules read them:

- **Erroring runs** (Atlassian, Google Cloud): a sample is *erroring* when its error rate
  exceeds the threshold ("more than 5% of requests failed"; `threshold_inclusive` for "5% or
  more"); a run of at least `min_run` consecutive erroring samples is downtime, from the first
  sample's start to the last one's end. Samples are consecutive when one starts where the one
  before it ends: a missing sample breaks a run and counts as up, as does a sample with no
  requests (nothing failed). The runs are handed to `accord.engine.availability` as outages,
  so maintenance, weights and the uptime percent work as for any outage.
- **Mean error rate** (AWS S3): uptime is 100% minus the average of the samples' error rates
  over every sample interval of the period; an interval with no sample or no requests has an
  error rate of 0.

Every comparison is on integers (errors x 100 against threshold x requests): exact, no floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from accord.engine.errors import EngineError
from accord.engine.intervals import EMPTY, IntArray, int_array
from accord.engine.numbers import exact_fraction

# Counts above this would overflow int64 once multiplied by a threshold's denominator.
MAX_COUNT = 2**40
_MAX_DENOMINATOR = 2**20


@dataclass(frozen=True)
class ErrorRateRule:
    """When a sample counts as erroring, and how long a run of them must be to be downtime.
    `threshold_percent` is exact: a Fraction, an int or a Decimal."""

    sample_seconds: int = 60
    threshold_percent: Fraction = Fraction(5)
    threshold_inclusive: bool = False
    min_run: int = 1

    def __post_init__(self) -> None:
        for field, value in (("sample_seconds", self.sample_seconds), ("min_run", self.min_run)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise EngineError(f"error_rate.{field}", "must be a whole number of 1 or more")
        threshold = exact_fraction(self.threshold_percent, "error_rate.threshold_percent")
        if threshold is None or not 0 <= threshold <= 100:
            raise EngineError("error_rate.threshold_percent", "must be between 0 and 100")
        if threshold.denominator > _MAX_DENOMINATOR:
            raise EngineError("error_rate.threshold_percent", "has too many decimal places")
        object.__setattr__(self, "threshold_percent", threshold)


@dataclass(frozen=True)
class Samples:
    """Error-rate samples, sorted by start: numpy int64 arrays of equal length."""

    starts: IntArray
    requests: IntArray
    errors: IntArray


def read_samples(
    starts: ArrayLike, requests: ArrayLike, errors: ArrayLike, sample_seconds: int
) -> Samples:
    """Samples checked: sorted starts that do not overlap, 0 <= errors <= requests."""
    start_array = int_array(starts, "samples.starts")
    request_array = int_array(requests, "samples.requests")
    error_array = int_array(errors, "samples.errors")
    if not len(start_array) == len(request_array) == len(error_array):
        raise EngineError("samples", "starts, requests and errors must have the same length")
    gaps = np.diff(start_array)
    if len(gaps) and int(gaps.min()) < sample_seconds:
        at = int(np.argmax(gaps < sample_seconds)) + 1
        raise EngineError(
            f"samples.starts[{at}]",
            f"starts less than {sample_seconds} s after the sample before it "
            "(samples must be sorted and must not overlap)",
        )
    for field, values in (("requests", request_array), ("errors", error_array)):
        if len(values) and (int(values.min()) < 0 or int(values.max()) > MAX_COUNT):
            at = int(np.argmax((values < 0) | (values > MAX_COUNT)))
            raise EngineError(f"samples.{field}[{at}]", f"must be from 0 to {MAX_COUNT}")
    if len(error_array) and bool((error_array > request_array).any()):
        at = int(np.argmax(error_array > request_array))
        raise EngineError(f"samples.errors[{at}]", "is more than the sample's requests")
    return Samples(start_array, request_array, error_array)


def erroring(rule: ErrorRateRule, samples: Samples) -> np.ndarray:
    """Which samples are erroring under the rule (a boolean array)."""
    threshold = rule.threshold_percent
    failed = samples.errors * (100 * threshold.denominator)
    limit = samples.requests * threshold.numerator
    above = failed >= limit if rule.threshold_inclusive else failed > limit
    return above & (samples.requests > 0)


def downtime_runs(rule: ErrorRateRule, samples: Samples) -> tuple[IntArray, IntArray]:
    """The runs of at least `min_run` consecutive erroring samples, as intervals
    [starts, ends) in epoch seconds, sorted and disjoint."""
    bad_starts = samples.starts[erroring(rule, samples)]
    if len(bad_starts) == 0:
        return EMPTY, EMPTY
    breaks = np.diff(bad_starts) != rule.sample_seconds
    run_of = np.concatenate(([0], np.cumsum(breaks)))
    lengths = np.bincount(run_of)
    firsts = np.concatenate(([0], np.flatnonzero(breaks) + 1))
    lasts = firsts + lengths - 1
    keep = lengths >= rule.min_run
    return bad_starts[firsts[keep]], bad_starts[lasts[keep]] + rule.sample_seconds


def mean_error_rate(period: tuple[int, int], sample_seconds: int, samples: Samples) -> Fraction:
    """The average error rate over every `sample_seconds` interval of `period` (a fraction
    from 0 to 1): samples outside the period are ignored, missing intervals count as 0."""
    start, end = period
    if end <= start:
        raise EngineError("period", "must end after it starts")
    intervals = (end - start) // sample_seconds
    if intervals == 0:
        raise EngineError("period", f"is shorter than one sample ({sample_seconds} s)")
    inside = (samples.starts >= start) & (samples.starts < end) & (samples.requests > 0)
    requests = samples.requests[inside]
    errors = samples.errors[inside]
    # Exact: samples with the same number of requests share a denominator, so sum their
    # errors first (one Fraction per distinct request count, not per sample).
    counts, group = np.unique(requests, return_inverse=True)
    error_sums = np.zeros(len(counts), dtype=np.int64)
    np.add.at(error_sums, group, errors)
    total = sum(
        (Fraction(int(e), int(r)) for e, r in zip(error_sums, counts, strict=True)), Fraction(0)
    )
    return total / intervals
