"""The portal's release page and the public iCalendar feed of a region's releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import Client
from icalendar import Calendar

from accord.monitoring.models import ModuleRegion
from accord.releases import services
from accord.releases.models import Kind


def setup_releases(world: Any) -> list[Any]:
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    now = datetime.now(UTC)
    services.record_deployment(
        mr, "5.2.1", Kind.EMERGENCY, now - timedelta(days=3), "Exports fixed", actor=world.agent
    )
    services.record_deployment(
        mr, "5.3.0", Kind.MINOR, now - timedelta(days=1), "Faster search", actor=world.agent
    )
    planned = services.plan_from_cadence(now, now + timedelta(days=15), module_regions=[mr])
    planned[0].notes = "New dashboard"
    planned[0].save()
    return planned


def test_customers_see_their_regions_releases(world: Any) -> None:
    planned = setup_releases(world)
    client = Client()
    assert client.get("/releases/").status_code == 302
    client.force_login(world.globex_reporter)
    page = client.get("/releases/").content.decode()
    assert planned[0].version in page and "New dashboard" in page
    assert "Faster search" in page and "contained in 5.3.0" in page
    assert "/releases/us.ics" in page


def test_the_ics_feed_is_public_and_lists_releases(world: Any) -> None:
    planned = setup_releases(world)
    response = Client().get("/releases/us.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = {str(e["summary"]) for e in calendar.walk("VEVENT")}
    assert any("5.3.0" in s for s in summaries)
    assert any(planned[0].version in s for s in summaries)
    assert Client().get("/releases/nowhere.ics").status_code == 404


def test_the_ticket_page_shows_the_release_that_fixed_it(world: Any) -> None:
    from accord.helpdesk import services as helpdesk
    from accord.helpdesk.models import Repair, Status

    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Exports fail", severity=2),
    )
    helpdesk.change_status(ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY)
    client = Client()
    client.force_login(world.acme_reporter)
    assert "fixing-release" not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    services.record_deployment(
        mr, "5.2.2", Kind.EMERGENCY, datetime.now(UTC), tickets=[ticket], actor=world.agent
    )
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Permanent fix: release <strong>5.2.2</strong>" in page


def test_the_region_status_page_lists_upcoming_releases(world: Any) -> None:
    planned = setup_releases(world)
    page = Client().get("/status/us/").content.decode()
    assert "Upcoming releases" in page and planned[0].version in page
    assert "New dashboard" in page and "/releases/us.ics" in page
    assert "Upcoming releases" not in Client().get("/status/").content.decode()
