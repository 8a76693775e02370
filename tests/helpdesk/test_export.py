"""Tickets as CSV: the queue's and the ticket list's "Download CSV", and `GET /api/tickets.csv`:
exactly the rows the filters select (every page), streamed, one value a column, times in UTC,
formulas neutralised, customer admins their own organisation only (docs/helpdesk.md)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from accord.helpdesk import assignment, list_views, services
from accord.helpdesk.export import HEADER, safe_cell
from accord.helpdesk.models import Status

from .conftest import agent_team, open_ticket


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_a_cell_that_would_be_a_formula_is_prefixed() -> None:
    for text in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Plain") == "Plain"
    assert safe_cell(-5) == -5  # a number stays a number


def test_the_queue_export_keeps_the_filters_and_every_page(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "PAGE_SIZE", 2)
    team = agent_team(world)
    tickets = [open_ticket(world, summary=f"Acme fault {n}") for n in range(3)]
    globex = open_ticket(world, world.globex, summary='=HYPERLINK("http://evil")')
    assignment.assign(tickets[0], actor=world.manager, assignee=team.bo, group=team.platform)
    client = _client(world.agent)
    rows = _csv(client.get(reverse("queue_export")))
    assert len(rows) == 4  # all pages, not only the first two
    assert {r["Summary"] for r in rows} >= {"Acme fault 0", "Acme fault 1", "Acme fault 2"}
    assert '\'=HYPERLINK("http://evil")' in {r["Summary"] for r in rows}
    acme = _csv(client.get(reverse("queue_export") + f"?customer={world.acme.pk}"))
    assert {r["Organisation"] for r in acme} == {"Acme Corp"} and len(acme) == 3
    group = _csv(client.get(reverse("queue_export") + "?view=group"))
    assert [(r["Ticket"], r["Assignee"], r["Group"]) for r in group] == [
        (str(tickets[0].pk), "bo@vendor.test", "Platform")
    ]
    unassigned = _csv(client.get(reverse("queue_export") + "?view=unassigned"))
    assert {int(r["Ticket"]) for r in unassigned} == {tickets[1].pk, tickets[2].pk, globex.pk}
    page = client.get(reverse("queue") + f"?view=group&customer={world.acme.pk}")
    assert f"/queue/export.csv?view=group&amp;customer={world.acme.pk}" in page.content.decode()


def test_one_value_a_column_times_in_utc_minutes_and_yes_no(world: Any) -> None:
    reported = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # Monday 09:00 in Los Angeles
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=1),
        now=reported,
    )
    services.change_status(
        ticket, Status.ACKNOWLEDGED, actor=world.agent, now=reported + timedelta(minutes=12)
    )
    services.change_status(
        ticket,
        Status.IN_PROGRESS,
        actor=world.agent,
        now=reported + timedelta(minutes=20),
    )
    services.change_status(
        ticket,
        Status.RESTORED,
        actor=world.agent,
        repair="temporary",
        now=reported + timedelta(minutes=95),
    )
    (row,) = _csv(_client(world.agent).get(reverse("ticket_export") + "?show=all"))
    assert row["Reported (UTC)"] == "2026-03-09T17:00:00Z"
    assert row["Organisation"] == "Acme Corp" and row["Module"] == world.module.name
    assert row["Region"] == ticket.region.name and row["State"] == "Service restored"
    assert row["Severity"] == "1"
    assert row["Time to respond (minutes)"] == "12"
    assert row["Time to restore (minutes)"] == "95"
    assert row["Support time used (minutes)"] == "95"
    assert row["Target (minutes)"].isdigit()
    assert row["Breached"] in ("yes", "no") and row["Standing"] in ("met", "breached")
    assert row["Assignee"] == "" and row["Group"] == ""


def test_customer_admins_export_their_own_organisation_only(world: Any) -> None:
    team = agent_team(world)
    mine = open_ticket(world, summary="Acme's fault")
    open_ticket(world, world.globex, summary="Globex's fault")
    assignment.assign(mine, actor=world.manager, assignee=team.bo, group=team.platform)
    client = _client(world.acme_admin)
    assert "Download CSV" in client.get(reverse("ticket_list")).content.decode()
    rows = _csv(client.get(reverse("ticket_export")))
    assert [(r["Summary"], r["Assignee"], r["Group"]) for r in rows] == [
        ("Acme's fault", "Support", "")  # who handles it is for staff
    ]
    globex = _csv(_client(world.globex_admin).get(reverse("ticket_export")))
    assert [r["Summary"] for r in globex] == ["Globex's fault"]


def test_reporters_and_customers_get_no_export(world: Any) -> None:
    open_ticket(world)
    reporter = _client(world.acme_reporter)
    assert "Download CSV" not in reporter.get(reverse("ticket_list")).content.decode()
    assert reporter.get(reverse("ticket_export")).status_code == 404
    assert _client(world.acme_admin).get(reverse("queue_export")).status_code == 404
    assert Client().get(reverse("ticket_export")).status_code == 302  # sign in first
