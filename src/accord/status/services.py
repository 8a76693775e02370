"""What the public status page shows, computed per request from a handful of queries; the one
module the views and the feed call.

The parts live beside it, by responsibility:

* `page`: the page's model (module-regions, regions, their current state) and the terms the
  public figures are measured by (`public_terms`).
* `bars`: the 90 daily bars, from the engine through `accord.monitoring.services`
  (`daily_uptime_batch`: one outage query and a few vectorised engine calls for every
  module-region at once); their HTML is the `daily_bars` template tag.
* `maintenance`: the upcoming recurring and ad-hoc windows.
* `incident_list`: the incidents, read from `accord.incidents`.
* `panel`: a signed-in customer's own month so far (`customer_panel`).
* `subscriptions`: double opt-in with signed tokens (`subscribe`, `confirm`, `unsubscribe`).
* `demo`: the staff's demo switch (`simulate`, the stand-in health endpoints).

Services take plain values, never commit on their own, and leave every time figure to the
engine; these modules only group and label.
"""

from __future__ import annotations

from datetime import datetime

from accord.catalogue.models import Region
from accord.engine.timeutil import epoch_to_local, to_epoch, zone
from accord.monitoring.models import MaintenanceWindow, ModuleRegion
from accord.status.bars import DAYS, daily_figures, day_bars, days_until, downtime_days
from accord.status.demo import demo_down_ids
from accord.status.incident_list import Incidents, IncidentView, UpdateView, incident_lists
from accord.status.maintenance import upcoming_maintenance
from accord.status.page import (
    MAINTENANCE,
    ModuleStatus,
    RegionStatus,
    StatusPage,
    in_maintenance,
    open_outages,
    public_terms,
    worst,
)
from accord.status.subscriptions import unsubscribe_token

# Besides `status_page`, the names the feed and the tests read from here (the feed's and the
# page's incidents both come through `incident_lists` of this module).
__all__ = [
    "DAYS",
    "IncidentView",
    "Incidents",
    "UpdateView",
    "incident_lists",
    "public_terms",
    "status_page",
    "unsubscribe_token",
]


def status_page(region: Region | None, *, now: datetime) -> StatusPage:
    """Everything the status page of one region (or, with None, of every region) shows."""
    everywhere = list(Region.objects.all())
    regions = [region] if region is not None else everywhere
    region_ids = [r.pk for r in regions]
    module_regions = list(
        ModuleRegion.objects.filter(region_id__in=region_ids)
        .select_related("module", "region")
        .order_by("region__name", "module__position", "module__name")
    )
    terms = {r.pk: public_terms(r) for r in regions}
    today = {
        r.pk: epoch_to_local(to_epoch(now), zone(terms[r.pk].timezone)).date() for r in regions
    }
    daily = daily_figures(module_regions, terms, today, now=now)

    windows = list(
        MaintenanceWindow.objects.filter(region_id__in=region_ids, end__gt=now, cancelled_at=None)
        .select_related("region")
        .prefetch_related("module_regions__module")
    )
    open_impacts, demo_open = open_outages(module_regions, now)
    demo_open |= demo_down_ids([mr.pk for mr in module_regions])
    in_window = in_maintenance(module_regions, terms, windows, now)

    by_region: dict[int, list[ModuleStatus]] = {r.pk: [] for r in regions}
    for mr in module_regions:
        figures = daily[mr.pk]
        state = MAINTENANCE if mr.pk in in_window else worst(open_impacts.get(mr.pk, ()))
        by_region[mr.region_id].append(
            ModuleStatus(
                module_region=mr,
                state=state,
                daily=figures,
                bars=day_bars(days_until(today[mr.region_id]), figures.days),
                downtime_days=downtime_days(figures.days),
                demo_outage_open=mr.pk in demo_open,
            )
        )
    return StatusPage(
        region=region,
        all_regions=everywhere,
        regions=[
            RegionStatus(
                region=r,
                terms=terms[r.pk],
                modules=by_region[r.pk],
                first_day=days_until(today[r.pk])[0],
                last_day=today[r.pk],
            )
            for r in regions
        ],
        upcoming=upcoming_maintenance(regions, terms, windows, now=now),
        incidents=incident_lists(region_ids, now=now),
        now=now,
    )
