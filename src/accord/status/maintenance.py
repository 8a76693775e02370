"""Maintenance on the status page: the next occurrences of each region's recurring window and
the ad-hoc windows not over yet, with whether each is excluded from uptime."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from accord.catalogue.models import Region
from accord.engine.availability import announced_in_time
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.timeutil import format_clock, from_epoch, to_epoch
from accord.monitoring.models import MaintenanceWindow
from accord.monitoring.services import Terms

UPCOMING_RECURRING = 2  # next occurrences of the weekly window shown per region


@dataclass
class MaintenanceItem:
    title: str
    start: datetime
    end: datetime
    regions: list[str]
    modules: list[str]  # empty: every module
    recurring: bool
    excluded: bool  # excluded from uptime (the recurring window; ad-hoc with enough notice)
    description: str = ""
    in_progress: bool = False
    cancelled: bool = False
    pk: int | None = None


def weekly_rule(schedule: MaintenanceSchedule) -> str:
    """ "Wednesday 01:00–01:30 America/Los_Angeles": the recurring window in words."""
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return "; ".join(
        f"every {names[w.weekday]} {format_clock(w.start)}–{format_clock(w.end)} "
        f"{schedule.timezone}"
        for w in schedule.weekly
    )


def upcoming_maintenance(
    regions: Sequence[Region],
    terms: dict[int, Terms],
    windows: Sequence[MaintenanceWindow],
    *,
    now: datetime,
) -> list[MaintenanceItem]:
    """The next occurrences of each region's recurring window (the same instants in several
    regions are one item) and every ad-hoc window not over yet, soonest first."""
    instant = to_epoch(now)
    recurring: dict[tuple[int, int], MaintenanceItem] = {}
    for region in regions:
        schedule = terms[region.pk].maintenance
        starts, ends = schedule.intervals(instant - 86_400, instant + 15 * 86_400)
        shown = 0
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if end <= instant or shown == UPCOMING_RECURRING:
                continue
            shown += 1
            item = recurring.setdefault(
                (start, end),
                MaintenanceItem(
                    title="Weekly maintenance window",
                    description=f"The SLA's recurring window: {weekly_rule(schedule)}.",
                    start=from_epoch(start),
                    end=from_epoch(end),
                    regions=[],
                    modules=[],
                    recurring=True,
                    excluded=True,
                    in_progress=start <= instant,
                ),
            )
            item.regions.append(region.name)
    items = list(recurring.values())
    for window in windows:
        items.append(
            MaintenanceItem(
                title=window.title,
                description=window.description,
                start=window.start,
                end=window.end,
                regions=[window.region.name],
                modules=[mr.module.name for mr in window.module_regions.all()],
                recurring=False,
                excluded=announced_in_time(
                    to_epoch(window.start),
                    to_epoch(window.announced_at),
                    terms[window.region_id].adhoc_notice_hours,
                ),
                in_progress=window.start <= now,
                pk=window.pk,
            )
        )
    return sorted(items, key=lambda item: (item.start, item.end, item.title))
