"""The release calendar (/releases/, public) and a region's public iCalendar feed.

Release information is public product information (docs/releases.md), like the maintenance
calendar: anyone may read it, signed in or not, and neither shows a ticket. The page is a month
calendar with the month's releases on their days, then the lists of upcoming and recent ones.
Times are in the viewer's zone (a visitor: the region's zone, or UTC for every region), named.
"""

from __future__ import annotations

import calendar as monthly
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from accord.catalogue.models import Region
from accord.core.display import UTC_ZONE, format_iso_utc, format_when, viewer_zone
from accord.releases import services
from accord.releases.models import Release

PRODID = "-//Accord//Release calendar//EN"
RECENT = timedelta(weeks=8)
AHEAD = timedelta(weeks=12)
RELEASE_LENGTH = timedelta(minutes=30)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def _rows(region: Region | None) -> QuerySet[Release]:
    rows = Release.objects.select_related("module_region__module", "module_region__region")
    if region is not None:
        rows = rows.filter(module_region__region=region)
    return rows


def _releases(region: Region | None) -> tuple[list[Release], list[Release]]:
    now = timezone.now()
    rows = _rows(region)
    upcoming = list(
        rows.filter(deployed_at=None, planned_at__gte=now, planned_at__lt=now + AHEAD).order_by(
            "planned_at", "pk"
        )
    )
    recent = list(rows.filter(deployed_at__gte=now - RECENT).order_by("-deployed_at", "-pk"))
    return upcoming, recent


@dataclass(frozen=True)
class Entry:
    """One release on the page: when it happened (or is planned), shown in the page's zone."""

    release: Release
    later: Release | None
    iso: str
    when: str  # "Mon 7 Dec 2026 01:00 PST"
    time: str  # "01:00", on the calendar's day
    day: date


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    today: bool
    entries: list[Entry]


def _entry(release: Release, later: Release | None, zone_name: str) -> Entry:
    at = release.deployed_at or release.planned_at
    assert at is not None  # every listed release was deployed or planned
    local = at.astimezone(ZoneInfo(zone_name))
    return Entry(
        release,
        later,
        format_iso_utc(at),
        format_when(at, zone_name),
        f"{local:%H:%M}",
        local.date(),
    )


def _month(request: HttpRequest, zone_name: str) -> tuple[date, str]:
    """The month asked for (`?month=2026-12`), else the current one in the page's zone; and
    the error to show when the asked month is not one (the page then shows the current one)."""
    current = timezone.now().astimezone(ZoneInfo(zone_name)).date().replace(day=1)
    text = request.GET.get("month", "")
    if not text:
        return current, ""
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        message = _("month: expected a month as YYYY-MM, such as %(example)s; got “%(value)s”.")
        return current, message % {"example": f"{current:%Y-%m}", "value": text}
    return date(int(match[1]), int(match[2]), 1), ""


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _weeks(region: Region | None, first: date, zone_name: str) -> list[list[Day]]:
    """The month's weeks, Monday first, each day with the releases deployed or planned on it."""
    zone = ZoneInfo(zone_name)
    grid = monthly.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = datetime.combine(grid[0][0], datetime.min.time(), zone)
    end = datetime.combine(grid[-1][-1] + timedelta(days=1), datetime.min.time(), zone)
    shown = _rows(region).filter(
        Q(deployed_at__gte=start, deployed_at__lt=end)
        | Q(deployed_at=None, planned_at__gte=start, planned_at__lt=end)
    )
    by_day: dict[date, list[Entry]] = {}
    for release in shown:
        entry = _entry(release, None, zone_name)
        by_day.setdefault(entry.day, []).append(entry)
    today = timezone.now().astimezone(zone).date()
    return [
        [
            Day(
                d,
                d.month == first.month,
                d == today,
                sorted(by_day.get(d, []), key=lambda e: e.iso),
            )
            for d in week
        ]
        for week in grid
    ]


def _page_zone(request: HttpRequest, region: Region | None) -> str:
    if request.user.is_authenticated:
        return viewer_zone(request.user)
    return region.timezone if region is not None else UTC_ZONE


@require_safe
def release_calendar(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("region", "")
    organisation = getattr(request.user, "organisation", None)
    if code:
        region: Region | None = get_object_or_404(Region, code=code)
    elif organisation is not None:
        region = organisation.region
    else:
        region = None
    zone_name = _page_zone(request, region)
    first, month_error = _month(request, zone_name)
    upcoming, recent = _releases(region)
    superseding = services.superseding(Release.objects.filter(pk__in=[r.pk for r in recent]))
    previous = (first - timedelta(days=1)).replace(day=1)
    context = {
        "region": region,
        "regions": Region.objects.all(),
        "zone_name": zone_name,
        "month": first,
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{_next_month(first):%Y-%m}",
        "month_error": month_error,
        "weekdays": [date(2026, 11, 30) + timedelta(days=i) for i in range(7)],  # Mon to Sun
        "weeks": _weeks(region, first, zone_name),
        "upcoming": [_entry(r, None, zone_name) for r in upcoming],
        "recent": [_entry(r, superseding.get(r.pk), zone_name) for r in recent],
    }
    return render(request, "releases/calendar.html", context, status=400 if month_error else 200)


@require_safe
def release_ics(request: HttpRequest, region: str) -> HttpResponse:
    """One region's planned and recently deployed releases as an iCalendar feed."""
    place = get_object_or_404(Region, code=region)
    now = timezone.now().replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Releases: {place.name}")
    upcoming, recent = _releases(place)
    for release in [*recent, *upcoming]:
        start = release.deployed_at or release.planned_at
        if start is None:
            continue
        event = Event()
        event.add("uid", f"release-{release.pk}@accord")
        event.add("dtstamp", now)
        event.add("dtstart", start.replace(microsecond=0))
        event.add("dtend", start.replace(microsecond=0) + RELEASE_LENGTH)
        module = release.module_region.module.name
        event.add("summary", f"{module} {release.version} ({release.get_kind_display()})")
        event.add("description", release.notes or "No notes yet.")
        event.add("categories", ["Release"])
        event.add("transp", "TRANSPARENT")
        event.add("status", "CANCELLED" if release.cancelled_at else "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="accord-releases-{place.code}.ics"'
    response["Cache-Control"] = "public, max-age=300"
    return response
