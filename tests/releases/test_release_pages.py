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


def test_the_page_is_public_with_a_month_calendar_in_the_regions_zone(world: Any) -> None:
    """A visitor reads the page as /maintenance/ is read: no sign-in, times in the region's
    zone and the zone named, the month's releases on their days, then the lists."""
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    # 02:30 UTC on 15 December is the evening of the 14th in Los Angeles (PST, UTC-8).
    at = datetime(2026, 12, 15, 2, 30, tzinfo=UTC)
    services.record_deployment(mr, "7.1.0", Kind.MINOR, at, "Quicker exports", actor=world.agent)
    response = Client().get("/releases/?region=us&month=2026-12")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Times are shown in America/Los_Angeles." in page
    assert "December 2026" in page and 'rel="prev"' in page and "month=2027-01" in page
    calendar = page[page.index('class="month-calendar"') : page.index("</table>")]
    day_14 = calendar[calendar.index('<span class="day-number">14</span>') :]
    assert day_14.index("7.1.0") < day_14.index('<span class="day-number">15</span>')
    assert "18:30" in day_14[: day_14.index("7.1.0")]
    assert "Mon 14 Dec 2026 18:30 PST" in page  # the list below names the zone on each time
    assert "(UTC)" not in page


def test_every_region_in_utc_for_a_visitor_and_a_signed_in_persons_own_zone(world: Any) -> None:
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    at = datetime(2026, 12, 15, 2, 30, tzinfo=UTC)
    services.record_deployment(mr, "7.1.0", Kind.MINOR, at, "Quicker exports", actor=world.agent)
    page = Client().get("/releases/?month=2026-12").content.decode()
    assert "Times are shown in UTC." in page and "Tue 15 Dec 2026 02:30 UTC" in page
    world.acme_reporter.timezone = "Europe/Berlin"
    world.acme_reporter.save()
    client = Client()
    client.force_login(world.acme_reporter)
    page = client.get("/releases/?region=us&month=2026-12").content.decode()
    assert "Times are shown in Europe/Berlin." in page and "Tue 15 Dec 2026 03:30 CET" in page


def test_a_month_that_is_not_one_is_refused_by_name(world: Any) -> None:
    for bad in ("2026-13", "December", "2026-1", "9999-01"):
        response = Client().get(f"/releases/?month={bad}")
        assert response.status_code == 400, bad
        assert "month: expected a month as YYYY-MM" in response.content.decode()
