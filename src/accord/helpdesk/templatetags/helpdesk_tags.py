"""Template helpers of the help-desk pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accord.accounts.terms import TERMS_ERROR
from accord.engine.clocks import Standing

register = template.Library()

STANDING_LABELS = {
    Standing.BREACHED.value: "Breached",
    Standing.AT_RISK.value: "At risk",
    Standing.ON_TRACK.value: "On track",
    Standing.MET.value: "Met",
    Standing.NO_SEVERITY.value: "No severity yet",
    TERMS_ERROR: "Contract terms invalid",  # accord.accounts.terms: the clock cannot be measured
}


@register.simple_tag
def standing_badge(standing: str) -> SafeString:
    """The clock's standing as a badge that reads the same without colour."""
    label = STANDING_LABELS.get(standing, standing)
    return format_html('<span class="badge badge-{}">{}</span>', standing, label)
