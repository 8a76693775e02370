"""`{% ticket_ownership ticket %}`: the ticket page's ownership panel.

Staff see the assignee and the group, and the form to change them (accord.helpdesk.assignment
has the rules); customers see only whether Support has taken the ticket, never who.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.accounts.access import is_staff

register = template.Library()


@register.inclusion_tag("helpdesk/_ticket_ownership.html", takes_context=True)
def ticket_ownership(context: template.Context, ticket: Any) -> dict[str, Any]:
    from accord.helpdesk.assignment_views import assign_form

    request = context.get("request")
    user = getattr(request, "user", None)
    staff = bool(user) and is_staff(user)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "staff": staff,
        "form": assign_form(ticket) if staff else None,
    }
