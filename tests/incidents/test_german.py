"""A German-speaking member of staff reads the incident pages and the help-centre editor in
German (User.language), the titles they typed as written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.incidents.conftest import module_region, utc

from accord.helpcentre import services as helpcentre
from accord.helpcentre.services import Content
from accord.incidents import services
from accord.monitoring.models import Impact

pytestmark = pytest.mark.django_db

NOW = utc("2026-04-02T00:00:00Z")


def test_the_incident_list_and_page_in_german(world: Any, german_client: Any) -> None:
    incident = services.declare(
        title="Release Manager unavailable",
        status="investigating",
        message="We are investigating.",
        started_at=utc("2026-04-01T10:00:00Z"),
        public=True,
        impacts={module_region(): Impact.MAJOR_OUTAGE},
        actor=world.vendor_admin,
        now=NOW,
    )
    client = german_client(world.agent)
    html = client.get(reverse("incident_list")).content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Vorfälle</h1>" in html and "Vorfall melden" in html
    assert "Offene Vorfälle" in html and "Wird untersucht" in html
    assert "Release Manager unavailable" in html  # the title as typed
    assert "Declare an incident" not in html and "Investigating" not in html

    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Aktuelle Auswirkung" in page and "Totalausfall" in page
    assert "Meldung veröffentlichen" in page and "Vorfall beheben" in page
    assert "We are investigating." in page  # the public update's text as written
    assert "Post an update" not in page and "Major outage" not in page
    assert "&lt;time" not in page  # the times inside sentences stay elements

    for name, german in [
        ("external_sources", "Monitor hinzufügen"),
        ("maintenance_schedule", "Planen und ankündigen"),
    ]:
        other = client.get(reverse(name)).content.decode()
        assert german in other and "&lt;a" not in other and "&lt;code" not in other


def test_the_help_centre_editor_in_german(world: Any, german_client: Any) -> None:
    content = Content(
        title="Resetting your password",
        category="Accounts",
        visibility="public",
        body="Use the *Forgot password* link.",
    )
    article = helpcentre.create_article(slug="reset", content=content, author=world.vendor_admin)
    helpcentre.publish(article=article, content=content, author=world.vendor_admin)
    client = german_client(world.agent)
    html = client.get(reverse("help_staff_articles")).content.decode()
    assert "<h1>Artikel des Hilfecenters</h1>" in html and "Neuen Artikel schreiben" in html
    assert "Veröffentlicht, öffentlich" in html and "Version 1," in html
    assert "Resetting your password" in html
    assert "Write a new article" not in html and "Pending draft" not in html

    editor = client.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "Entwurf speichern" in editor and "Veröffentlichte Versionen" in editor
    assert "Kategorie" in editor and "Sichtbarkeit" in editor
    assert "Save draft" not in editor and "Published versions" not in editor
    assert "den veröffentlichten Text</a>" in editor  # the link inside the sentence stays one


def _ticket(world: Any, severity: int) -> Any:
    from accord.helpdesk import services as helpdesk

    return helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Slow", severity=severity),
        now=utc("2026-03-18T10:05:00Z"),
    )


def test_why_a_ticket_cannot_be_confirmed_is_german_on_the_page_and_english_in_the_api(
    world: Any, german_client: Any
) -> None:
    import json

    from accord.accounts.models import ApiToken

    ticket = _ticket(world, severity=2)
    client = german_client(world.agent)
    page = client.get(reverse("ticket_confirm_outage", args=[ticket.pk])).content.decode()
    assert (
        "Dieses Ticket kann nicht bestätigt werden: nur ein Ticket mit Schweregrad 1 kann als "
        "Totalausfall bestätigt werden." in page
    )
    assert "only a Severity 1 ticket" not in page
    _, secret = ApiToken.issue(world.agent, "test")  # the same German-speaking person
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        f"/api/tickets/{ticket.pk}/total-outage",
        json.dumps({"customer_only": False}),
        content_type="application/json",
    )
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": "only a Severity 1 ticket can be confirmed as a total outage"
    }


def test_a_refusal_beside_its_field_is_german(world: Any, german_client: Any) -> None:
    ticket = _ticket(world, severity=1)
    answer = german_client(world.agent).post(
        reverse("ticket_confirm_outage", args=[ticket.pk]),
        {
            "outage-scope": "customer",
            "outage-incident": "new",
            "outage-started_at": "2099-01-01 00:00",
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "Kann nicht in der Zukunft liegen." in page
    assert "cannot be in the future" not in page


def test_outage_sources_are_german_on_the_incident_page(world: Any, german_client: Any) -> None:
    incident = services.declare(
        title="Release Manager unavailable",
        message="We are investigating.",
        started_at=utc("2026-04-01T10:00:00Z"),
        impacts={module_region(): Impact.MAJOR_OUTAGE},
        actor=world.vendor_admin,
        now=NOW,
    )
    page = german_client(world.agent).get(reverse("incident_detail", args=[incident.pk]))
    html = page.content.decode()
    assert "Von Mitarbeitenden gemeldeter Vorfall" in html
    assert "Incident declared by staff" not in html
