"""Half-open epoch intervals [start, end) as NumPy arrays: validation, union, and the
cumulative cover that availability and maintenance measure with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.engine.errors import EngineError

IntArray: TypeAlias = NDArray[np.int64]
INT64_SAFE = 2**62
EMPTY: IntArray = np.zeros(0, dtype=np.int64)


def whole_seconds(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise EngineError(field, f"must be whole epoch seconds (an int), not {value!r}")
    return int(value)


def read_interval(
    pair: Sequence[object], field: str, read: Callable[[object, str], int] = whole_seconds
) -> tuple[int, int]:
    """The two ends of an interval [start, end) given as a pair, each read by `read` (whole epoch
    seconds by default; `timeutil.parse_instant` reads ISO 8601 text) and its error naming
    `field[0]` or `field[1]`. An empty interval is fine; one that ends before it starts is not."""
    start = read(pair[0], f"{field}[0]")
    end = read(pair[1], f"{field}[1]")
    if end < start:
        raise EngineError(field, "ends before it starts")
    return start, end


def epoch_interval(pair: object, field: str) -> tuple[int, int]:
    """A Python pair (start, end) of whole epoch seconds, as `read_interval` reads it."""
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise EngineError(field, "must be a pair (start, end) of epoch seconds")
    return read_interval(pair, field)


def int_array(values: ArrayLike, field: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise EngineError(field, "must be a one-dimensional array of epoch seconds")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise EngineError(field, f"must hold whole epoch seconds (integers), not {array.dtype}")
    return array.astype(np.int64, copy=False)


def merge_sorted(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Merge non-empty intervals already sorted by start.

    Returns the merged starts and ends, and for each input interval the index of the merged
    interval that holds it. Touching intervals merge ([a, b) and [b, c) give [a, c)).
    """
    if starts.size == 0:
        return EMPTY, EMPTY, EMPTY
    reach = np.maximum.accumulate(ends)
    first = np.empty(starts.size, dtype=np.bool_)
    first[0] = True
    np.greater(starts[1:], reach[:-1], out=first[1:])
    heads = np.flatnonzero(first)
    tails = np.append(heads[1:] - 1, starts.size - 1)
    owner = np.cumsum(first, dtype=np.int64) - 1
    return starts[heads], reach[tails], owner


def merge_intervals(starts: ArrayLike, ends: ArrayLike) -> tuple[IntArray, IntArray]:
    """The union of half-open intervals [start, end) as sorted, disjoint, non-touching intervals.

    Overlapping or touching intervals merge; empty or inverted intervals are dropped.
    """
    lows = int_array(starts, "starts")
    highs = int_array(ends, "ends")
    if lows.shape != highs.shape:
        raise EngineError("ends", "must have as many entries as starts")
    keep = highs > lows
    lows, highs = lows[keep], highs[keep]
    order = np.argsort(lows, kind="stable")
    merged_starts, merged_ends, _ = merge_sorted(lows[order], highs[order])
    return merged_starts, merged_ends


class Cumulative:
    """Seconds covered by disjoint sorted intervals before each point: C(x) = |cover ∩ (-∞, x)|.

    A zero-length sentinel before every point (at -2**62) saves a branch for points before the
    first interval.
    """

    def __init__(self, starts: IntArray, ends: IntArray) -> None:
        self.starts = np.concatenate(([-INT64_SAFE], starts)).astype(np.int64)
        self.lengths = np.concatenate(([0], ends - starts)).astype(np.int64)
        self.before = (np.cumsum(self.lengths) - self.lengths).astype(np.int64)

    def __call__(self, points: IntArray) -> IntArray:
        index = np.searchsorted(self.starts, points, side="right") - 1
        inside = np.minimum(points - self.starts[index], self.lengths[index])
        covered: IntArray = self.before[index] + inside
        return covered
