"""Releases: supersession, the deployed version at an instant, and the release cadence.

One version of each module runs in each region (a module-region). Releases come in three kinds:

- a **major** release supersedes every earlier minor release and emergency fix of the same
  module-region;
- a **minor** release supersedes every earlier emergency fix of the same module-region;
- an **emergency** fix supersedes nothing.

"Earlier" means deployed strictly before; releases not deployed take no part. A release is
superseded by the *first* deployed release that supersedes it (the one whose notes a customer
should read next).

The cadence places planned releases in the region's maintenance window: a minor release at the
first window of each local week (Monday to Sunday) and a major release at the first window of each
local calendar month instead of that week's minor. Window starts are converted per date with
`timeutil.local_to_epoch`, exactly as `MaintenanceSchedule.intervals` does, so they follow daylight
saving time; unlike `intervals`, a window a DST gap shortens to nothing keeps its start.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.timeutil import DAY, epoch_to_local, local_to_epoch, zone


class ReleaseKind(StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    EMERGENCY = "emergency"


_RANK = {ReleaseKind.EMERGENCY: 0, ReleaseKind.MINOR: 1, ReleaseKind.MAJOR: 2}


@dataclass(frozen=True)
class DeployedRelease:
    """A release as supersession sees it: `key` identifies it, `scope` its module-region,
    `deployed_at` epoch seconds (None while not deployed)."""

    key: Hashable
    scope: Hashable
    kind: ReleaseKind
    deployed_at: int | None


def supersedes(later: ReleaseKind, earlier: ReleaseKind) -> bool:
    """Whether a release of kind `later` supersedes an earlier one of kind `earlier`."""
    return _RANK[ReleaseKind(later)] > _RANK[ReleaseKind(earlier)]


def superseded_by(releases: Iterable[DeployedRelease]) -> dict[Hashable, Hashable]:
    """For each superseded release, the key of the first deployed release that supersedes it.

    Releases that are not deployed, or not superseded, are absent from the mapping."""
    by_scope: dict[Hashable, list[DeployedRelease]] = {}
    for release in releases:
        if release.deployed_at is not None:
            by_scope.setdefault(release.scope, []).append(release)
    result: dict[Hashable, Hashable] = {}
    for group in by_scope.values():
        group.sort(key=lambda r: (r.deployed_at, _RANK[ReleaseKind(r.kind)]))
        for index, release in enumerate(group):
            for later in group[index + 1 :]:
                assert later.deployed_at is not None and release.deployed_at is not None
                if later.deployed_at > release.deployed_at and supersedes(later.kind, release.kind):
                    result[release.key] = later.key
                    break
    return result


def deployed_version_at(history: Sequence[tuple[int, str]], instant: int) -> str | None:
    """The version running at `instant` given deployments `(deployed_at, version)`: the last one
    deployed at or before it (a later entry wins a tie); None before the first deployment."""
    ordered = sorted(enumerate(history), key=lambda item: (item[1][0], item[0]))
    times = [entry[0] for _, entry in ordered]
    position = bisect.bisect_right(times, instant)
    if position == 0:
        return None
    return ordered[position - 1][1][1]


@dataclass(frozen=True)
class PlannedRelease:
    at: int
    kind: ReleaseKind


def window_starts(schedule: MaintenanceSchedule, start: int, end: int) -> list[int]:
    """The start instant of every maintenance window that begins in [start, end).

    Windows that touch or overlap (an overnight window written as two) count as one. A weekly
    window that a DST change shortens to nothing (02:00-03:00 on the night clocks skip that
    hour) still has a start, the first instant after the gap, so a release is still planned then
    (`MaintenanceSchedule.intervals` drops such an empty window)."""
    if end <= start:
        return []
    tz = zone(schedule.timezone)
    # A window lasts at most a day: one that began before `start - DAY` has ended by `start`.
    low, high = start - DAY, end
    raw: list[tuple[int, int]] = [(a, b) for a, b in schedule.windows if b >= low and a < high]
    day = epoch_to_local(low, tz).date() - timedelta(days=1)
    last = epoch_to_local(high, tz).date() + timedelta(days=1)
    while day <= last:
        for window in schedule.weekly:
            if window.weekday == day.weekday():
                raw.append(
                    (local_to_epoch(day, window.start, tz), local_to_epoch(day, window.end, tz))
                )
        day += timedelta(days=1)
    raw.sort()
    starts: list[int] = []
    reach: int | None = None
    for a, b in raw:
        if reach is None or a > reach:
            starts.append(a)
            reach = b
        else:
            reach = max(reach, b)
    return [at for at in starts if start <= at < end]


def cadence(schedule: MaintenanceSchedule, start: int, end: int) -> list[PlannedRelease]:
    """Planned releases in [start, end): a major at the first maintenance window of each local
    month, a minor at the first window of each other local week (Monday to Sunday): the week of
    a major gets no minor of its own."""
    if not isinstance(start, int) or not isinstance(end, int):
        raise EngineError("horizon", "start and end must be epoch seconds")
    if end <= start:
        return []
    tz = zone(schedule.timezone)
    first_local = epoch_to_local(start, tz).date()
    # Look back far enough to see the first window of the month and of the week holding `start`.
    lookback_day = min(first_local.replace(day=1), first_local - timedelta(days=7))
    lookback = local_to_epoch(lookback_day, 0, tz)
    seen_months: set[tuple[int, int]] = set()
    seen_weeks: set[tuple[int, int]] = set()
    planned: list[PlannedRelease] = []
    for at in window_starts(schedule, lookback, end):
        day: date = epoch_to_local(at, tz).date()
        month = (day.year, day.month)
        iso = day.isocalendar()
        week = (iso.year, iso.week)
        kind: ReleaseKind | None = None
        if month not in seen_months:
            kind = ReleaseKind.MAJOR
        elif week not in seen_weeks:
            kind = ReleaseKind.MINOR
        seen_months.add(month)
        seen_weeks.add(week)
        if kind is not None and at >= start:
            planned.append(PlannedRelease(at, kind))
    return planned


def planned_by_kind(planned: Iterable[PlannedRelease]) -> Mapping[ReleaseKind, list[int]]:
    """The planned instants grouped by kind."""
    grouped: dict[ReleaseKind, list[int]] = {kind: [] for kind in ReleaseKind}
    for item in planned:
        grouped[item.kind].append(item.at)
    return grouped
