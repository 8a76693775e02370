"""An honest clock: outside support hours a running ticket says it is not counting and when it
counts again; spans in days and hours; the status form offers what makes sense now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accord.core.display import format_span
from accord.helpdesk import services
from accord.helpdesk.models import Repair, Status

pytestmark = pytest.mark.django_db

# Friday 13 March 2026 17:00 PDT (support hours: Monday-Friday 08:00-18:00 Los Angeles).
REPORTED = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)  # 20:00 PDT
MONDAY_MORNING = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)  # 10:00 PDT


def _report(world: Any, severity: int = 2) -> Any:
    return services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=severity),
        now=REPORTED,
    )


def _page(user: Any, name: str, *args: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def _at(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)


def test_outside_support_hours_the_ticket_says_when_counting_resumes(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _report(world)
    _at(monkeypatch, FRIDAY_EVENING)
    customer = _page(world.acme_reporter, "ticket_detail", ticket.pk)
    assert "Paused outside support hours — counting resumes" in customer
    assert "Mon 08:00 PDT" in customer  # the customer's region zone, named
    assert "Clock running" not in customer
    # The help desk is 24/7, the targets count support hours: said once, with the SLA article.
    assert "open 24/7" in customer and f'href="{reverse("help_sla")}"' in customer

    world.agent.timezone = "Europe/London"
    world.agent.save()
    assert "Mon 15:00 GMT" in _page(world.agent, "ticket_detail", ticket.pk)  # the viewer's zone
    queue = _page(world.agent, "queue")
    assert "Paused outside support hours — counting resumes" in queue and "Mon 15:00 GMT" in queue
    listed = _page(world.acme_reporter, "ticket_list")
    assert "Paused outside support hours — counting resumes" in listed


def test_inside_support_hours_the_clock_runs(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = _report(world)
    _at(monkeypatch, MONDAY_MORNING)
    body = _page(world.acme_reporter, "ticket_detail", ticket.pk)
    assert "Clock running" in body and "Paused outside support hours" not in body
    assert "Paused outside support hours" not in _page(world.agent, "queue")


def test_a_stopped_clock_says_stopped_not_paused(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _report(world)
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY, now=REPORTED
    )
    _at(monkeypatch, FRIDAY_EVENING)
    body = _page(world.acme_reporter, "ticket_detail", ticket.pk)
    assert "Clock stopped" in body and "Paused outside support hours" not in body


@pytest.mark.parametrize(
    ("seconds", "english", "german"),
    [
        (None, "—", "—"),
        (20 * 60 + 59, "20 min", "20 Min."),
        (3 * 3600 + 20 * 60, "3 h 20 min", "3 Std. 20 Min."),
        (24 * 3600, "1 day", "1 Tag"),
        (3 * 86400 + 4 * 3600 + 59 * 60, "3 days 4 h", "3 Tage 4 Std."),
        (2109 * 3600 + 11 * 60, "88 days", "88 Tage"),  # never "2109 h 11 min"
        (-(70 * 3600), "2 days 22 h", "2 Tage 22 Std."),  # the caller says "over by"
    ],
)
def test_spans_in_days_and_hours_in_the_active_language(
    seconds: int | None, english: str, german: str
) -> None:
    with translation.override("en"):
        assert format_span(seconds) == english
    with translation.override("de"):
        assert format_span(seconds) == german


def test_after_a_restoration_the_status_form_offers_no_repair(world: Any) -> None:
    ticket = _report(world)
    body = _page(world.agent, "ticket_detail", ticket.pk)
    assert 'name="status-repair"' in body  # restoring says how
    services.change_status(ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY)
    body = _page(world.agent, "ticket_detail", ticket.pk)
    assert 'name="status-repair"' not in body
    assert 'value="fix_delivered"' in body and 'value="closed"' in body
    assert 'value="restored"' not in body

    permanent = _report(world)
    services.change_status(permanent, Status.RESTORED, actor=world.agent, repair=Repair.PERMANENT)
    body = _page(world.agent, "ticket_detail", permanent.pk)
    assert 'value="fix_delivered"' not in body  # a permanent repair has no later fix
    assert 'value="closed"' in body

    client = Client()
    client.force_login(world.agent)
    done = client.post(
        reverse("ticket_status", args=[ticket.pk]), {"status-status": "fix_delivered"}
    )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.FIX_DELIVERED


def test_a_german_user_sees_the_ticket_page_and_queue_in_german(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _report(world)
    _at(monkeypatch, FRIDAY_EVENING)
    world.acme_reporter.language = "de"
    world.acme_reporter.save()
    body = _page(world.acme_reporter, "ticket_detail", ticket.pk)
    assert '<html lang="de">' in body
    assert "Uhr bis zur Wiederherstellung" in body and "Verbleibend" in body
    assert "Außerhalb der Supportzeiten angehalten — gezählt wird wieder ab" in body
    assert "Mo., 08:00 PDT" in body
    assert "Std." in body and "Supportzeit" in body  # "8 Std. 0 Min. Supportzeit"
    assert "Return-to-service clock" not in body

    world.agent.language = "de"
    world.agent.save()
    queue = _page(world.agent, "queue")
    assert "Warteschlange" in queue and "Verbleibend" in queue and "1 offenes Ticket" in queue
    assert "Open tickets" not in queue
