"""The status page's Atom 1.0 feed (RFC 4287): incidents and ad-hoc maintenance.

Built with `django.utils.feedgenerator.Atom1Feed`. Every entry has a stable id (a tag URI on the
configured base URL's host, RFC 4151) and `updated` is its latest change, so a feed reader
shows an incident again when it gets a new update and a maintenance window again when it is
cancelled. The recurring weekly window is not an entry (it would be one a week for ever): it
is in the iCalendar feed and on the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from accord.catalogue.models import Region
from accord.core.display import format_iso_utc
from accord.core.links import absolute_url
from accord.engine.availability import announced_in_time
from accord.engine.timeutil import to_epoch
from accord.monitoring.models import MaintenanceWindow
from accord.status import services

FEED_PAST = timedelta(days=services.DAYS)


def _tag(kind: str, pk: int, since: datetime) -> str:
    host = urlsplit(absolute_url("/")).hostname or "localhost"
    return f"tag:{host},{since:%Y-%m-%d}:accord/status/{kind}/{pk}"


def build_feed(region: Region | None, *, now: datetime) -> Atom1Feed:
    page = absolute_url(
        reverse("status_region", args=[region.code]) if region else reverse("status_overall")
    )
    feed_url = absolute_url(
        reverse("status_region_feed", args=[region.code]) if region else reverse("status_feed")
    )
    where = region.name if region else "every region"
    feed = Atom1Feed(
        title=f"Accord status: {where}",
        link=page,
        description=f"Incidents and scheduled maintenance for {where}.",
        feed_url=feed_url,
        feed_guid=feed_url,
        language="en",
        author_name="Accord status",
    )
    region_ids = [region.pk] if region else list(Region.objects.values_list("pk", flat=True))
    incidents = services.incident_lists(region_ids, now=now)
    for incident in [*incidents.active, *incidents.history]:
        body = "".join(
            f"<p><strong>{escape(u.status)}</strong> ({format_iso_utc(u.at)}): {escape(u.body)}</p>"
            for u in incident.updates
        )
        affected = "".join(f"<li>{escape(text)}</li>" for text in incident.affected)
        feed.add_item(
            title=f"{incident.title} ({incident.status})",
            link=f"{page}#incident-{incident.pk}",
            description=(f"<ul>{affected}</ul>" if affected else "") + body,
            unique_id=_tag("incident", incident.pk, incident.started_at),
            unique_id_is_permalink=False,
            pubdate=incident.started_at,
            updateddate=incident.updated_at,
        )
    windows = (
        MaintenanceWindow.objects.filter(end__gte=now - FEED_PAST)
        .select_related("region")
        .prefetch_related("module_regions__module")
        .order_by("start")
    )
    if region is not None:
        windows = windows.filter(region=region)
    for window in windows:
        terms = services.public_terms(window.region)
        excluded = announced_in_time(
            to_epoch(window.start), to_epoch(window.announced_at), terms.adhoc_notice_hours
        )
        modules = [mr.module.name for mr in window.module_regions.all()]
        lines = [
            f"{window.region.name}, {', '.join(modules) if modules else 'every module'}.",
            f"From {format_iso_utc(window.start)} to {format_iso_utc(window.end)} (UTC).",
            "Not counted as downtime (announced in time)."
            if excluded
            else "Announced at short notice: an outage during it counts as downtime.",
        ]
        if window.description:
            lines.append(window.description)
        state = "Cancelled: " if window.cancelled_at else ""
        feed.add_item(
            title=f"{state}Scheduled maintenance: {window.title}",
            link=f"{page}#maintenance-{window.pk}",
            description="".join(f"<p>{escape(line)}</p>" for line in lines),
            unique_id=_tag("maintenance", window.pk, window.announced_at),
            unique_id_is_permalink=False,
            pubdate=window.announced_at,
            updateddate=window.cancelled_at or window.announced_at,
        )
    return feed
