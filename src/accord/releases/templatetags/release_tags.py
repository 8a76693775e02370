"""`{% ticket_fix ticket %}`: the release that carried a ticket's permanent fix."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from accord.helpdesk.models import Ticket
from accord.helpdesk.selectors import fixing_release
from accord.releases.models import Release

register = template.Library()


@register.simple_tag
def ticket_fix(ticket: Ticket) -> Any:
    release = fixing_release(ticket)
    if release is None:
        return ""
    return format_html(
        '<p class="meta" id="fixing-release">Permanent fix: release <strong>{}</strong> '
        "({}), deployed in {} on {} UTC.</p>",
        release.version,
        release.get_kind_display().lower(),
        ticket.region.name,
        f"{release.deployed_at:%Y-%m-%d %H:%M}",
    )


@register.simple_tag
def upcoming_releases(region: Any, limit: int = 8) -> list[Release]:
    """A region's next planned releases (one query), for the public status page."""
    if region is None:
        return []
    return list(
        Release.objects.select_related("module_region__module")
        .filter(
            module_region__region=region,
            deployed_at=None,
            cancelled_at=None,
            planned_at__gte=timezone.now(),
        )
        .order_by("planned_at", "pk")[:limit]
    )
