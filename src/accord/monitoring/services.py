"""Uptime of module-regions from stored outages and maintenance, decided by the engine.

This is the one place that turns rows into the engine's inputs: outages weighted by the
contract's impact weights (an impact the contract does not list does not count), the
contract's recurring maintenance plus ad-hoc windows announced early enough, and the period in
the contract's reporting time zone. The status page, the customer's error budget and the
monthly report all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np
from django.db.models import BigIntegerField, Func, Q

from accord.accounts.models import Organisation
from accord.engine.availability import Outage as EngineOutage
from accord.engine.availability import (
    UptimeResult,
    announced_in_time,
    format_thousandths,
    uptime,
    uptime_batch,
)
from accord.engine.intervals import IntArray
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.policy import ContractTerms
from accord.engine.timeutil import from_epoch, local_to_epoch, month_bounds, to_epoch, zone
from accord.monitoring.models import MaintenanceWindow, ModuleRegion, Outage


@dataclass(frozen=True)
class Terms:
    """The parts of a contract that uptime needs (a contract's, or the status page's)."""

    target: Fraction
    maintenance: MaintenanceSchedule
    maintenance_mode: str
    adhoc_notice_hours: int
    min_outage_seconds: int
    impact_weights: Mapping[str, Fraction]
    timezone: str

    @classmethod
    def of(cls, terms: ContractTerms) -> Terms:
        return cls(
            target=terms.target,
            maintenance=terms.maintenance,
            maintenance_mode=terms.maintenance_mode,
            adhoc_notice_hours=terms.adhoc_notice_hours,
            min_outage_seconds=terms.min_outage_seconds,
            impact_weights=terms.impact_weights,
            timezone=terms.reporting_timezone,
        )


def counted_outage_rows(
    module_region: ModuleRegion,
    start: datetime,
    end: datetime,
    weights: Mapping[str, Fraction],
    *,
    organisation: Organisation | None = None,
) -> list[Outage]:
    """The outage rows overlapping [start, end) whose impact the contract counts: those of the
    whole module-region and those that hit only `organisation`, oldest first."""
    return counted_outage_rows_many(
        [module_region], start, end, weights, organisation=organisation
    )[module_region.pk]


def counted_outage_rows_many(
    module_regions: Sequence[ModuleRegion],
    start: datetime,
    end: datetime,
    weights: Mapping[str, Fraction],
    *,
    organisation: Organisation | None = None,
) -> dict[int, list[Outage]]:
    """`counted_outage_rows` of several module-regions in one query, by module-region id."""
    answer: dict[int, list[Outage]] = {mr.pk: [] for mr in module_regions}
    rows = Outage.objects.filter(
        module_region_id__in=list(answer), start__lt=end, impact__in=list(weights)
    ).filter(Q(end__isnull=True) | Q(end__gt=start))
    rows = rows.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
    for row in rows.order_by("start", "pk"):
        answer[row.module_region_id].append(row)
    return answer


def as_engine_outage(
    row: Outage, weights: Mapping[str, Fraction], *, now: datetime
) -> EngineOutage:
    """An outage row as the engine sees it: weighted by impact; one still going on lasts
    until `now`."""
    return EngineOutage(
        start=to_epoch(row.start),
        end=to_epoch(row.end or max(now, row.start)),
        weight=weights[row.impact],
    )


def engine_outages(
    module_region: ModuleRegion,
    start: datetime,
    end: datetime,
    weights: Mapping[str, Fraction],
    *,
    organisation: Organisation | None = None,
    now: datetime,
) -> list[EngineOutage]:
    """The outages overlapping [start, end) that the contract counts, weighted by impact; an
    outage still going on lasts until `now`. Outages that hit only one customer count for
    that customer alone."""
    rows = counted_outage_rows(module_region, start, end, weights, organisation=organisation)
    return [as_engine_outage(row, weights, now=now) for row in rows]


def covered_module_regions(organisation: Organisation, terms: ContractTerms) -> list[ModuleRegion]:
    """The module-regions a contract covers in the customer's region, in the policy's order."""
    order = {name: n for n, name in enumerate(terms.modules)}
    rows = ModuleRegion.objects.filter(
        region_id=organisation.region_id, module__name__in=list(order)
    ).select_related("module", "region")
    return sorted(rows, key=lambda mr: order[mr.module.name])


def maintenance_schedule(
    module_region: ModuleRegion, terms: Terms, start: datetime, end: datetime
) -> MaintenanceSchedule:
    """The contract's recurring windows plus the ad-hoc windows for this module-region that
    were announced at least the contract's notice ahead and not cancelled."""
    return maintenance_schedules([module_region], terms, start, end)[module_region.pk]


