"""What an outage's `reference` ("check:13", "incident:3", "ticket:5") means to a reader.

A frozen report keeps the reference as it was stored; the page, the PDF and the email name
what it points at instead: the health check's name, the incident's title, the ticket's number
and summary. A link goes with it only where the viewer may open the page (staff open
incidents; a ticket is the report's own customer's, opened by its admins and by staff). A
reference whose row is gone, or of a kind not listed here (an alert's key), is shown as
nothing rather than as a code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from accord.helpdesk.models import Ticket
from accord.incidents.models import Incident
from accord.probes.models import HealthCheck
from accord.reports import schema


@dataclass(frozen=True)
class Reference:
    label: str
    url: str | None = None


def _ids(references: set[str], kind: str) -> dict[int, str]:
    out = {}
    for reference in references:
        prefix, _, number = reference.partition(":")
        if prefix == kind and number.isdigit():
            out[int(number)] = reference
    return out


def resolve(
    report: schema.Report, *, staff: bool = False, links: bool = True
) -> dict[str, Reference]:
    """Each outage reference of the report, named (and linked when `links` and allowed)."""
    references = {o.reference for m in report.uptime for o in m.outages if o.reference}
    out: dict[str, Reference] = {}
    checks = _ids(references, "check")
    for pk, name in HealthCheck.objects.filter(pk__in=checks).values_list("pk", "name"):
        out[checks[pk]] = Reference(gettext("health check “%(name)s”") % {"name": name})
    incidents = _ids(references, "incident")
    for pk, title in Incident.objects.filter(pk__in=incidents).values_list("pk", "title"):
        url = reverse("incident_detail", kwargs={"pk": pk}) if links and staff else None
        out[incidents[pk]] = Reference(gettext("incident “%(title)s”") % {"title": title}, url)
    tickets = _ids(references, "ticket")
    rows = Ticket.objects.filter(pk__in=tickets, organisation__slug=report.customer.slug)
    for pk, summary in rows.values_list("pk", "summary"):
        url = reverse("ticket_detail", kwargs={"pk": pk}) if links else None
        label = gettext("ticket #%(id)s “%(summary)s”") % {"id": pk, "summary": summary}
        out[tickets[pk]] = Reference(label, url)
    return out
