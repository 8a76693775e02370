"""Template helpers of the help-desk pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

from accord.accounts.terms import TERMS_ERROR
from accord.core.templatetags.accord_tags import when_near
from accord.engine.clocks import Standing

register = template.Library()

STANDING_LABELS = {
    Standing.BREACHED.value: gettext_lazy("Breached"),
    Standing.AT_RISK.value: gettext_lazy("At risk"),
    Standing.ON_TRACK.value: gettext_lazy("On track"),
    Standing.MET.value: gettext_lazy("Met"),
    Standing.NO_SEVERITY.value: gettext_lazy("No severity yet"),
    # accord.accounts.terms: the clock cannot be measured
    TERMS_ERROR: gettext_lazy("Contract terms invalid"),
}


@register.simple_tag(takes_context=True)
def clock_state(
    context: template.Context, state: str, resumes_at: datetime | None = None
) -> SafeString:
    """What the clock is doing now, honestly: a running clock outside support hours is not
    counting, and the page says when it counts again (accord.helpdesk.support_hours)."""
    if state == "running" and resumes_at:
        return format_html(
            "{} {}",
            gettext("Paused outside support hours — counting resumes"),
            when_near(context, resumes_at),
        )
    labels = {
        "running": gettext("Clock running"),
        "paused": gettext("Clock paused"),
        "stopped": gettext("Clock stopped"),
    }
    return format_html("{}", labels.get(state, state))


@register.simple_tag
def standing_badge(standing: str) -> SafeString:
    """The clock's standing as a badge that reads the same without colour."""
    label = STANDING_LABELS.get(standing, standing)
    return format_html('<span class="badge badge-{}">{}</span>', standing, label)
