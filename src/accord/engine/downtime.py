"""Maintenance and downtime of many groups (module-regions) over one period, in one vectorised
pass: the computation behind `accord.engine.availability` (whose docstring states the rules).

Every group's times are offset by group x K (K longer than the span), so one global sort and one
running maximum merge every group's outages at once, and the eligible part of each merged outage
comes from a cumulative maintenance function evaluated with `np.searchsorted`. Sums stay exact:
integers throughout, Python ints where int64 could overflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from accord.engine.errors import EngineError
from accord.engine.intervals import INT64_SAFE, Cumulative, IntArray, merge_intervals, merge_sorted


class CountedOutage(NamedTuple):
    """A merged outage that overlaps the period and how many seconds of it counted as downtime
    (0 when it was shorter than the minimum or fell wholly in maintenance)."""

    start: int
    end: int
    counted_seconds: Fraction


@dataclass(frozen=True, eq=False)
class Totals:
    """Per group, maintenance seconds in the period and downtime seconds as numerators over
    `denominator`; with `detail`, every merged outage overlapping the period (one group)."""

    maintenance: IntArray
    downtime: NDArray[Any]
    denominator: int
    counted: list[CountedOutage]


def _group_sums(groups: IntArray, values: NDArray[Any], n_groups: int) -> NDArray[Any]:
    """Per-group sums of `values` whose `groups` are sorted: exact, no float on the way."""
    bounds = np.searchsorted(groups, np.arange(n_groups + 1, dtype=np.int64), side="left")
    running = np.concatenate((np.zeros(1, dtype=values.dtype), np.cumsum(values)))
    sums: NDArray[Any] = running[bounds[1:]] - running[bounds[:-1]]
    return sums


def _sort_by(keys: IntArray, bound: int) -> tuple[IntArray, IntArray | None]:
    """`keys` sorted and the order that sorts them (keys in [0, bound)); None when they already
    are sorted (outages passed in order of group, then start, skip the sort).

    Packing each key with its index into one int64 and sorting the values is faster than
    `argsort` (about twice on shuffled keys); keys too large to pack fall back to `argsort`.
    """
    if bool((keys[1:] >= keys[:-1]).all()):
        return keys, None
    shift = max(int(keys.size - 1).bit_length(), 1)
    if bound < 2 ** (62 - shift):
        packed = np.sort((keys << shift) | np.arange(keys.size, dtype=np.int64))
        return packed >> shift, packed & ((1 << shift) - 1)
    order = np.argsort(keys)
    return keys[order], order


def downtime_totals(
    *,
    n_groups: int,
    period: tuple[int, int],
    groups: IntArray,
    starts: IntArray,
    ends: IntArray,
    weights: IntArray | None,
    denominator: int,
    shared: tuple[IntArray, IntArray],
    extra: tuple[IntArray, IntArray, IntArray] | None,
    min_outage: int,
    span: tuple[int, int],
    detail: bool,
) -> Totals:
    """Maintenance and downtime per group. Outage i belongs to group `groups[i]`, spans
    [starts[i], ends[i]) and weighs `weights[i] / denominator` (None: every outage is full);
    `shared` maintenance applies to every group, `extra` (group, starts, ends) to one group each.
    Outages are cut to `span` (which contains the period) first; `span` must reach at least
    `min_outage` + 1 beyond the period on both sides so the cut never changes which merged
    outages are long enough."""
    p0, p1 = period
    lo, hi = span
    k = hi - lo + 1
    if n_groups * k >= INT64_SAFE:
        raise EngineError("n_groups", "too many groups for this period and minimum outage")
    a, b = p0 - lo, p1 - lo

    # Outages in offset coordinates x = group * K + (t - lo), sorted once.
    low = np.minimum(np.maximum(starts, lo), hi)
    high = np.minimum(np.maximum(ends, lo), hi)
    keep = high > low
    if not keep.all():
        low, high, groups = low[keep], high[keep], groups[keep]
        weights = None if weights is None else weights[keep]
    base = groups * k - lo
    x0, order = _sort_by(low + base, n_groups * k)
    x1 = high + base
    if order is not None:
        x1 = x1[order]
        weights = None if weights is None else weights[order]
    levels_of = weights

    # Union of every weight: the unit for `min_outage_seconds`.
    union_starts, union_ends, owner = merge_sorted(x0, x1)
    long_enough = (union_ends - union_starts) >= min_outage
    counts = long_enough[owner]

    # Maintenance as a cumulative function M(group, x) = maintenance seconds in [P0, x).
    group_ids = np.arange(n_groups, dtype=np.int64)
    shared_starts, shared_ends = shared[0] - lo, shared[1] - lo
    maintenance_before: Callable[[IntArray, IntArray], IntArray]
    if extra is None:
        cover = Cumulative(shared_starts, shared_ends)
        total = int((shared_ends - shared_starts).sum())
        maintenance = np.full(n_groups, total, dtype=np.int64)

        def maintenance_before(group: IntArray, x: IntArray) -> IntArray:
            return cover(x - group * k)

    else:
        extra_groups, extra_starts, extra_ends = extra
        repeat = np.repeat(group_ids * k, shared_starts.size)
        offsets = np.concatenate((repeat, extra_groups * k))
        lows = np.concatenate(
            (np.tile(shared_starts, n_groups), np.clip(extra_starts, p0, p1) - lo)
        )
        highs = np.concatenate((np.tile(shared_ends, n_groups), np.clip(extra_ends, p0, p1) - lo))
        cover = Cumulative(*merge_intervals(lows + offsets, highs + offsets))
        at_start = cover(group_ids * k + a)
        maintenance = cover(group_ids * k + b) - at_start

        def maintenance_before(group: IntArray, x: IntArray) -> IntArray:
            return cover(x) - at_start[group]

    # Layer cake over the weight levels: where outages overlap the highest weight counts, so
    # downtime = sum over levels l of (w_l - w_{l-1}) x (eligible time under outages >= w_l).
    levels = np.ones(1, dtype=np.int64) if levels_of is None else np.unique(levels_of[counts])
    wide = denominator * k >= INT64_SAFE
    downtime: NDArray[Any] = np.zeros(n_groups, dtype=object if wide else np.int64)
    counted = np.zeros(union_starts.size if detail else 0, dtype=object)
    previous = 0
    for level in levels.tolist():
        mask = counts if levels_of is None else counts & (levels_of >= level)
        merged_starts, merged_ends, _ = merge_sorted(x0[mask], x1[mask])
        group = merged_starts // k
        first, last = group * k + a, group * k + b
        c0 = np.minimum(np.maximum(merged_starts, first), last)
        c1 = np.minimum(np.maximum(merged_ends, first), last)
        eligible = (c1 - c0) - (maintenance_before(group, c1) - maintenance_before(group, c0))
        step = level - previous
        sums = _group_sums(group, eligible, n_groups)
        downtime = downtime + (sums.astype(object) if wide else sums) * step
        if detail:
            holder = np.searchsorted(union_starts, merged_starts, side="right") - 1
            np.add.at(counted, holder, eligible.astype(object) * step)
        previous = level

    report: list[CountedOutage] = []
    if detail:
        for index in range(union_starts.size):
            start, end = int(union_starts[index]) + lo, int(union_ends[index]) + lo
            if end > p0 and start < p1:
                seconds = Fraction(int(counted[index]), denominator)
                report.append(CountedOutage(start, end, seconds))
    return Totals(maintenance, downtime, denominator, report)