def adhoc_windows(
    region_ids: set[int], start: datetime, end: datetime
) -> tuple[list[tuple[int, int, datetime, datetime, datetime]], dict[int, set[int]]]:
    """The ad-hoc maintenance windows of these regions overlapping [start, end), not cancelled,
    as (pk, region id, start, end, announced at), and for each window limited to some
    module-regions, their ids (a window absent from the map covers its whole region). Two
    queries."""
    adhoc = list(
        MaintenanceWindow.objects.filter(
            region_id__in=region_ids, start__lt=end, end__gt=start, cancelled_at=None
        ).values_list("pk", "region_id", "start", "end", "announced_at")
    )
    only_for: dict[int, set[int]] = {}
    if adhoc:
        through = MaintenanceWindow.module_regions.through
        for window_id, module_region_id in through.objects.filter(
            maintenancewindow_id__in=[row[0] for row in adhoc]
        ).values_list("maintenancewindow_id", "moduleregion_id"):
            only_for.setdefault(window_id, set()).add(module_region_id)
    return adhoc, only_for


def maintenance_schedules(
    module_regions: Sequence[ModuleRegion], terms: Terms, start: datetime, end: datetime
) -> dict[int, MaintenanceSchedule]:
    """`maintenance_schedule` of several module-regions in two queries, by module-region id."""
    adhoc, only_for = adhoc_windows({mr.region_id for mr in module_regions}, start, end)
    announced = [
        (pk, region_id, to_epoch(first), to_epoch(last))
        for pk, region_id, first, last, at in adhoc
        if announced_in_time(to_epoch(first), to_epoch(at), terms.adhoc_notice_hours)
    ]
    return {
        mr.pk: MaintenanceSchedule(
            timezone=terms.maintenance.timezone,
            weekly=terms.maintenance.weekly,
            windows=(
                *terms.maintenance.windows,
                *(
                    (first, last)
                    for pk, region_id, first, last in announced
                    if region_id == mr.region_id and (pk not in only_for or mr.pk in only_for[pk])
                ),
            ),
        )
        for mr in module_regions
    }


def period_uptime(
    module_region: ModuleRegion,
    terms: Terms,
    start: datetime,
    end: datetime,
    *,
    organisation: Organisation | None = None,
    now: datetime,
) -> UptimeResult:
    """Uptime of [start, end) as the engine decides it."""
    return uptime_of_rows(
        counted_outage_rows(
            module_region, start, end, terms.impact_weights, organisation=organisation
        ),
        maintenance_schedule(module_region, terms, start, end),
        terms,
        start,
        end,
        now=now,
    )


def uptime_of_rows(
    rows: Sequence[Outage],
    maintenance: MaintenanceSchedule,
    terms: Terms,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
) -> UptimeResult:
    """`period_uptime` from rows already read (`counted_outage_rows_many`,
    `maintenance_schedules`)."""
    return uptime(
        period=(to_epoch(start), to_epoch(end)),
        outages=[as_engine_outage(row, terms.impact_weights, now=now) for row in rows],
        maintenance=maintenance,
        target=terms.target,
        min_outage_seconds=terms.min_outage_seconds,
        maintenance_mode=terms.maintenance_mode,  # type: ignore[arg-type]
    )


def month_uptime(
    module_region: ModuleRegion,
    terms: Terms,
    month: str,
    *,
    organisation: Organisation | None = None,
    now: datetime,
) -> UptimeResult:
    """A calendar month in the terms' time zone (March in Pacific time has 44,580 minutes)."""
    first, following = month_bounds(month, zone(terms.timezone))
    start, end = _datetime(first), _datetime(following)
    return period_uptime(module_region, terms, start, end, organisation=organisation, now=now)


