"""The status page's model: its module-regions and regions with their current state, and the
terms its public figures are measured by.

* The current state of a module-region is its maintenance (the recurring window or an ad-hoc
  window in progress: "Under maintenance", whatever else is open, because what fails in a
  window is not downtime) or else the worst impact of its open public outages
  (`open_outages`, `in_maintenance`).
* The public figures use the built-in policy resolved for each region (`public_terms`: its
  maintenance window, its impact weights, days in the region's time zone) and only outages
  that hit everyone: an outage that hit one customer (`Outage.organisation`) is never public.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.accounts.terms import resolve_terms
from accord.catalogue.models import Region
from accord.engine.policy import Region as EngineRegion
from accord.engine.timeutil import to_epoch
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage
from accord.monitoring.services import DailyUptime, Terms
from accord.policies import load_builtin, status_policy_name
from accord.status.bars import DayBar
from accord.status.demo import DEMO_REFERENCE
from accord.status.incident_list import Incidents
from accord.status.maintenance import MaintenanceItem

# ---------------------------------------------------------------------------------------------
# States

OPERATIONAL = "operational"
MAINTENANCE = "maintenance"
STATE_LABELS = {
    OPERATIONAL: _("Operational"),
    MAINTENANCE: _("Under maintenance"),
    Impact.DEGRADED: _("Degraded performance"),
    Impact.PARTIAL_OUTAGE: _("Partial outage"),
    Impact.MAJOR_OUTAGE: _("Major outage"),
}
# Worst last: the region's and the page's state is the worst of their modules'.
STATE_ORDER = [
    OPERATIONAL,
    MAINTENANCE,
    Impact.DEGRADED,
    Impact.PARTIAL_OUTAGE,
    Impact.MAJOR_OUTAGE,
]
BANNERS = {
    OPERATIONAL: _("All modules operational"),
    MAINTENANCE: _("Maintenance in progress"),
    Impact.DEGRADED: _("Degraded performance"),
    Impact.PARTIAL_OUTAGE: _("Partial outage"),
    Impact.MAJOR_OUTAGE: _("Major outage"),
}


def worst(states: Iterable[str]) -> str:
    return max(states, key=STATE_ORDER.index, default=OPERATIONAL)


# ---------------------------------------------------------------------------------------------
# What the page shows


@dataclass
class ModuleStatus:
    module_region: ModuleRegion
    state: str
    daily: DailyUptime
    bars: list[DayBar]  # oldest day first
    downtime_days: int  # days with any downtime
    demo_outage_open: bool = False

    @property
    def name(self) -> str:
        return self.module_region.module.name

    @property
    def version(self) -> str:
        return self.module_region.deployed_version

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


class _WorstOfParts:
    """A state made of its parts' (a region's modules, the page's regions): the worst of
    theirs, and the banner that says it."""

    def _parts(self) -> Iterable[ModuleStatus | RegionStatus]:
        raise NotImplementedError

    @property
    def state(self) -> str:
        return worst(part.state for part in self._parts())

    @property
    def banner(self) -> str:
        return str(BANNERS[self.state])


@dataclass
class RegionStatus(_WorstOfParts):
    region: Region
    terms: Terms
    modules: list[ModuleStatus]
    first_day: date
    last_day: date

    def _parts(self) -> Iterable[ModuleStatus]:
        return self.modules


@dataclass
class StatusPage(_WorstOfParts):
    region: Region | None  # None: every region
    all_regions: list[Region]
    regions: list[RegionStatus]
    upcoming: list[MaintenanceItem]
    incidents: Incidents
    now: datetime

    def _parts(self) -> Iterable[RegionStatus]:
        return self.regions


# ---------------------------------------------------------------------------------------------
# Terms of the public page


@lru_cache(maxsize=64)
def _public_terms(policy: str, region: EngineRegion) -> Terms:
    return Terms.of(resolve_terms(load_builtin(policy), region))


def public_terms(region: Region) -> Terms:
    """The status page's policy (`status_policy_name`) resolved for a region (its maintenance
    window, its impact weights, days in the region's time zone)."""
    return _public_terms(status_policy_name(), region.as_engine())


# ---------------------------------------------------------------------------------------------
# The current state


def open_outages(
    module_regions: Sequence[ModuleRegion], now: datetime
) -> tuple[dict[int, list[str]], set[int]]:
    """Impacts of the public outages going on at `now`, by module-region; and the
    module-regions with a demo outage open."""
    impacts: dict[int, list[str]] = {}
    demo: set[int] = set()
    rows = (
        Outage.objects.filter(
            module_region_id__in=[mr.pk for mr in module_regions],
            organisation__isnull=True,
            start__lte=now,
        )
        .filter(Q(end__isnull=True) | Q(end__gt=now))
        .values_list("module_region_id", "impact", "reference", "end")
    )
    for module_region_id, impact, reference, end in rows:
        impacts.setdefault(module_region_id, []).append(impact)
        if reference == DEMO_REFERENCE and end is None:
            demo.add(module_region_id)
    return impacts, demo


def in_maintenance(
    module_regions: Sequence[ModuleRegion],
    terms: dict[int, Terms],
    windows: Sequence[MaintenanceWindow],
    now: datetime,
) -> set[int]:
    """Module-regions inside a maintenance window at `now`: the recurring one, or an ad-hoc
    window in progress (with or without enough notice: the work is going on either way)."""
    instant = to_epoch(now)
    recurring = {
        region_id
        for region_id, region_terms in terms.items()
        if region_terms.maintenance.intervals(instant, instant + 1)[0].size
    }
    inside = {mr.pk for mr in module_regions if mr.region_id in recurring}
    for window in windows:
        if window.start <= now < window.end:
            named = {mr.pk for mr in window.module_regions.all()}
            inside |= {
                mr.pk
                for mr in module_regions
                if mr.region_id == window.region_id and (not named or mr.pk in named)
            }
    return inside
