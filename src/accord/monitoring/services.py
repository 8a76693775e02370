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

from django.db.models import Q

from accord.accounts.models import Organisation
from accord.engine.availability import (
    MaintenanceSchedule,
    UptimeResult,
    announced_in_time,
    uptime,
)
from accord.engine.availability import Outage as EngineOutage
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
    rows = Outage.objects.filter(
        module_region=module_region, start__lt=end, impact__in=list(weights)
    ).filter(Q(end__isnull=True) | Q(end__gt=start))
    rows = rows.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
    return [
        EngineOutage(
            start=to_epoch(row.start),
            end=to_epoch(row.end or max(now, row.start)),
            weight=weights[row.impact],
        )
        for row in rows
    ]


def maintenance_schedule(
    module_region: ModuleRegion, terms: Terms, start: datetime, end: datetime
) -> MaintenanceSchedule:
    """The contract's recurring windows plus the ad-hoc windows for this module-region that
    were announced at least the contract's notice ahead and not cancelled."""
    windows = [
        (to_epoch(w.start), to_epoch(w.end))
        for w in MaintenanceWindow.objects.filter(
            region_id=module_region.region_id, start__lt=end, end__gt=start, cancelled_at=None
        ).filter(Q(module_regions=None) | Q(module_regions=module_region))
        if announced_in_time(to_epoch(w.start), to_epoch(w.announced_at), terms.adhoc_notice_hours)
    ]
    return MaintenanceSchedule(
        timezone=terms.maintenance.timezone,
        weekly=terms.maintenance.weekly,
        windows=(*terms.maintenance.windows, *windows),
    )


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
    return uptime(
        period=(to_epoch(start), to_epoch(end)),
        outages=engine_outages(
            module_region, start, end, terms.impact_weights, organisation=organisation, now=now
        ),
        maintenance=maintenance_schedule(module_region, terms, start, end),
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