def daily_uptime(
    module_region: ModuleRegion, terms: Terms, days: Sequence[date], *, now: datetime
) -> list[UptimeResult]:
    """Uptime of each local date (in the terms' time zone), for the status page's bars."""
    tz = zone(terms.timezone)
    return [
        period_uptime(
            module_region,
            terms,
            _datetime(local_to_epoch(day, 0, tz)),
            min(_datetime(local_to_epoch(day + timedelta(days=1), 0, tz)), now),
            now=now,
        )
        for day in days
    ]


_datetime = from_epoch


# ---------------------------------------------------------------------------------------------
# Many module-regions over many periods: one query, a few engine calls (the status page).


class EpochSeconds(Func):
    """A datetime column as whole seconds since the epoch, fractions dropped (as `to_epoch`),
    computed by the database: reading thousands of outage rows is then reading integers, not
    parsing datetimes. SQLite and PostgreSQL, the two databases Accord runs on."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
        )


@dataclass(frozen=True)
class PeriodUptime:
    """One module-region over one period [start, end) (epoch seconds), as the engine decided
    it (`uptime_batch`).

    The same figures as an `UptimeResult` without the list of outages; downtime is kept as a
    numerator over a denominator (partial outages weigh fractions) and turned into exact
    fractions only when asked for."""

    start: int
    end: int
    eligible_seconds: int
    maintenance_seconds: int
    downtime_numerator: int
    downtime_denominator: int
    met: bool
    uptime_thousandths: int

    @property
    def downtime_seconds(self) -> Fraction:
        return Fraction(self.downtime_numerator, self.downtime_denominator)

    @property
    def uptime_fraction(self) -> Fraction:
        if self.eligible_seconds == 0:
            return Fraction(1)
        return 1 - self.downtime_seconds / self.eligible_seconds

    @property
    def uptime_percent_display(self) -> str:
        """Floored to exactly three decimals, as the engine shows it: "99.899", "100.000"."""
        return format_thousandths(self.uptime_thousandths)


@dataclass(frozen=True)
class DailyUptime:
    """A module-region's bars: one figure per local day, and one over all the days."""

    days: list[PeriodUptime]
    total: PeriodUptime


def uptime_grid(
    module_regions: Sequence[ModuleRegion],
    terms: Mapping[int, Terms],
    periods: Mapping[int, Sequence[tuple[datetime, datetime]]],
    *,
    now: datetime,
    organisation: Organisation | None = None,
) -> dict[int, list[PeriodUptime]]:
    """Uptime of every module-region over every period of its region, decided by the engine
    with exactly the rules of `period_uptime` (a test holds the two equal).

    `terms` and `periods` are keyed by region id; the answer by module-region id, one figure
    per period of its region, in the order given. The outages of all module-regions come in
    one query and the ad-hoc maintenance in two, whatever the number of periods. Each
    (module-region, period) pair is a group of one `uptime_batch` call per region and
    period length: the group's outages and maintenance are moved by the period's start, so
    every group of the call shares the period [0, length). Periods of different lengths (a
    day with a DST change, today so far, the whole span) go in calls of their own.
    """
    if not module_regions:
        return {}
    low, high = grid_span(terms, periods)
    ids = [mr.pk for mr in module_regions]
    now_epoch = to_epoch(now)

    outages: dict[int, list[tuple[str, int, int]]] = {pk: [] for pk in ids}
    rows = (
        Outage.objects.filter(module_region_id__in=ids, start__lt=_datetime(high))
        .filter(Q(end__isnull=True) | Q(end__gt=_datetime(low)))
        .filter(Q(organisation__isnull=True) | Q(organisation=organisation))
        .values_list("module_region_id", "impact", EpochSeconds("start"), EpochSeconds("end"))
    )
    for module_region_id, impact, first, last in rows:
        last = max(now_epoch, first) if last is None else last
        outages[module_region_id].append((impact, first, last))

    region_ids = {mr.region_id for mr in module_regions}
    adhoc, only_for = adhoc_windows(region_ids, _datetime(low), _datetime(high))
    return grid_of_rows(module_regions, terms, periods, outages, adhoc, only_for)


def grid_span(
    terms: Mapping[int, Terms], periods: Mapping[int, Sequence[tuple[datetime, datetime]]]
) -> tuple[int, int]:
    """The span `uptime_grid` reads outages and maintenance over (epoch seconds): the periods',
    widened by the longest minimum outage."""
    spans = [pair for region_periods in periods.values() for pair in region_periods]
    margin = max(t.min_outage_seconds for t in terms.values()) + 1
    low = min(to_epoch(start) for start, _ in spans) - margin
    high = max(to_epoch(end) for _, end in spans) + margin
    return low, high


