"""The agents' queue: open tickets by time to breach, filters, times in the viewer's zone."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from accord.catalogue.models import Module, Region
from accord.helpdesk import services
from accord.helpdesk.models import Status

from .conftest import ClientFor, MakeTicket


def listed(body: str) -> list[str]:
    """The ticket summaries in the queue, in order."""
    return re.findall(r'<a href="/tickets/\d+/">#\d+ ([^<]+)</a>', body)


def test_the_queue_is_for_staff_only(world: Any, client_for: ClientFor) -> None:
    for user in world.customers():
        assert client_for(user).get(reverse("queue")).status_code == 404
    for user in world.staff():
        assert client_for(user).get(reverse("queue")).status_code == 200


def test_open_tickets_sorted_by_time_to_breach_breached_first(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket, frozen_now: Any
) -> None:
    make_ticket("acme", severity=None, at=None, summary="No severity yet")
    make_ticket("globex", severity=4, at=None, summary="Normal, due in a week")
    make_ticket("acme", severity=2, at="09T09:00", summary="High, breached in March")
    make_ticket("globex", severity=1, at="09T09:00", summary="Critical, breached in March")
    restored = make_ticket("acme", severity=1, at=None, summary="Already restored")
    services.change_status(restored, Status.RESTORED, actor=world.agent, repair="permanent")

    body = client_for(world.agent).get(reverse("queue")).content.decode()
    assert listed(body) == [
        "Critical, breached in March",
        "High, breached in March",
        "Normal, due in a week",
        "No severity yet",
    ]
    assert "4 open tickets" in body
    assert "Breached" in body and "On track" in body and "No severity yet" in body
    # Remaining support time, and the due time in the viewer's zone with the zone named.
    assert "over by" in body and "2 days 22 h" in body  # 70 h: days and hours
    # Staff without a zone of their own: the vendor's (ACCORD_VENDOR_TIMEZONE), named.
    assert "Mon 9 Mar 2026 13:00 PDT" in body
    assert "Times are shown in America/Los_Angeles" in body
    world.agent.timezone = "America/New_York"
    world.agent.save()
    body = client_for(world.agent).get(reverse("queue")).content.decode()
    assert "Mon 9 Mar 2026 16:00 EDT" in body and "Times are shown in America/New_York" in body


def test_filters_by_severity_module_region_and_customer(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    reporting = Module.objects.get(slug="reporting")
    make_ticket("acme", severity=1, summary="Acme critical")
    make_ticket("acme", severity=3, summary="Acme medium", module=reporting)
    make_ticket("globex", severity=1, summary="Globex critical")
    make_ticket("globex", severity=None, at=None, summary="Globex undesignated")
    client = client_for(world.manager)

    def queue(**query: Any) -> list[str]:
        response = client.get(reverse("queue"), query)
        assert response.status_code == 200
        return listed(response.content.decode())

    assert set(queue(severity="1")) == {"Acme critical", "Globex critical"}
    assert queue(severity="none") == ["Globex undesignated"]
    assert queue(module=reporting.pk) == ["Acme medium"]
    assert set(queue(customer=world.globex.pk)) == {"Globex critical", "Globex undesignated"}
    assert queue(customer=world.acme.pk, severity="1") == ["Acme critical"]
    uk = Region.objects.get(code="uk")
    assert queue(region=uk.pk) == []
    assert len(queue(region=world.acme.region.pk)) == 4
    # Nonsense is shown as an error on the filter, the valid filters still apply.
    response = client.get(reverse("queue"), {"severity": "9", "customer": world.acme.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_severity_error"' in body
    assert set(listed(body)) == {"Acme critical", "Acme medium"}
    assert client.get(reverse("queue"), {"module": "x", "page": "999"}).status_code == 200
