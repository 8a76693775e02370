"""`GET /api/uptime`: each module-region's uptime over a month or a range of days, as the
public status page computes it (`monitoring.services.uptime_grid` with the status page's
terms, `page.public_terms`: its policy resolved for the region, days in the region's zone).

The status page is public, so every token reads every module-region: there is no tenant data
here (outages recorded for one organisation only are left out, as on the page). A customer's
uptime under its own contract (its weights, maintenance, covered modules) is its monthly
report's, `GET /api/reports/{organisation}/{month}`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from accord.accounts.api import field_error
from accord.catalogue.models import Region
from accord.engine.numbers import format_fraction
from accord.engine.timeutil import from_epoch, local_to_epoch, month_bounds, to_epoch, zone
from accord.monitoring.models import ModuleRegion
from accord.monitoring.services import PeriodUptime, Terms, uptime_grid
from accord.status.page import public_terms
from accord.status.uptime_schemas import UptimeFilters, UptimeList

router = Router(tags=["uptime"])

MAX_DAYS = 400


def _period(filters: UptimeFilters, terms: Terms, now: datetime) -> tuple[datetime, datetime]:
    tz = zone(terms.timezone)
    if filters.month is not None:
        first, following = month_bounds(filters.month, tz)
    else:
        assert filters.since is not None and filters.until is not None
        first = local_to_epoch(filters.since, 0, tz)
        following = local_to_epoch(filters.until + timedelta(days=1), 0, tz)
    end = max(first, min(following, to_epoch(now)))
    return from_epoch(first), from_epoch(end)


def _check(filters: UptimeFilters) -> None:
    days = filters.since is not None or filters.until is not None
    if filters.month is not None and days:
        raise field_error("month", "give month, or since and until, not both", source="query")
    if filters.month is None and not days:
        raise field_error("month", "give month (YYYY-MM), or since and until", source="query")
    if filters.since is None or filters.until is None:
        if days:
            missing = "since" if filters.since is None else "until"
            raise field_error(missing, "give since and until together", source="query")
        return
    if filters.until < filters.since:
        raise field_error("until", "is before since", source="query")
    if (filters.until - filters.since).days >= MAX_DAYS:
        raise field_error("until", f"at most {MAX_DAYS} days from since", source="query")
    if filters.since < date(1970, 1, 2):
        raise field_error("since", "is before 1970", source="query")
    if filters.until > date(8999, 12, 30):
        raise field_error("until", "is after 8999", source="query")


def _item(mr: ModuleRegion, terms: Terms, figure: PeriodUptime) -> dict[str, Any]:
    fraction = figure.uptime_fraction
    return {
        "module": mr.module.slug,
        "module_name": mr.module.name,
        "region": mr.region.code,
        "timezone": terms.timezone,
        "start": from_epoch(figure.start),
        "end": from_epoch(figure.end),
        "period_seconds": figure.end - figure.start,
        "maintenance_seconds": figure.maintenance_seconds,
        "eligible_seconds": figure.eligible_seconds,
        "downtime_seconds": format_fraction(figure.downtime_seconds),
        "uptime_percent": figure.uptime_percent_display,
        "uptime_exact": f"{fraction.numerator}/{fraction.denominator}",
        "target_percent": format_fraction(Fraction(terms.target) * 100),
        "met": figure.met,
    }


@router.get(
    "/uptime",
    response=UptimeList,
    summary="Uptime per module-region over a month or days (the status page's figures)",
)
def list_uptime(request: HttpRequest, filters: Query[UptimeFilters]) -> dict[str, Any]:
    _check(filters)
    rows = ModuleRegion.objects.select_related("module", "region").order_by(
        "region__name", "module__position", "module__name"
    )
    if filters.region is not None:
        if not Region.objects.filter(code=filters.region).exists():
            raise field_error("region", f"no region {filters.region!r}", source="query")
        rows = rows.filter(region__code=filters.region)
    if filters.module is not None:
        rows = rows.filter(module__slug=filters.module)
        if not rows.exists():
            raise field_error("module", f"no module {filters.module!r} there", source="query")
    module_regions = list(rows)
    if not module_regions:
        return {"count": 0, "items": []}
    now = timezone.now()
    regions = {mr.region_id: mr.region for mr in module_regions}
    terms = {pk: public_terms(region) for pk, region in regions.items()}
    periods = {pk: [_period(filters, terms[pk], now)] for pk in regions}
    grid = uptime_grid(module_regions, terms, periods, now=now)
    items = [_item(mr, terms[mr.region_id], grid[mr.pk][0]) for mr in module_regions]
    return {"count": len(items), "items": items}
