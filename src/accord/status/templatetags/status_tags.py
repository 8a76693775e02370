"""Template helpers of the status page: a time window in the viewer's zone and in UTC, and the
daily bars of a module-region with their table of days with downtime."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accord.core.display import (
    UTC_ZONE,
    format_iso_utc,
    format_when,
    viewer_zone,
    zone_abbreviation,
)
from accord.status.page import ModuleStatus

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


@register.simple_tag
def daily_bars(module: ModuleStatus) -> SafeString:
    """`{% daily_bars module %}`: the module-region's 90 bars as an ordered list, oldest day
    first. Every bar carries its text ("2026-11-02: 99.950% uptime") as a tooltip and as
    visually hidden text for screen readers, and its height says what its colour says.

    Joined here rather than in a template loop: the overall page's 1,350 bars then take
    milliseconds. Nothing in them comes from a person but the module's name, which is
    escaped; the labels are dates and figures."""
    label = gettext("%(name)s: daily uptime, last %(days)s days") % {
        "name": escape(module.name),
        "days": len(module.bars),
    }
    items = "".join(
        f'<li class="{bar.kind}" title="{bar.label}">'
        f'<span class="visually-hidden">{bar.label}</span></li>'
        for bar in module.bars
    )
    head = f'<ol class="bars" aria-label="{label}">'
    return mark_safe(head + items + "</ol>")  # noqa: S308


@register.simple_tag
def downtime_rows(module: ModuleStatus) -> SafeString:
    """`{% downtime_rows module %}`: the table rows of the days with downtime, newest first
    (the same figures as the bars, for keyboard users)."""
    minutes = gettext("%(minutes)s min")
    return mark_safe(  # noqa: S308
        "".join(
            f'<tr><th scope="row">{bar.iso}</th>'
            f"<td>{bar.uptime}%</td><td>{minutes % {'minutes': bar.down_minutes}}</td></tr>"
            for bar in reversed(module.bars)
            if bar.down_minutes is not None
        )
    )
