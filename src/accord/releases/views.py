"""The release calendar in the portal (/releases/) and as a public iCalendar feed.

Release information is public product information (docs/releases.md): the page needs a sign-in
only because it is part of the portal; the feed is public, like the maintenance calendar's.
Neither shows a ticket.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from accord.catalogue.models import Region
from accord.releases import services
from accord.releases.models import Release

PRODID = "-//Accord//Release calendar//EN"
RECENT = timedelta(weeks=8)
AHEAD = timedelta(weeks=12)
RELEASE_LENGTH = timedelta(minutes=30)


def _releases(region: Region | None) -> tuple[list[Release], list[Release]]:
    now = timezone.now()
    rows = Release.objects.select_related("module_region__module", "module_region__region")
    if region is not None:
        rows = rows.filter(module_region__region=region)
    upcoming = list(
        rows.filter(deployed_at=None, planned_at__gte=now, planned_at__lt=now + AHEAD).order_by(
            "planned_at", "pk"
        )
    )
    recent = list(rows.filter(deployed_at__gte=now - RECENT).order_by("-deployed_at", "-pk"))
    return upcoming, recent


@require_safe
@login_required
def release_calendar(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("region", "")
    organisation = getattr(request.user, "organisation", None)
    if code:
        region: Region | None = get_object_or_404(Region, code=code)
    elif organisation is not None:
        region = organisation.region
    else:
        region = None
    upcoming, recent = _releases(region)
    superseding = services.superseding(Release.objects.filter(pk__in=[r.pk for r in recent]))
    context = {
        "region": region,
        "regions": Region.objects.all(),
        "upcoming": [(r, None) for r in upcoming],
        "recent": [(r, superseding.get(r.pk)) for r in recent],
    }
    return render(request, "releases/calendar.html", context)


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
