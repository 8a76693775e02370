"""Availability: maintenance windows, eligible time, downtime and uptime over a period.

The rules, in the order they are applied (docs/sla-model.md states them to customers):

1. Outages are merged: overlapping or touching outages (from any source) become one.
2. `min_outage_seconds`: a merged outage shorter than this is dropped. Its length is measured
   before anything is cut from it (the period's bounds, maintenance); outages of every weight
   merge into one for this measure.
3. Maintenance is the union of the weekly windows (local wall-clock times converted per date, so
   they follow daylight saving time) and the one-off windows, cut to the period.
   `maintenance_seconds` is that time, whatever the mode.
4. Downtime is the outage time inside the period and outside maintenance: an outage that
   overruns a window counts from the end of the window. Where outages of different weights
   overlap, the highest weight counts (a full outage hides a partial one).
5. Eligible time is the period minus maintenance (mode `exclude`) or the whole period (mode
   `count_as_up`: maintenance counts as up time, outages inside it still count for nothing).
6. Uptime = 1 - downtime / eligible, exact (a `Fraction`); with no eligible time it is 1.
   `met` is `uptime >= target` decided on integers; the percent shown is floored to three
   decimals, so 99.8999... shows as 99.899 and never as 99.900.

Weekly windows use `timeutil.local_to_epoch`: a wall time skipped by a DST change means the first
instant after the gap, a wall time that occurs twice its first occurrence. So on the day clocks
go back, a window 01:00-01:30 in Los Angeles is the first 01:00-01:30 (PDT), and a window
01:00-02:00 covers both passes through 01:00-02:00 (two real hours).

`uptime` computes one module in one region; `uptime_batch` computes many groups (module-regions)
in one vectorised pass (`accord.engine.downtime`); `uptime` is the same computation with a single
group. This module checks the input, applies the maintenance mode and decides `met`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from accord.engine.downtime import CountedOutage, downtime_totals
from accord.engine.errors import EngineError
from accord.engine.intervals import (
    EMPTY,
    INT64_SAFE,
    IntArray,
    epoch_interval,
    int_array,
    whole_seconds,
)
from accord.engine.maintenance import MaintenanceSchedule

BoolArray: TypeAlias = NDArray[np.bool_]
MaintenanceMode: TypeAlias = Literal["exclude", "count_as_up"]
MAINTENANCE_MODES: tuple[MaintenanceMode, ...] = ("exclude", "count_as_up")

_HUNDRED_PERCENT_THOUSANDTHS = 100_000


# ---------------------------------------------------------------------------------------------
# Results


def percent_thousandths(uptime_fraction: Fraction) -> int:
    """The uptime percent in thousandths, floored: 99.8999...% gives 99899."""
    return int(uptime_fraction * _HUNDRED_PERCENT_THOUSANDTHS // 1)


def format_thousandths(thousandths: int) -> str:
    """`99899` as `"99.899"`: exactly three decimals."""
    whole, part = divmod(int(thousandths), 1000)
    return f"{whole}.{part:03d}"


def floor_percent(uptime_fraction: Fraction) -> str:
    """An uptime fraction as a percent floored (never rounded up) to three decimals."""
    return format_thousandths(percent_thousandths(uptime_fraction))


@dataclass(frozen=True)
class UptimeResult:
    """The availability of one module in one region over one period, exact."""

    period_seconds: int
    maintenance_seconds: int
    eligible_seconds: int
    downtime_seconds: Fraction
    uptime_fraction: Fraction
    target: Fraction
    met: bool
    counted_outages: tuple[CountedOutage, ...] = ()

    @property
    def uptime_thousandths(self) -> int:
        """Uptime percent x 1000, floored."""
        return percent_thousandths(self.uptime_fraction)

    @property
    def uptime_percent_display(self) -> str:
        """Uptime percent floored to exactly three decimals: "99.899", "100.000"."""
        return format_thousandths(self.uptime_thousandths)


@dataclass(frozen=True, eq=False)
class BatchResult:
    """The availability of many groups over one period; index i is group i.

    Downtime of group i is `downtime_numerator[i] / downtime_denominator` seconds (the
    denominator is 1 unless partial-outage weights were given). The numerator array is int64,
    or of Python ints (dtype object) in the rare case int64 could overflow.
    """

    period_seconds: int
    maintenance_seconds: IntArray
    eligible_seconds: IntArray
    downtime_numerator: NDArray[Any]
    downtime_denominator: int
    met: BoolArray
    display_thousandths: IntArray
    target: Fraction

    def __len__(self) -> int:
        return int(self.eligible_seconds.size)

    def downtime_seconds(self, index: int) -> Fraction:
        return Fraction(int(self.downtime_numerator[index]), self.downtime_denominator)

    def uptime_fraction(self, index: int) -> Fraction:
        eligible = int(self.eligible_seconds[index])
        if eligible == 0:
            return Fraction(1)
        # 1 - downtime / eligible, as one fraction (normalised once).
        whole = eligible * self.downtime_denominator
        return Fraction(whole - int(self.downtime_numerator[index]), whole)

    def uptime_percent_display(self, index: int) -> str:
        return format_thousandths(int(self.display_thousandths[index]))


# ---------------------------------------------------------------------------------------------
# Validation shared by both entry points


def _check_target(target: object) -> Fraction:
    if isinstance(target, float):
        raise EngineError(
            "target", "must be exact, e.g. Fraction('99.9') / 100, not a float like 0.999"
        )
    if isinstance(target, bool) or not isinstance(target, Fraction | int):
        raise EngineError("target", f"must be a Fraction between 0 and 1, not {target!r}")
    value = Fraction(target)
    if not 0 <= value <= 1:
        raise EngineError("target", f"must be between 0 and 1 (a fraction, not a percent): {value}")
    return value


def _check_options(min_outage_seconds: object, maintenance_mode: object) -> int:
    if maintenance_mode not in MAINTENANCE_MODES:
        raise EngineError("maintenance_mode", 'must be "exclude" or "count_as_up"')
    if (
        isinstance(min_outage_seconds, bool)
        or not isinstance(min_outage_seconds, int)
        or min_outage_seconds < 0
    ):
        raise EngineError("min_outage_seconds", "must be a whole number of seconds, 0 or more")
    return min_outage_seconds


def _check_weight(weight: object, field: str) -> Fraction:
    if isinstance(weight, float):
        raise EngineError(field, "must be exact, e.g. Fraction(1, 2), not a float")
    if isinstance(weight, bool) or not isinstance(weight, Fraction | int):
        raise EngineError(field, f"must be a Fraction in (0, 1], not {weight!r}")
    value = Fraction(weight)
    if not 0 < value <= 1:
        raise EngineError(field, f"must be more than 0 and at most 1, not {value}")
    return value


@dataclass(frozen=True)
class Outage:
    """An outage [start, end) in epoch seconds. `weight` 1 is a full outage; a partial outage
    counts a fraction of its time (e.g. Fraction(1, 2))."""

    start: int
    end: int
    weight: Fraction = Fraction(1)

    def __post_init__(self) -> None:
        start = whole_seconds(self.start, "start")
        end = whole_seconds(self.end, "end")
        if end < start:
            raise EngineError("end", "is before start")
        _check_weight(self.weight, "weight")


# ---------------------------------------------------------------------------------------------
# From the totals (accord.engine.downtime) to the verdicts


def _verdicts(
    eligible: IntArray, downtime: NDArray[Any], denominator: int, target: Fraction
) -> tuple[BoolArray, IntArray]:
    """`met` and the floored display (percent x 1000), exactly, on integers."""
    largest = int(eligible.max(initial=0)) * denominator
    scale = max(target.denominator, _HUNDRED_PERCENT_THOUSANDTHS) * 2
    if largest * scale >= INT64_SAFE or downtime.dtype == object:
        eligible_any: NDArray[Any] = eligible.astype(object)
        downtime = downtime.astype(object)
    else:
        eligible_any = eligible
    whole = eligible_any * denominator
    up = whole - downtime
    met = np.asarray(up * target.denominator >= whole * target.numerator, dtype=np.bool_)
    safe = np.where(whole > 0, whole, 1)
    thousandths = np.where(whole > 0, up * _HUNDRED_PERCENT_THOUSANDTHS // safe, 100_000)
    return met, np.asarray(thousandths, dtype=np.int64)


def _eligible(period: tuple[int, int], maintenance: IntArray, mode: MaintenanceMode) -> IntArray:
    length = period[1] - period[0]
    if mode == "exclude":
        return (length - maintenance).astype(np.int64)
    return np.full(maintenance.shape, length, dtype=np.int64)


def _shared_maintenance(
    maintenance: MaintenanceSchedule | None, period: tuple[int, int]
) -> tuple[IntArray, IntArray]:
    if maintenance is None:
        return EMPTY, EMPTY
    if not isinstance(maintenance, MaintenanceSchedule):
        raise EngineError("maintenance", "must be a MaintenanceSchedule or None")
    return maintenance.intervals(*period)


# ---------------------------------------------------------------------------------------------
# Public entry points


def _outage_arrays(
    outages: Sequence[Outage] | tuple[ArrayLike, ArrayLike],
) -> tuple[IntArray, IntArray, IntArray | None, int]:
    """Starts, ends, weight numerators (None when every weight is 1) and their denominator."""
    if isinstance(outages, tuple) and len(outages) == 2 and not isinstance(outages[0], Outage):
        starts = int_array(outages[0], "outages[0]")
        ends = int_array(outages[1], "outages[1]")
        if starts.shape != ends.shape:
            raise EngineError("outages[1]", "must have as many ends as there are starts")
        _check_inverted(starts, ends, "outages")
        return starts, ends, None, 1
    items = list(outages)
    for index, item in enumerate(items):
        if not isinstance(item, Outage):
            raise EngineError(f"outages[{index}]", "must be an Outage")
    starts = np.asarray([item.start for item in items], dtype=np.int64)
    ends = np.asarray([item.end for item in items], dtype=np.int64)
    weights = [Fraction(item.weight) for item in items]
    if all(weight == 1 for weight in weights):
        return starts, ends, None, 1
    denominator = lcm(*(weight.denominator for weight in weights))
    numerators = [int(weight * denominator) for weight in weights]
    if denominator >= INT64_SAFE:
        raise EngineError("outages", "weights need a common denominator below 2**62")
    return starts, ends, np.asarray(numerators, dtype=np.int64), denominator


def _check_inverted(starts: IntArray, ends: IntArray, field: str) -> None:
    inverted = np.flatnonzero(ends < starts)
    if inverted.size:
        index = int(inverted[0])
        raise EngineError(f"{field}[{index}]", "ends before it starts")


@dataclass(frozen=True)
class ErrorBudget:
    """The downtime a month may have and still meet the target, and what is used of it."""

    allowed_seconds: Fraction
    used_seconds: Fraction

    @property
    def remaining_seconds(self) -> Fraction:
        """Negative once the budget is overrun."""
        return self.allowed_seconds - self.used_seconds


def error_budget(
    target: Fraction, eligible_seconds: int, downtime_seconds: Fraction
) -> ErrorBudget:
    """(1 - target) x the month's eligible seconds, and the downtime counted so far; exact.
    The month is met exactly while what remains is 0 or more (`1 - d / e >= t` is
    `d <= (1 - t) e`)."""
    return ErrorBudget(
        allowed_seconds=(1 - Fraction(target)) * eligible_seconds,
        used_seconds=Fraction(downtime_seconds),
    )


def announced_in_time(start: int, announced_at: int, notice_hours: int) -> bool:
    """Whether an ad-hoc maintenance window was announced at least the contract's notice
    ahead of its start, and so is excluded from uptime like the recurring window."""
    return start - announced_at >= notice_hours * 3600


def uptime(
    *,
    period: tuple[int, int],
    outages: Sequence[Outage] | tuple[ArrayLike, ArrayLike],
    maintenance: MaintenanceSchedule | None,
    target: Fraction,
    min_outage_seconds: int = 0,
    maintenance_mode: MaintenanceMode = "exclude",
) -> UptimeResult:
    """Uptime of one module in one region over `period` [start, end), by the rules in the
    module docstring. `outages` is a sequence of `Outage` or a pair of arrays (starts, ends)
    of full outages."""
    start, end = epoch_interval(period, "period")
    target_value = _check_target(target)
    min_outage = _check_options(min_outage_seconds, maintenance_mode)
    starts, ends, weights, denominator = _outage_arrays(outages)
    shared = _shared_maintenance(maintenance, (start, end))
    # One group and no cut: merged outages keep their true extent for the report.
    lo = min(start, int(starts.min(initial=start)))
    hi = max(end, int(ends.max(initial=end)))
    totals = downtime_totals(
        n_groups=1,
        period=(start, end),
        groups=np.zeros(starts.size, dtype=np.int64),
        starts=starts,
        ends=ends,
        weights=weights,
        denominator=denominator,
        shared=shared,
        extra=None,
        min_outage=min_outage,
        span=(lo, hi),
        detail=True,
    )
    eligible = _eligible((start, end), totals.maintenance, maintenance_mode)
    met, _ = _verdicts(eligible, totals.downtime, denominator, target_value)
    eligible_seconds = int(eligible[0])
    downtime = Fraction(int(totals.downtime[0]), denominator)
    fraction = Fraction(1) if eligible_seconds == 0 else 1 - downtime / eligible_seconds
    return UptimeResult(
        period_seconds=end - start,
        maintenance_seconds=int(totals.maintenance[0]),
        eligible_seconds=eligible_seconds,
        downtime_seconds=downtime,
        uptime_fraction=fraction,
        target=target_value,
        met=bool(met[0]),
        counted_outages=tuple(totals.counted),
    )


def uptime_batch(
    *,
    n_groups: int,
    period: tuple[int, int],
    group: ArrayLike,
    starts: ArrayLike,
    ends: ArrayLike,
    target: Fraction,
    weights: ArrayLike | None = None,
    weight_denominator: int = 1,
    maintenance: MaintenanceSchedule | None = None,
    group_maintenance: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    min_outage_seconds: int = 0,
    maintenance_mode: MaintenanceMode = "exclude",
) -> BatchResult:
    """Uptime of `n_groups` groups (module-regions) over one period in one vectorised call.

    Outage i belongs to group `group[i]` (0 <= group < n_groups) and spans
    [starts[i], ends[i]). `weights` (optional) are integer numerators over
    `weight_denominator`: weight = weights[i] / weight_denominator, in (0, 1]; e.g. weights
    2 and 1 over denominator 2 for full and half outages. `maintenance` applies to every
    group; `group_maintenance` = (group, starts, ends) adds one-off windows to single groups.
    Same rules as `uptime`; result index i is group i.
    """
    start, end = epoch_interval(period, "period")
    target_value = _check_target(target)
    min_outage = _check_options(min_outage_seconds, maintenance_mode)
    if isinstance(n_groups, bool) or not isinstance(n_groups, int) or n_groups < 0:
        raise EngineError("n_groups", "must be a whole number, 0 or more")
    group_array = int_array(group, "group")
    start_array = int_array(starts, "starts")
    end_array = int_array(ends, "ends")
    if not group_array.shape == start_array.shape == end_array.shape:
        raise EngineError("ends", "group, starts and ends must have the same length")
    _check_groups(group_array, n_groups, "group")
    _check_inverted(start_array, end_array, "ends")
    weight_array: IntArray | None = None
    if weights is not None:
        if (
            isinstance(weight_denominator, bool)
            or not isinstance(weight_denominator, int)
            or not 0 < weight_denominator < 2**31
        ):
            raise EngineError("weight_denominator", "must be a whole number from 1 to 2**31 - 1")
        weight_array = int_array(weights, "weights")
        if weight_array.shape != start_array.shape:
            raise EngineError("weights", "must have one weight per outage")
        bad = np.flatnonzero((weight_array <= 0) | (weight_array > weight_denominator))
        if bad.size:
            raise EngineError(
                f"weights[{int(bad[0])}]", "must be more than 0 and at most weight_denominator"
            )
        if bool((weight_array == weight_denominator).all()):
            weight_array = None
    denominator = 1 if weight_array is None else weight_denominator
    extra: tuple[IntArray, IntArray, IntArray] | None = None
    if group_maintenance is not None:
        if not isinstance(group_maintenance, tuple) or len(group_maintenance) != 3:
            raise EngineError("group_maintenance", "must be a triple (group, starts, ends)")
        extra_groups = int_array(group_maintenance[0], "group_maintenance[0]")
        extra_starts = int_array(group_maintenance[1], "group_maintenance[1]")
        extra_ends = int_array(group_maintenance[2], "group_maintenance[2]")
        if not extra_groups.shape == extra_starts.shape == extra_ends.shape:
            raise EngineError("group_maintenance", "group, starts and ends must match in length")
        _check_groups(extra_groups, n_groups, "group_maintenance[0]")
        _check_inverted(extra_starts, extra_ends, "group_maintenance[2]")
        extra = (extra_groups, extra_starts, extra_ends)
    shared = _shared_maintenance(maintenance, (start, end))
    # Cutting outages to [P0 - L - 1, P1 + L + 1] keeps the K offset small and never changes
    # a decision: a merged outage reaching into the period that the cut shortens stays longer
    # than L = min_outage_seconds.
    margin = min_outage + 1
    totals = downtime_totals(
        n_groups=n_groups,
        period=(start, end),
        groups=group_array,
        starts=start_array,
        ends=end_array,
        weights=weight_array,
        denominator=denominator,
        shared=shared,
        extra=extra,
        min_outage=min_outage,
        span=(start - margin, end + margin),
        detail=False,
    )
    eligible = _eligible((start, end), totals.maintenance, maintenance_mode)
    met, thousandths = _verdicts(eligible, totals.downtime, denominator, target_value)
    return BatchResult(
        period_seconds=end - start,
        maintenance_seconds=totals.maintenance,
        eligible_seconds=eligible,
        downtime_numerator=totals.downtime,
        downtime_denominator=denominator,
        met=met,
        display_thousandths=thousandths,
        target=target_value,
    )


def _check_groups(groups: IntArray, n_groups: int, field: str) -> None:
    bad = np.flatnonzero((groups < 0) | (groups >= n_groups))
    if bad.size:
        index = int(bad[0])
        raise EngineError(
            f"{field}[{index}]", f"must be a group from 0 to n_groups - 1 ({n_groups - 1})"
        )
