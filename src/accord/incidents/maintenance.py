"""The maintenance calendar: the contract's recurring window and ad-hoc windows, per region.

The recurring window is never entered by anyone: it comes from the status page's policy
(`ACCORD_STATUS_POLICY`, default the built-in `plutora-standard`), and the engine's
`MaintenanceSchedule.intervals` gives its instants, following daylight saving time (the
seed's Wednesday 01:00-01:30 `America/Los_Angeles` is 09:00 UTC in winter, 08:00 UTC in
summer). Ad-hoc windows are `monitoring.MaintenanceWindow` rows; each says whether it was
announced early enough to count as excluded maintenance under that policy.

`calendar_ics` publishes the occurrences as iCalendar (RFC 5545, the `icalendar` package):
one VEVENT per occurrence with a stable UID, DTSTART/DTEND in UTC, cancelled ad-hoc windows
as STATUS:CANCELLED so subscribed calendars drop them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from accord.catalogue.models import Region
from accord.engine.availability import announced_in_time
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.timeutil import from_epoch, to_epoch
from accord.monitoring.models import MaintenanceWindow
from accord.policies import status_policy, status_policy_name

PRODID = "-//Accord//Maintenance calendar//EN"
UID_DOMAIN = "accord"
# What the feed holds: a few weeks back (so a calendar shows what just happened) and a year
# ahead (which always crosses both daylight saving changes).
FEED_PAST = timedelta(weeks=4)
FEED_AHEAD = timedelta(weeks=52)


# The status page's policy (`accord.policies.status_policy`), named as this module's callers
# know it.
policy_name = status_policy_name


def recurring_schedule() -> MaintenanceSchedule:
    """The policy's weekly windows alone (no ad-hoc windows)."""
    maintenance = status_policy().availability.maintenance
    return MaintenanceSchedule(
        timezone=maintenance.timezone,
        weekly=tuple(window.to_window() for window in maintenance.weekly),
    )


def notice_hours() -> int:
    return status_policy().availability.maintenance.adhoc_notice_hours


@dataclass(frozen=True)
class Occurrence:
    """One maintenance window in the calendar."""

    uid: str
    kind: str  # recurring, adhoc
    title: str
    start: datetime
    end: datetime
    region: Region | None = None  # None: every region
    description: str = ""
    modules: tuple[str, ...] = ()  # empty: every module
    announced_at: datetime | None = None
    cancelled_at: datetime | None = None
    counts_as_maintenance: bool = True
    notice_hours_given: int | None = None
    window_id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def recurring(region: Region | None, start: datetime, end: datetime) -> list[Occurrence]:
    """The recurring window's occurrences that overlap [start, end), whole (not cut)."""
    schedule = recurring_schedule()
    if not schedule.weekly:
        return []
    # Widen by a day so a window that began before `start` is found whole.
    lows, highs = schedule.intervals(to_epoch(start) - 86_400, to_epoch(end) + 86_400)
    scope = region.code if region is not None else "all"
    where = region.name if region is not None else "every region"
    maintenance = status_policy().availability.maintenance
    occurrences = []
    for low, high in zip(lows.tolist(), highs.tolist(), strict=True):
        first, last = from_epoch(low), from_epoch(high)
        if last <= start or first >= end:
            continue
        occurrences.append(
            Occurrence(
                uid=f"weekly-{scope}-{_stamp(first)}@{UID_DOMAIN}",
                kind="recurring",
                title="Scheduled maintenance",
                start=first,
                end=last,
                region=region,
                description=(
                    f"The contract's weekly maintenance window ({where}, all modules). "
                    f"{maintenance.reading}".strip()
                ),
            )
        )
    return occurrences


def adhoc(
    region: Region | None, start: datetime, end: datetime, *, include_cancelled: bool = True
) -> list[Occurrence]:
    """Ad-hoc windows overlapping [start, end), with whether each counts as maintenance."""
    rows = MaintenanceWindow.objects.filter(start__lt=end, end__gt=start).select_related("region")
    if region is not None:
        rows = rows.filter(region=region)
    if not include_cancelled:
        rows = rows.filter(cancelled_at=None)
    rows = rows.prefetch_related("module_regions__module").order_by("start", "pk")
    hours = notice_hours()
    occurrences = []
    for window in rows:
        notice = to_epoch(window.start) - to_epoch(window.announced_at)
        modules = tuple(sorted(mr.module.name for mr in window.module_regions.all()))
        occurrences.append(
            Occurrence(
                uid=f"maintenance-{window.pk}@{UID_DOMAIN}",
                kind="adhoc",
                title=window.title,
                start=window.start,
                end=window.end,
                region=window.region,
                description=window.description,
                modules=modules,
                announced_at=window.announced_at,
                cancelled_at=window.cancelled_at,
                counts_as_maintenance=announced_in_time(
                    to_epoch(window.start), to_epoch(window.announced_at), hours
                ),
                notice_hours_given=max(notice, 0) // 3600,
                window_id=window.pk,
            )
        )
    return occurrences


def occurrences(
    region: Region | None, start: datetime, end: datetime, *, include_cancelled: bool = True
) -> list[Occurrence]:
    """Every maintenance occurrence of a region (None: all regions) in [start, end)."""
    found = recurring(region, start, end) + adhoc(
        region, start, end, include_cancelled=include_cancelled
    )
    return sorted(found, key=lambda item: (item.start, item.kind, item.uid))


def calendar_ics(region: Region | None, *, now: datetime) -> bytes:
    """The iCalendar feed of a region's (None: every region's) maintenance around `now`."""
    where = region.name if region is not None else "all regions"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Maintenance: {where}")
    calendar.add("x-wr-timezone", "UTC")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for item in occurrences(region, now - FEED_PAST, now + FEED_AHEAD):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now.replace(microsecond=0))
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        place = item.region.name if item.region is not None else "All regions"
        modules = ", ".join(item.modules) if item.modules else "all modules"
        event.add("summary", f"{item.title} ({place})")
        lines = [item.description] if item.description else []
        lines.append(f"Region: {place}; modules: {modules}.")
        if item.kind == "adhoc":
            lines.append(_notice_sentence(item))
        event.add("description", "\n".join(lines))
        event.add("categories", ["Maintenance"])
        event.add("transp", "TRANSPARENT")
        if item.announced_at is not None:
            event.add("created", item.announced_at.replace(microsecond=0))
        if item.cancelled:
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
            event.add("last-modified", item.cancelled_at.replace(microsecond=0))  # type: ignore[union-attr]
        else:
            event.add("status", "CONFIRMED")
            event.add("sequence", 0)
        calendar.add_component(event)
    return calendar.to_ical()


def _notice_sentence(item: Occurrence) -> str:
    hours = notice_hours()
    if item.counts_as_maintenance:
        return (
            f"Announced {item.notice_hours_given} h ahead (the {policy_name()} policy asks for "
            f"{hours} h): excluded from uptime like the weekly window."
        )
    return (
        f"Announced only {item.notice_hours_given} h ahead (the {policy_name()} policy asks for "
        f"{hours} h): outages in this window count as downtime."
    )


def notice_sentence(item: Occurrence) -> str:
    return _notice_sentence(item)
