"""Template helpers: times in the viewer's zone with the zone named, spans, people's names, and
the one-button form that posts a Django form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms, template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accord.core.display import (
    format_iso_utc,
    format_percent,
    format_span,
    format_weekday_time,
    format_when,
    viewer_zone,
)

# A near instant is named by its weekday ("Mon 08:00 PST") only within this many days of now.
NEAR_DAYS = 6

register = template.Library()


@register.simple_tag(takes_context=True)
def when(context: template.Context, moment: datetime | None, empty: str = "—") -> SafeString:
    """`{% when ticket.due_at %}`: a `<time>` element in the viewer's zone, the zone named."""
    if moment is None:
        return format_html("{}", empty)
    request = context.get("request")
    zone_name = viewer_zone(getattr(request, "user", None))
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        format_iso_utc(moment),
        zone_name,
        format_when(moment, zone_name),
    )


@register.simple_tag(takes_context=True)
def when_near(context: template.Context, moment: datetime | None, empty: str = "—") -> SafeString:
    """`{% when_near clock.counting_resumes_at %}`: "Mon 08:00 PST" within the coming days, the
    whole instant (`when`) further off, so a weekday never stands for another week."""
    if moment is None:
        return format_html("{}", empty)
    if moment - timezone.now() > timedelta(days=NEAR_DAYS):
        return when(context, moment, empty)
    request = context.get("request")
    zone_name = viewer_zone(getattr(request, "user", None))
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        format_iso_utc(moment),
        format_when(moment, zone_name),
        format_weekday_time(moment, zone_name),
    )


@register.simple_tag(takes_context=True)
def viewer_timezone(context: template.Context) -> str:
    request = context.get("request")
    return viewer_zone(getattr(request, "user", None))


@register.filter
def span(seconds: int | None) -> str:
    """`{{ ticket.used_seconds|span }}` -> "3 h 20 min"."""
    return format_span(seconds)


@register.filter
def percent(value: Any) -> str:
    """`{{ row.uptime_percent|percent }}` -> "99.95%" ("99,95 %" in German)."""
    return format_percent(value)


@register.filter
def person(user: Any) -> str:
    """A person's name for a timeline: full name or email, and the role of the vendor's staff."""
    if user is None:
        return "Accord"
    name = user.get_full_name() or user.email
    if getattr(user, "is_vendor_staff", False):
        return f"{name} ({user.get_role_display()})"
    return name


@register.inclusion_tag("core/post_form.html")
def post_form(
    form: forms.BaseForm,
    button: str,
    view: str = "",
    *args: Any,
    anchor: str = "",
    upload: bool = False,
    css_class: str = "",
) -> dict[str, Any]:
    """`{% post_form form "Close the ticket" "ticket_close" ticket.pk anchor="status-heading" %}`:
    a form posting every field of `form` (as Django renders them) with one submit button, to the
    view named as `{% url %}` names it, with its arguments, or back to the page without one;
    `upload` for a form with files. Inclusion tags carry the page's CSRF token over."""
    action = reverse(view, args=args) if view else ""
    if action and anchor:
        action = f"{action}#{anchor}"
    return {"form": form, "button": button, "action": action, "upload": upload, "class": css_class}
