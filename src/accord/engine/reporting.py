"""Figures a monthly SLA report needs beyond uptime and credits: each outage's own counted part,
and percentiles of support time used.

Percentiles use the nearest-rank method (the smallest value with at least p% of the values at
or below it): every figure printed is one a ticket actually had, integers stay integers, and a
reader can check it by sorting a column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from accord.engine.availability import MaintenanceMode, MaintenanceSchedule, Outage, uptime_batch
from accord.engine.errors import EngineError


def nearest_rank(values: Sequence[int], percent: int) -> int | None:
    """The nearest-rank percentile of `values` (None for no values): with n values sorted,
    the ceil(percent / 100 x n)-th one (the first for percent 0)."""
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise EngineError("percent", "must be a whole percent from 0 to 100")
    if len(values) == 0:
        return None
    ordered = np.sort(np.asarray(values, dtype=np.int64))
    rank = max(1, math.ceil(Fraction(percent, 100) * len(ordered)))
    return int(ordered[rank - 1])


def outage_shares(
    *,
    period: tuple[int, int],
    outages: Sequence[Outage],
    maintenance: MaintenanceSchedule | None,
    min_outage_seconds: int = 0,
    maintenance_mode: MaintenanceMode = "exclude",
) -> list[Fraction]:
    """The downtime seconds each outage would count on its own in `period`: its part outside
    maintenance and the period's edges, weighted, 0 when shorter than the minimum. Overlapping
    outages each show their own part; the module's downtime is their union (`uptime`), so
    these can add up to more than it. One vectorised call: each outage is a group."""
    if not outages:
        return []
    weights = [Fraction(o.weight) for o in outages]
    denominator = math.lcm(*(w.denominator for w in weights))
    result = uptime_batch(
        n_groups=len(outages),
        period=period,
        group=np.arange(len(outages), dtype=np.int64),
        starts=[o.start for o in outages],
        ends=[o.end for o in outages],
        weights=[int(w * denominator) for w in weights],
        weight_denominator=denominator,
        target=Fraction(0),
        maintenance=maintenance,
        min_outage_seconds=min_outage_seconds,
        maintenance_mode=maintenance_mode,
    )
    return [
        Fraction(int(numerator), result.downtime_denominator)
        for numerator in result.downtime_numerator.tolist()
    ]