def grid_of_rows(
    module_regions: Sequence[ModuleRegion],
    terms: Mapping[int, Terms],
    periods: Mapping[int, Sequence[tuple[datetime, datetime]]],
    outages: Mapping[int, Sequence[tuple[str, int, int]]],
    adhoc: Sequence[tuple[int, int, datetime, datetime, datetime]],
    only_for: Mapping[int, set[int]],
) -> dict[int, list[PeriodUptime]]:
    """`uptime_grid` from rows already read: the outages (impact, start, end) of each
    module-region over `grid_span` and `adhoc_windows`'s answer over it."""
    region_ids = {mr.region_id for mr in module_regions}
    answer: dict[int, list[PeriodUptime]] = {}
    for region_id in sorted(region_ids):
        members = [mr for mr in module_regions if mr.region_id == region_id]
        region_terms = terms[region_id]
        notice = region_terms.adhoc_notice_hours
        windows = [
            (pk, to_epoch(start), to_epoch(end))
            for pk, window_region, start, end, announced in adhoc
            if window_region == region_id
            and announced_in_time(to_epoch(start), to_epoch(announced), notice)
        ]
        answer.update(
            _region_grid(
                members,
                region_terms,
                [(to_epoch(a), to_epoch(b)) for a, b in periods[region_id]],
                outages,
                windows,
                only_for,
            )
        )
    return answer


def daily_uptime_batch(
    module_regions: Sequence[ModuleRegion],
    terms: Mapping[int, Terms],
    days: Sequence[date] | Mapping[int, Sequence[date]],
    *,
    now: datetime,
    organisation: Organisation | None = None,
) -> dict[int, DailyUptime]:
    """`daily_uptime` for many module-regions at once, plus the figure over all the days
    (from the first day's start to the last day's end or `now`, whichever is earlier).

    Days are consecutive local dates in each region's terms' time zone, the same for every
    region or (a mapping) per region id; today counts up to `now`, a day after `now` is empty
    (100%). `terms` is keyed by region id. One outage query for all."""
    periods = daily_periods(module_regions, terms, days, now=now)
    grid = uptime_grid(module_regions, terms, periods, now=now, organisation=organisation)
    return {pk: DailyUptime(days=row[:-1], total=row[-1]) for pk, row in grid.items()}


