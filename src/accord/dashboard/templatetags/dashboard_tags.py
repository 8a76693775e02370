"""Template helpers of the dashboard and the simulator: money and signed deltas as text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext

from accord.core.display import format_percent, format_when
from accord.engine.credits import format_money

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "") -> str:
    """ "1,500.00 USD"; "—" when there is no amount (no monthly fee)."""
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(amount), currency) if currency else f"{Decimal(amount):,.2f}"


@register.filter
def percent(value: Any) -> str:
    """ "6.00%" (a statement's percent string as it stands; "6,00 %" in German)."""
    return format_percent(value)


@register.filter
def signed(value: Any, style: str = "") -> str:
    """A delta with its sign: "+2", "−1.50", "0". Money's keeps the engine's digits, like
    `money`; percentage points (`signed:"points"`) take the active language's decimal sign
    ("+2,00" in German), like `percent`."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if number == 0:
        return "0"
    text = f"{abs(number):,f}"
    if style == "points":
        text = f"{abs(number):f}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
    return f"+{text}" if number > 0 else f"\u2212{text}"


@register.filter
def iso_when(iso: str, zone_name: str) -> str:
    """An ISO 8601 UTC instant from a report ("2026-03-10T16:00:00Z") in a zone, named."""
    from datetime import datetime

    if not iso:
        return "—"
    return format_when(datetime.fromisoformat(iso.replace("Z", "+00:00")), zone_name)


@register.filter
def outcome_label(outcome: str) -> str:
    """A ticket's outcome in the active language ("Met", "Erreicht")."""
    labels = {
        "met": gettext("Met"),
        "breached": gettext("Breached"),
        "open": gettext("Open"),
        "no_severity": gettext("No severity"),
    }
    return labels.get(outcome, outcome)
