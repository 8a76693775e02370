"""Template helpers of the status page: a time window in the viewer's zone and in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accord.core.display import (
    UTC_ZONE,
    format_iso_utc,
    format_when,
    viewer_zone,
    zone_abbreviation,
)

register = template.Library()


def _range(start: datetime, end: datetime, zone_name: str) -> str:
    """ "Wed 2 Dec 2026 01:00–01:30 PST"; the end in full when it falls on another day."""
    tz = ZoneInfo(zone_name)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.date() == local_end.date():
        head = format_when(start, zone_name).rsplit(" ", 1)[0]  # without the zone's name
        return f"{head}–{local_end:%H:%M} {zone_abbreviation(local_end)}"
    return f"{format_when(start, zone_name)} – {format_when(end, zone_name)}"


@register.simple_tag(takes_context=True)
def window(context: template.Context, start: datetime, end: datetime) -> SafeString:
    """`{% window item.start item.end %}`: the window in the viewer's zone and, when that is
    not UTC, in UTC too; machine-readable instants in `<time>` elements."""
    request = context.get("request")
    zone_name = viewer_zone(getattr(request, "user", None))
    zones = [zone_name] if zone_name == UTC_ZONE else [zone_name, UTC_ZONE]
    return format_html_join(
        " · ",
        '<time datetime="{}/{}">{}</time>',
        ((format_iso_utc(start), format_iso_utc(end), _range(start, end, z)) for z in zones),
    )


@register.simple_tag
def utc(moment: datetime) -> SafeString:
    """`{% utc moment %}`: a `<time>` element in UTC, the zone named."""
    return format_html(
        '<time datetime="{}">{}</time>', format_iso_utc(moment), format_when(moment, UTC_ZONE)
    )