def daily_periods(
    module_regions: Sequence[ModuleRegion],
    terms: Mapping[int, Terms],
    days: Sequence[date] | Mapping[int, Sequence[date]],
    *,
    now: datetime,
) -> dict[int, list[tuple[datetime, datetime]]]:
    """The periods of `daily_uptime_batch` by region id: each day, then all of them."""
    periods: dict[int, list[tuple[datetime, datetime]]] = {}
    for region_id in {mr.region_id for mr in module_regions}:
        tz = zone(terms[region_id].timezone)
        region_days = days[region_id] if isinstance(days, Mapping) else days
        bounds = [local_to_epoch(day, 0, tz) for day in region_days]
        bounds.append(local_to_epoch(region_days[-1] + timedelta(days=1), 0, tz))
        now_epoch = to_epoch(now)
        region_periods = [
            (_datetime(start), _datetime(max(start, min(end, now_epoch))))
            for start, end in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        region_periods.append(
            (_datetime(bounds[0]), _datetime(max(bounds[0], min(bounds[-1], now_epoch))))
        )
        periods[region_id] = region_periods
    return periods


def _overlapping(
    period_starts: IntArray, length: int, margin: int, starts: IntArray, ends: IntArray
) -> tuple[IntArray, IntArray]:
    """For intervals [starts, ends) and periods [p, p + length) (sorted by p): every pair
    (interval, period) that overlap, each side widened by `margin`, as two index arrays."""
    first = np.searchsorted(period_starts, starts - length - margin, side="right")
    last = np.searchsorted(period_starts, ends + margin, side="left")
    counts = np.maximum(last - first, 0)
    interval = np.repeat(np.arange(starts.size, dtype=np.int64), counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    return interval, np.repeat(first, counts) + offsets


def _region_grid(
    members: Sequence[ModuleRegion],
    terms: Terms,
    periods: Sequence[tuple[int, int]],
    outages: Mapping[int, Sequence[tuple[str, int, int]]],
    windows: Sequence[tuple[int, int, int]],
    only_for: Mapping[int, set[int]],
) -> dict[int, list[PeriodUptime]]:
    weights = terms.impact_weights
    denominator = lcm(*(Fraction(w).denominator for w in weights.values())) if weights else 1
    numerators = {impact: int(Fraction(w) * denominator) for impact, w in weights.items()}

    # Every counted outage of the region's module-regions, as flat arrays.
    owner: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    levels: list[int] = []
    for index, mr in enumerate(members):
        for impact, start, end in outages[mr.pk]:
            if impact in numerators:
                owner.append(index)
                starts.append(start)
                ends.append(end)
                levels.append(numerators[impact])
    outage_owner = np.asarray(owner, dtype=np.int64)
    outage_starts = np.asarray(starts, dtype=np.int64)
    outage_ends = np.asarray(ends, dtype=np.int64)
    outage_levels = np.asarray(levels, dtype=np.int64)

    # Maintenance: the recurring windows (and any the terms carry) once for the whole span,
    # for every module-region; the ad-hoc windows for the module-regions they name (or all).
    span_start = min(start for start, _ in periods)
    span_end = max(end for _, end in periods)
    shared_starts, shared_ends = terms.maintenance.intervals(span_start, span_end)
    m_owner: list[int] = []
    m_starts: list[int] = []
    m_ends: list[int] = []
    for index, mr in enumerate(members):
        m_owner.extend([index] * int(shared_starts.size))
        m_starts.extend(shared_starts.tolist())
        m_ends.extend(shared_ends.tolist())
        for pk, start, end in windows:
            if pk not in only_for or mr.pk in only_for[pk]:
                m_owner.append(index)
                m_starts.append(start)
                m_ends.append(end)
    window_owner = np.asarray(m_owner, dtype=np.int64)
    window_starts = np.asarray(m_starts, dtype=np.int64)
    window_ends = np.asarray(m_ends, dtype=np.int64)

    rows: dict[int, list[PeriodUptime | None]] = {mr.pk: [None] * len(periods) for mr in members}
    by_length: dict[int, list[int]] = {}
    for position, (start, end) in enumerate(periods):
        by_length.setdefault(end - start, []).append(position)
    margin = terms.min_outage_seconds + 1
    for length, positions in by_length.items():
        positions.sort(key=lambda position: periods[position][0])
        period_starts = np.asarray([periods[p][0] for p in positions], dtype=np.int64)
        n_periods = len(positions)
        hit, slot = _overlapping(period_starts, length, margin, outage_starts, outage_ends)
        shift = period_starts[slot]
        covered, window_slot = _overlapping(period_starts, length, 0, window_starts, window_ends)
        window_shift = period_starts[window_slot]
        result = uptime_batch(
            n_groups=len(members) * n_periods,
            period=(0, length),
            group=outage_owner[hit] * n_periods + slot,
            starts=outage_starts[hit] - shift,
            ends=outage_ends[hit] - shift,
            weights=outage_levels[hit],
            weight_denominator=denominator,
            target=terms.target,
            group_maintenance=(
                window_owner[covered] * n_periods + window_slot,
                window_starts[covered] - window_shift,
                window_ends[covered] - window_shift,
            ),
            min_outage_seconds=terms.min_outage_seconds,
            maintenance_mode=terms.maintenance_mode,  # type: ignore[arg-type]
        )
        eligible = result.eligible_seconds.tolist()
        maintenance = result.maintenance_seconds.tolist()
        downtime = result.downtime_numerator.tolist()
        met = result.met.tolist()
        shown = result.display_thousandths.tolist()
        for index, mr in enumerate(members):
            row = rows[mr.pk]
            for slot_index, position in enumerate(positions):
                group = index * n_periods + slot_index
                start, end = periods[position]
                row[position] = PeriodUptime(
                    start=start,
                    end=end,
                    eligible_seconds=eligible[group],
                    maintenance_seconds=maintenance[group],
                    downtime_numerator=int(downtime[group]),
                    downtime_denominator=result.downtime_denominator,
                    met=bool(met[group]),
                    uptime_thousandths=shown[group],
                )
    return {pk: [cell for cell in row if cell is not None] for pk, row in rows.items()}
