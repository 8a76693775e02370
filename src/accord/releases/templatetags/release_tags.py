"""`{% ticket_fix ticket %}`: the release that carried a ticket's permanent fix."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from accord.helpdesk.models import Ticket
from accord.releases.services import fixing_release

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
