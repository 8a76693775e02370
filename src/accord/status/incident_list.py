"""Incidents on the status page and in its feed, read from `accord.incidents` (a layer below):
the active ones and those resolved in the last 90 days, each with its updates and the
module-regions it affects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from accord.incidents.models import Incident
from accord.monitoring.models import ModuleRegion
from accord.status.bars import DAYS

HISTORY_LIMIT = 50


@dataclass
class UpdateView:
    at: datetime
    status: str
    body: str


@dataclass
class IncidentView:
    pk: int
    title: str
    status: str
    started_at: datetime
    resolved_at: datetime | None
    affected: list[str]  # "Release Manager (us): Major outage"
    updates: list[UpdateView]  # newest first

    @property
    def updated_at(self) -> datetime:
        return max([self.started_at, *(u.at for u in self.updates)])


@dataclass
class Incidents:
    active: list[IncidentView] = field(default_factory=list)
    history: list[IncidentView] = field(default_factory=list)


def incident_lists(region_ids: Sequence[int], *, now: datetime) -> Incidents:
    """Public incidents active or resolved in the last 90 days that touch these regions (or
    name no module-region at all), newest first (the latest 50), each with its updates."""
    rows = (
        Incident.objects.filter(
            Q(outages__outage__module_region__region_id__in=list(region_ids))
            | Q(outages__outage__isnull=True)
        )
        .filter(public=True)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(DAYS)))
        .distinct()
        .order_by("-started_at")
        .prefetch_related(
            "updates",
            "outages__outage__module_region__module",
            "outages__outage__module_region__region",
        )[:HISTORY_LIMIT]
    )
    views = [_incident_view(row) for row in rows]
    return Incidents(
        active=[v for v in views if v.resolved_at is None],
        history=[v for v in views if v.resolved_at is not None],
    )


def _incident_view(row: Incident) -> IncidentView:
    updates = sorted(row.updates.all(), key=lambda u: u.at, reverse=True)
    # One outage row per impact the incident had: the latest one per module-region says its
    # impact now (or when the incident was resolved).
    affected: dict[int, tuple[ModuleRegion, str]] = {}
    for link in sorted(row.outages.all(), key=lambda link: link.outage.start):
        outage = link.outage
        affected[outage.module_region_id] = (outage.module_region, outage.get_impact_display())
    return IncidentView(
        pk=row.pk,
        title=row.title,
        status=row.get_status_display(),
        started_at=row.started_at,
        resolved_at=row.resolved_at,
        affected=[
            f"{mr.module.name} ({mr.region.name}): {impact}" for mr, impact in affected.values()
        ],
        updates=[UpdateView(at=u.at, status=u.get_status_display(), body=u.body) for u in updates],
    )
