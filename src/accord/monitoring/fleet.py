"""Uptime of many customers' module-regions in one pass (the fleet dashboard,
accord.dashboard.fleet).

`services.uptime_grid` answers for one customer (or the public): three queries and an engine
call per region each time. Here every group of customers sharing a region, uptime terms and
periods is one request; all requests read their outages in one query and their ad-hoc
maintenance in two, and each request is one `_region_grid` pass (the engine's `uptime_batch`
per period length) over its module-regions once for the public figure, plus once per
customer and module-region that has outages of its own. The figures are exactly those of
`uptime_grid(..., organisation=customer)` for each customer: the same outages (the public ones
and the customer's), the same maintenance, the same engine call shape per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, cast

from django.db.models import Q

from accord.engine.availability import announced_in_time
from accord.engine.timeutil import from_epoch, to_epoch
from accord.monitoring.models import ModuleRegion, Outage
from accord.monitoring.services import (
    EpochSeconds,
    PeriodUptime,
    Terms,
    _region_grid,
    adhoc_windows,
)


@dataclass
class GridRequest:
    """Module-regions of one region, measured with `terms` over `periods` (epoch seconds), for
    the public and for each of `customers` (organisation ids)."""

    module_regions: Sequence[ModuleRegion]
    terms: Terms
    periods: Sequence[tuple[int, int]]
    customers: Sequence[int]
    public: dict[int, list[PeriodUptime]] = field(default_factory=dict)  # by module-region id
    # (organisation id, module-region id): only where the customer has outages of its own
    own: dict[tuple[int, int], list[PeriodUptime]] = field(default_factory=dict)

    def of(self, organisation_id: int, module_region_id: int) -> list[PeriodUptime]:
        """The customer's figures of a module-region (the public ones unless it has its own)."""
        found = self.own.get((organisation_id, module_region_id))
        return self.public[module_region_id] if found is None else found


class _Member(NamedTuple):
    """A (customer, module-region) pair standing in for a module-region in `_region_grid`."""

    pk: int
    region_id: int


def fill(requests: Sequence[GridRequest], *, now: datetime) -> None:
    """Every request's `public` and `own` figures (three queries for all of them)."""
    requests = [r for r in requests if r.module_regions]
    if not requests:
        return
    margin = max(r.terms.min_outage_seconds for r in requests) + 1
    low = min(start for r in requests for start, _ in r.periods) - margin
    high = max(end for r in requests for _, end in r.periods) + margin
    now_epoch = to_epoch(now)
    ids = sorted({mr.pk for r in requests for mr in r.module_regions})
    public: dict[int, list[tuple[str, int, int]]] = {pk: [] for pk in ids}
    own: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
    rows = (
        Outage.objects.filter(module_region_id__in=ids, start__lt=from_epoch(high))
        .filter(Q(end__isnull=True) | Q(end__gt=from_epoch(low)))
        .values_list(
            "module_region_id",
            "organisation_id",
            "impact",
            EpochSeconds("start"),
            EpochSeconds("end"),
        )
    )
    for module_region_id, organisation_id, impact, first, last in rows:
        last = max(now_epoch, first) if last is None else last
        if organisation_id is None:
            public[module_region_id].append((impact, first, last))
        else:
            own.setdefault((organisation_id, module_region_id), []).append((impact, first, last))
    region_ids = {mr.region_id for r in requests for mr in r.module_regions}
    adhoc, only_for = adhoc_windows(region_ids, from_epoch(low), from_epoch(high))
    for request in requests:
        _fill_one(request, public, own, adhoc, only_for)


def _fill_one(
    request: GridRequest,
    public: dict[int, list[tuple[str, int, int]]],
    own: dict[tuple[int, int], list[tuple[str, int, int]]],
    adhoc: list[tuple[int, int, datetime, datetime, datetime]],
    only_for: dict[int, set[int]],
) -> None:
    region_id = request.module_regions[0].region_id
    notice = request.terms.adhoc_notice_hours
    windows = [
        (pk, to_epoch(start), to_epoch(end))
        for pk, window_region, start, end, announced in adhoc
        if window_region == region_id
        and announced_in_time(to_epoch(start), to_epoch(announced), notice)
    ]
    # Members: each module-region once for the public, then each (customer, module-region)
    # where the customer has outages of its own (elsewhere its figure is the public one).
    pairs: list[tuple[int | None, ModuleRegion]] = [(None, mr) for mr in request.module_regions]
    for customer in request.customers:
        pairs.extend((customer, mr) for mr in request.module_regions if (customer, mr.pk) in own)
    members = [_Member(n, region_id) for n in range(len(pairs))]
    outages = {
        n: public[mr.pk] + ([] if who is None else own.get((who, mr.pk), []))
        for n, (who, mr) in enumerate(pairs)
    }
    limited = {
        window: {n for n, (_, mr) in enumerate(pairs) if mr.pk in members_of}
        for window, members_of in only_for.items()
    }
    grid = _region_grid(
        cast(Sequence[ModuleRegion], members),
        request.terms,
        request.periods,
        outages,
        windows,
        limited,
    )
    for n, (who, mr) in enumerate(pairs):
        if who is None:
            request.public[mr.pk] = grid[n]
        else:
            request.own[(who, mr.pk)] = grid[n]
