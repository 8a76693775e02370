"""Incidents declared by staff: outage rows, month uptime, pages and API, Severity 1 tickets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.incidents.conftest import module_region, utc

from accord.incidents import services
from accord.incidents.models import IncidentStatus, IncidentTicket
from accord.monitoring.models import Impact, MaintenanceWindow, Outage, Source
from accord.monitoring.services import Terms, month_uptime

NOW = utc("2026-04-02T00:00:00Z")


def declare(world: Any, **kwargs: Any) -> Any:
    values = {
        "title": "Release Manager unavailable",
        "message": "We are investigating.",
        "actor": world.agent,
        "now": NOW,
    }
    values.update(kwargs)
    return services.declare(**values)


# --- lifecycle -> outage rows -> uptime ---------------------------------------------------------


def test_impacts_open_change_and_close_outage_rows(world: Any) -> None:
    release_us, release_uk = module_region(), module_region(region="uk")
    incident = declare(
        world,
        started_at=utc("2026-03-18T10:00:00Z"),
        impacts={release_us: Impact.MAJOR_OUTAGE, release_uk: Impact.DEGRADED},
    )
    rows = Outage.objects.order_by("module_region__region__code")
    assert [(o.source, o.impact, o.end) for o in rows] == [
        (Source.INCIDENT, Impact.DEGRADED, None),
        (Source.INCIDENT, Impact.MAJOR_OUTAGE, None),
    ]
    assert {o.reference for o in rows} == {f"incident:{incident.pk}"}
    assert all(o.start == utc("2026-03-18T10:00:00Z") for o in rows)

    # Changing the impact closes one outage and opens the next.
    services.set_impact(
        incident,
        module_region=release_us,
        impact=Impact.PARTIAL_OUTAGE,
        at=utc("2026-03-18T10:30:00Z"),
        actor=world.agent,
        now=NOW,
    )
    # The same impact again changes nothing.
    services.set_impact(
        incident, module_region=release_us, impact=Impact.PARTIAL_OUTAGE, actor=world.agent, now=NOW
    )
    us_rows = list(Outage.objects.filter(module_region=release_us).order_by("start"))
    assert [(o.impact, o.start, o.end) for o in us_rows] == [
        (Impact.MAJOR_OUTAGE, utc("2026-03-18T10:00:00Z"), utc("2026-03-18T10:30:00Z")),
        (Impact.PARTIAL_OUTAGE, utc("2026-03-18T10:30:00Z"), None),
    ]
    # Operational again on the UK deployment.
    services.set_impact(
        incident,
        module_region=release_uk,
        impact="",
        at=utc("2026-03-18T10:20:00Z"),
        actor=world.agent,
        now=NOW,
    )
    assert Outage.objects.get(module_region=release_uk).end == utc("2026-03-18T10:20:00Z")

    services.post_update(
        incident,
        status=IncidentStatus.IDENTIFIED,
        message="A failed disk.",
        actor=world.agent,
        now=NOW,
    )
    services.resolve(
        incident, message="Replaced.", at=utc("2026-03-18T11:00:00Z"), actor=world.agent, now=NOW
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == utc("2026-03-18T11:00:00Z")
    assert not Outage.objects.filter(end=None).exists()
    assert [u.status for u in incident.updates.all()] == [
        "investigating",
        "identified",
        "resolved",
    ]
    # Under the built-in policy a major outage counts in full and a partial one half.
    result = month_uptime(release_us, Terms.of(world.acme.contract.terms), "2026-03", now=NOW)
    assert result.downtime_seconds == 30 * 60 + 15 * 60
    uk = month_uptime(release_uk, Terms.of(world.acme.contract.terms), "2026-03", now=NOW)
    assert uk.downtime_seconds == 0  # degraded performance does not count


def test_an_incident_outage_overrunning_the_weekly_window_counts_from_its_end(world: Any) -> None:
    release_us = module_region()
    # Wednesday 11 March 2026 is in PDT: the window is 08:00-08:30 UTC.
    incident = declare(
        world, started_at=utc("2026-03-11T08:10:00Z"), impacts={release_us: Impact.MAJOR_OUTAGE}
    )
    services.resolve(
        incident, message="Fixed.", at=utc("2026-03-11T08:45:00Z"), actor=world.agent, now=NOW
    )
    # Wednesday 4 March 2026 is in PST: the window is 09:00-09:30 UTC, so 08:50-09:00 counts
    # and 09:30-09:40 counts: 20 minutes.
    winter = declare(
        world,
        title="Winter",
        started_at=utc("2026-03-04T08:50:00Z"),
        impacts={release_us: Impact.MAJOR_OUTAGE},
    )
    services.resolve(
        winter, message="Fixed.", at=utc("2026-03-04T09:40:00Z"), actor=world.agent, now=NOW
    )
    result = month_uptime(release_us, Terms.of(world.acme.contract.terms), "2026-03", now=NOW)
    assert result.downtime_seconds == 15 * 60 + 20 * 60


def test_an_adhoc_window_across_the_dst_change(world: Any) -> None:
    """Sunday 8 March 2026, 01:00 PST to 04:00 PDT is two real hours (02:00-03:00 does not
    exist), announced a week ahead; an incident overruns it by 40 minutes."""
    release_us = module_region()
    start, end = utc("2026-03-08T09:00:00Z"), utc("2026-03-08T11:00:00Z")
    window = services.schedule_maintenance(
        region=release_us.region,
        title="Database upgrade",
        start=start,
        end=end,
        actor=world.agent,
        now=start - timedelta(days=7),
    )
    incident = declare(
        world, started_at=utc("2026-03-08T10:00:00Z"), impacts={release_us: Impact.MAJOR_OUTAGE}
    )
    services.resolve(
        incident, message="Done.", at=utc("2026-03-08T11:40:00Z"), actor=world.agent, now=NOW
    )
    terms = Terms.of(world.acme.contract.terms)
    result = month_uptime(release_us, terms, "2026-03", now=NOW)
    assert result.downtime_seconds == 40 * 60
    assert result.maintenance_seconds == 4 * 30 * 60 + 2 * 3600
    services.cancel_maintenance(window, actor=world.agent, now=start - timedelta(hours=1))
    assert month_uptime(release_us, terms, "2026-03", now=NOW).downtime_seconds == 100 * 60


def test_refusals_name_the_field(world: Any) -> None:
    with pytest.raises(services.Refused, match="^title: "):
        declare(world, title=" ")
    with pytest.raises(services.Refused, match="^message: "):
        declare(world, message="")
    with pytest.raises(services.Refused, match="^started_at: "):
        declare(world, started_at=NOW + timedelta(hours=1))
    with pytest.raises(services.NotPermitted):
        declare(world, actor=world.acme_admin)
    incident = declare(world, started_at=utc("2026-03-18T10:00:00Z"))
    with pytest.raises(services.Refused, match="^at: "):
        services.set_impact(
            incident,
            module_region=module_region(),
            impact=Impact.MAJOR_OUTAGE,
            at=utc("2026-03-18T09:00:00Z"),
            actor=world.agent,
            now=NOW,
        )
    services.resolve(incident, message="ok", actor=world.agent, now=NOW)
    with pytest.raises(services.StateConflict):
        services.resolve(incident, message="again", actor=world.agent, now=NOW)
    with pytest.raises(services.StateConflict):
        services.set_impact(
            incident, module_region=module_region(), impact="", actor=world.agent, now=NOW
        )


# --- Severity 1 tickets ---------------------------------------------------------------------------


def sev1(world: Any, organisation: Any = None) -> Any:
    from accord.helpdesk import services as helpdesk

    organisation = organisation or world.acme
    reporter = world.acme_reporter if organisation == world.acme else world.globex_reporter
    return helpdesk.report(
        reporter=reporter,
        organisation=organisation,
        new=helpdesk.NewTicket(module=world.module, summary="Nothing loads", severity=1),
        now=utc("2026-03-18T10:05:00Z"),
    )


def test_confirming_a_sev1_ticket_creates_an_incident_with_a_major_outage(world: Any) -> None:
    ticket = sev1(world)
    link = services.confirm_total_outage(
        ticket, actor=world.agent, now=NOW, customer_only=False, title="RM down in the US"
    )
    incident = link.incident
    assert incident.public and incident.is_open and incident.title == "RM down in the US"
    outage = Outage.objects.get()
    assert (outage.source, outage.impact, outage.organisation) == (
        Source.INCIDENT,
        Impact.MAJOR_OUTAGE,
        None,
    )
    assert outage.start == ticket.reported_at
    # A second customer's Severity 1 ticket links to the same open incident.
    other = sev1(world, world.globex)
    again = services.confirm_total_outage(
        other, actor=world.agent, now=NOW, customer_only=False, incident=incident
    )
    assert again.incident == incident
    assert Outage.objects.count() == 1
    with pytest.raises(services.StateConflict, match="already linked"):
        services.confirm_total_outage(ticket, actor=world.agent, now=NOW, customer_only=False)


def test_a_fault_that_hit_one_customer_counts_for_that_customer_only(world: Any) -> None:
    ticket = sev1(world)
    link = services.confirm_total_outage(ticket, actor=world.agent, now=NOW, customer_only=True)
    assert not link.incident.public
    outage = Outage.objects.get()
    assert (outage.source, outage.organisation, outage.reference) == (
        Source.TICKET,
        world.acme,
        f"ticket:{ticket.pk}",
    )
    services.resolve(
        link.incident, message="ok", at=utc("2026-03-18T11:05:00Z"), actor=world.agent, now=NOW
    )
    terms = Terms.of(world.acme.contract.terms)
    release_us = module_region()
    acme = month_uptime(release_us, terms, "2026-03", organisation=world.acme, now=NOW)
    globex = month_uptime(release_us, terms, "2026-03", organisation=world.globex, now=NOW)
    assert (acme.downtime_seconds, globex.downtime_seconds) == (3600, 0)
    assert ticket.comments.get().internal


def test_only_severity_1_tickets_can_be_confirmed(world: Any) -> None:
    from accord.helpdesk import services as helpdesk

    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Slow", severity=2),
    )
    with pytest.raises(services.StateConflict, match="Severity 1"):
        services.confirm_total_outage(ticket, actor=world.agent, now=NOW, customer_only=False)


def test_the_ticket_page_offers_the_action_to_staff_and_shows_the_link(
    world: Any, signed_in: Any
) -> None:
    ticket = sev1(world)
    page = signed_in(world.agent).get(reverse("ticket_detail", args=[ticket.pk]))
    assert "Confirm as total outage" in page.content.decode()
    customer_page = signed_in(world.acme_reporter).get(reverse("ticket_detail", args=[ticket.pk]))
    assert "Confirm as total outage" not in customer_page.content.decode()

    url = reverse("ticket_confirm_outage", args=[ticket.pk])
    assert signed_in(world.acme_admin).post(url, {"outage-scope": "region"}).status_code == 404
    agent = signed_in(world.agent)
    for started_at, error in (("tomorrow", "YYYY-MM-DD HH:MM"), ("2099-01-01 00:00", "future")):
        response = agent.post(
            url,
            {"outage-scope": "customer", "outage-incident": "new", "outage-started_at": started_at},
        )
        assert response.status_code == 200  # the form again, with the error beside the field
        assert error in response.content.decode()
    assert IncidentTicket.objects.count() == 0


def test_confirming_from_the_ticket_page(world: Any, signed_in: Any) -> None:
    ticket = sev1(world)
    url = reverse("ticket_confirm_outage", args=[ticket.pk])
    response = signed_in(world.agent).post(
        url,
        {
            "outage-scope": "customer",
            "outage-incident": "new",
            "outage-started_at": "2026-03-18T10:00:00Z",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = IncidentTicket.objects.get()
    assert link.customer_only
    outage = Outage.objects.get()
    assert outage.start == utc("2026-03-18T10:00:00Z") and outage.organisation == world.acme
    staff_page = signed_in(world.agent).get(reverse("ticket_detail", args=[ticket.pk])).content
    assert reverse("incident_detail", args=[link.incident.pk]).encode() in staff_page
    customer_page = signed_in(world.acme_reporter).get(reverse("ticket_detail", args=[ticket.pk]))
    text = customer_page.content.decode()
    assert "Confirmed as a total outage" in text
    assert reverse("incident_detail", args=[link.incident.pk]) not in text


# --- pages: staff only ----------------------------------------------------------------------------

STAFF_PAGES = ["incident_list", "incident_new", "external_sources", "maintenance_schedule"]


def test_staff_pages_are_not_found_for_customers(world: Any, signed_in: Any) -> None:
    incident = declare(world)
    pages = [reverse(name) for name in STAFF_PAGES]
    pages.append(reverse("incident_detail", args=[incident.pk]))
    posts = [
        reverse(name, args=[incident.pk])
        for name in ("incident_update", "incident_impact", "incident_resolve")
    ]
    for user in world.customers():
        client = signed_in(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {"resolve-message": "x"}).status_code == 404, (user, url)
    for user in world.staff():
        client = signed_in(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user, url)
    assert Client().get(pages[0]).status_code == 302  # anonymous: sign in first
    incident.refresh_from_db()
    assert incident.is_open


def test_declare_update_impact_and_resolve_through_the_pages(world: Any, signed_in: Any) -> None:
    client = signed_in(world.manager)
    release_us = module_region()
    response = client.post(
        reverse("incident_new"),
        {
            "title": "Reporting is slow",
            "status": "investigating",
            "message": "Looking into it.",
            "public": "on",
            f"impact_{release_us.pk}": "partial_outage",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = services.open_incidents().get()
    detail = reverse("incident_detail", args=[incident.pk])
    assert response.url == detail
    assert "Reporting is slow" in client.get(detail).content.decode()

    bad = client.post(reverse("incident_update", args=[incident.pk]), {"update-status": "x"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    ok = client.post(
        reverse("incident_update", args=[incident.pk]),
        {"update-status": "identified", "update-message": "Found it."},
    )
    assert ok.status_code == 302
    changed = client.post(
        reverse("incident_impact", args=[incident.pk]),
        {"impact-target": f"mr:{release_us.pk}", "impact-impact": "major_outage"},
    )
    assert changed.status_code == 302
    assert Outage.objects.filter(impact=Impact.MAJOR_OUTAGE, end=None).count() == 1
    resolved = client.post(
        reverse("incident_resolve", args=[incident.pk]), {"resolve-message": "Fixed."}
    )
    assert resolved.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert not Outage.objects.filter(end=None).exists()


def test_external_sources_page_shows_the_token_once(world: Any, signed_in: Any) -> None:
    client = signed_in(world.vendor_admin)
    response = client.post(
        reverse("external_sources"),
        {
            "name": "Prometheus EU",
            "kind": "alertmanager",
            "module_label": "module",
            "region_label": "region",
            "impact": "major_outage",
        },
    )
    assert response.status_code == 302
    first = client.get(reverse("external_sources")).content.decode()
    assert "acs_" in first and "shown this once" in first
    assert "shown this once" not in client.get(reverse("external_sources")).content.decode()


# --- the API --------------------------------------------------------------------------------------


def api(user: Any) -> Client:
    from accord.accounts.models import ApiToken

    _, secret = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_declares_updates_changes_impacts_and_resolves(world: Any) -> None:
    client = api(world.agent)
    created = client.post(
        "/api/incidents",
        json.dumps(
            {
                "title": "Stryka down",
                "message": "Investigating.",
                "started_at": "2026-03-18T10:00:00Z",
                "impacts": [{"module": "stryka", "region": "uk", "impact": "major_outage"}],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["impacts"][0]["module"] == "stryka" and body["impacts"][0]["start"] == (
        "2026-03-18T10:00:00Z"
    )
    incident_id = body["id"]
    update = client.post(
        f"/api/incidents/{incident_id}/updates",
        json.dumps({"status": "monitoring", "message": "A fix is out."}),
        content_type="application/json",
    )
    assert update.status_code == 201 and update.json()["status"] == "monitoring"
    impact = client.post(
        f"/api/incidents/{incident_id}/impacts",
        json.dumps(
            {
                "module": "Stryka",
                "region": "uk",
                "impact": "degraded",
                "at": "2026-03-18T10:30:00Z",
            }
        ),
        content_type="application/json",
    )
    assert impact.status_code == 200, impact.content
    assert [o["impact"] for o in impact.json()["outages"]] == ["major_outage", "degraded"]
    resolved = client.post(
        f"/api/incidents/{incident_id}/resolve",
        json.dumps({"message": "All good.", "at": "2026-03-18T11:00:00Z"}),
        content_type="application/json",
    )
    assert resolved.status_code == 200
    assert resolved.json()["impacts"] == [] and resolved.json()["resolved_at"] == (
        "2026-03-18T11:00:00Z"
    )
    again = client.post(
        f"/api/incidents/{incident_id}/resolve",
        json.dumps({"message": "again"}),
        content_type="application/json",
    )
    assert again.status_code == 409
    listed = client.get("/api/incidents?open=true")
    assert listed.status_code == 200 and listed.json() == []


def test_the_api_is_not_found_for_customers(world: Any) -> None:
    incident = declare(world)
    for user in world.customers():
        client = api(user)
        assert client.get("/api/incidents").status_code == 404
        assert client.get(f"/api/incidents/{incident.pk}").status_code == 404
        response = client.post(
            "/api/incidents",
            json.dumps({"title": "x", "message": "y"}),
            content_type="application/json",
        )
        assert response.status_code == 404
    assert Client().get("/api/incidents").status_code == 401


def test_the_api_refuses_bad_input_naming_the_field(world: Any) -> None:
    client = api(world.agent)
    bad_module = client.post(
        "/api/incidents",
        json.dumps(
            {
                "title": "x",
                "message": "y",
                "impacts": [{"module": "nope", "region": "us", "impact": "major_outage"}],
            }
        ),
        content_type="application/json",
    )
    assert bad_module.status_code == 400
    assert bad_module.json()["detail"].startswith("impacts[0].module: ")
    naive = client.post(
        "/api/incidents",
        json.dumps({"title": "x", "message": "y", "started_at": "2026-03-18T10:00:00"}),
        content_type="application/json",
    )
    assert naive.status_code == 422
    assert "started_at" in json.dumps(naive.json())


def test_the_api_confirms_a_sev1_ticket(world: Any) -> None:
    ticket = sev1(world)
    response = api(world.agent).post(
        f"/api/tickets/{ticket.pk}/total-outage",
        json.dumps({"customer_only": False}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["tickets"] == [ticket.pk]
    assert (
        api(world.globex_admin)
        .post(
            f"/api/tickets/{ticket.pk}/total-outage",
            json.dumps({"customer_only": False}),
            content_type="application/json",
        )
        .status_code
        == 404
    )


def test_maintenance_window_model_is_untouched_by_incidents(world: Any) -> None:
    declare(world)
    assert MaintenanceWindow.objects.count() == 0
