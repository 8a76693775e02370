"""`{% ticket_outage ticket %}`: the ticket page's "total outage" panel.

For staff on a Severity 1 ticket not yet linked: the "Confirm as total outage" form. For
anyone who sees the ticket, once it is linked: the incident it belongs to.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.accounts.access import is_staff
from accord.core.display import viewer_zone
from accord.incidents import services
from accord.incidents.forms import ConfirmOutageForm
from accord.incidents.models import IncidentTicket

register = template.Library()


@register.inclusion_tag("incidents/_ticket_outage.html", takes_context=True)
def ticket_outage(context: template.Context, ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    staff = is_staff(user) if user is not None else False
    link = IncidentTicket.objects.select_related("incident").filter(ticket=ticket).first()
    form = None
    if link is None and staff and not services.can_confirm(ticket):
        form = ConfirmOutageForm(zone_name=viewer_zone(user), prefix="outage")
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "link": link,
        "form": form,
        "staff": staff,
    }
