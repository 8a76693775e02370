"""`accord demo --fleet N --no-serve`: N customers with a year of history each.

One test, because making the fleet takes half a minute (four templates through the help desk,
sixteen copies): it runs the command at a fixed `now`, then checks what a user would notice:
the customers, their contracts and people, their tickets in every state, the dashboard and a
month's report, the copies' reports equal to their template's, and that every ticket's stored
history replays through the help desk's services to the stored status and clock.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accord.accounts.models import Organisation, Role, User
from accord.catalogue.models import Region
from accord.dashboard.services import dashboard
from accord.demo.fleet import SLUG_PREFIX
from accord.helpdesk import restoration, services, severity
from accord.helpdesk.models import EventKind, Status, Ticket, TicketEvent
from accord.monitoring.models import Outage
from accord.reports.build import build_report

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
COUNT, TEMPLATES = 20, 4
# What a ticket's history decides: its status and the clock's columns (but when they were
# last computed, and the next warning, which only a running clock has).
CLOCK_COLUMNS = ["status", "repair"] + [
    c for c in services.CLOCK_FIELDS if c not in ("clock_computed_at", "next_warning_at")
]


def test_the_fleet_makes_customers_with_a_year_the_help_desk_reads(
    db: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    out = StringIO()
    call_command(
        "demo", "--fleet", str(COUNT), "--templates", str(TEMPLATES), "--no-serve", stdout=out
    )
    assert f"Fleet: {COUNT} customers ({TEMPLATES} templates)" in out.getvalue()

    fleet = list(
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX)
        .select_related("contract", "region")
        .order_by("slug")
    )
    assert len(fleet) == COUNT
    assert {o.region_id for o in fleet} == set(Region.objects.values_list("pk", flat=True))
    # Contracts: a fee each, four kinds of terms (one with a second version).
    assert all(o.contract.monthly_fee for o in fleet)
    assert len({o.contract.monthly_fee for o in fleet}) > COUNT // 2
    kinds = {
        json.dumps(
            [o.contract.support_hours, o.contract.penalties, o.contract.versions.count()],
            sort_keys=True,
        )
        for o in fleet
    }
    assert len(kinds) == 4
    # People who can log in: a reporter and a customer admin per organisation.
    for organisation in (fleet[0], fleet[-1]):
        admin = User.objects.get(organisation=organisation, role=Role.CUSTOMER_ADMIN)
        assert admin.check_password("accord-demo")
        assert Client().login(username=admin.username, password="accord-demo")
    assert Counter(User.objects.filter(organisation__in=fleet).values_list("role", flat=True)) == {
        Role.REPORTER: COUNT,
        Role.CUSTOMER_ADMIN: COUNT,
    }

    # About a hundred tickets a customer-year, in every state, with every kind of event.
    per_customer = Counter(
        Ticket.objects.filter(organisation__in=fleet).values_list("organisation", flat=True)
    )
    assert len(per_customer) == COUNT
    assert all(90 <= n <= 130 for n in per_customer.values()), per_customer
    tickets = Ticket.objects.filter(organisation__in=fleet)
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    kinds_seen = set(
        TicketEvent.objects.filter(ticket__organisation__in=fleet).values_list("kind", flat=True)
    )
    # Every kind but assignment: the fleet's tickets have no assignee (docs/helpdesk.md).
    assert kinds_seen == set(EventKind.values) - {EventKind.ASSIGNED}
    assert {"breached", "met", "on_track"} <= set(tickets.values_list("standing", flat=True))
    assert tickets.filter(dispute_open=True).exists()
    assert not TicketEvent.objects.filter(at__gt=NOW).exists()
    # Outages: every customer has some of its own; every region its module-regions'.
    assert set(
        Outage.objects.filter(organisation__in=fleet).values_list("organisation", flat=True)
    ) == {o.pk for o in fleet}
    assert Outage.objects.filter(organisation__isnull=True).values(
        "module_region__region"
    ).distinct().count() == len({o.region_id for o in fleet})

    # The stored clocks are the engine's reading of the stored events.
    stored = list(tickets.select_related("organisation__contract", "organisation__region"))
    expected = [{c: getattr(t, c) for c in CLOCK_COLUMNS} for t in stored]
    services.refresh_clocks(stored, now=NOW)
    assert [{c: getattr(t, c) for c in CLOCK_COLUMNS} for t in stored] == expected

    _dashboard_and_reports(fleet)
    _replays(fleet[-1])

    again = StringIO()
    call_command("demo", "--fleet", "5", "--no-serve", stdout=again)
    assert "already holds a fleet" in again.getvalue()
    assert Organisation.objects.filter(slug__startswith=SLUG_PREFIX).count() == COUNT


def _dashboard_and_reports(fleet: list[Organisation]) -> None:
    customers = dashboard(fleet, now=NOW)
    assert len(customers) == COUNT
    assert all(c.rows for c in customers)
    staff = User.objects.get(email="manager@vendor.example")
    client = Client()
    client.force_login(staff)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert fleet[0].name in page.content.decode()
    # A copy's month reads as its template's: the same tickets, outcomes and uptime.
    template, copy = fleet[1], fleet[1 + TEMPLATES]
    assert copy.region_id == template.region_id
    ours, theirs = (
        build_report(copy, "2026-06", now=NOW),
        build_report(template, "2026-06", now=NOW),
    )
    assert len(ours.tickets) >= 5
    assert [(t.summary, t.outcome, t.used_seconds) for t in ours.tickets] == [
        (t.summary, t.outcome, t.used_seconds) for t in theirs.tickets
    ]
    assert [m.uptime_exact for m in ours.uptime] == [m.uptime_exact for m in theirs.uptime]
    assert ours.customer.name == copy.name
    page = client.get(f"/reports/{copy.slug}/2026-06/")
    assert page.status_code == 200


def _replays(organisation: Organisation) -> None:
    """Every ticket of a copied customer, its events replayed through the help desk's services
    at their instants, ends where the stored one is."""
    with transaction.atomic():
        for ticket in Ticket.objects.filter(organisation=organisation).select_related(
            "organisation__contract", "organisation__region", "module"
        ):
            replayed = _replay(ticket)
            assert {c: getattr(replayed, c) for c in CLOCK_COLUMNS} == {
                c: getattr(ticket, c) for c in CLOCK_COLUMNS
            }, ticket
        transaction.set_rollback(True)


def _replay(ticket: Ticket) -> Ticket:
    events = list(ticket.events.select_related("actor").order_by("at", "pk"))
    first = events[0]
    assert first.kind == EventKind.REPORTED
    copy = services.report(
        reporter=ticket.reported_by,
        organisation=ticket.organisation,
        new=services.NewTicket(
            module=ticket.module,
            summary=ticket.summary,
            description=ticket.description,
            severity=first.severity,
            channel=ticket.channel,
        ),
        now=ticket.reported_at,
    )
    for event in events[1:]:
        actor, at, data, kind = event.actor, event.at, event.data, event.kind
        assert actor is not None
        if kind in services._STATUS_EVENT.values():
            status = next(s for s, k in services._STATUS_EVENT.items() if k == kind)
            services.change_status(
                copy,
                status,
                actor=actor,
                repair=data.get("repair", ""),
                note=data.get("note", ""),
                now=at,
            )
        elif kind == EventKind.REOPENED:
            services.reopen(copy, actor=actor, reason=data["reason"], now=at)
        elif kind == EventKind.PAUSED:
            services.pause_clock(copy, actor=actor, reason=data["reason"], now=at)
        elif kind == EventKind.RESUMED:
            services.resume_clock(copy, actor=actor, note=data.get("note", ""), now=at)
        elif kind == EventKind.SEVERITY_DESIGNATED:
            assert event.severity is not None
            severity.designate_severity(copy, event.severity, actor=actor, now=at)
        elif kind == EventKind.SEVERITY_PROPOSED:
            assert event.severity is not None
            severity.propose_severity(
                copy, event.severity, actor=actor, reason=data["reason"], now=at
            )
        elif kind in (EventKind.SEVERITY_AGREED, EventKind.SEVERITY_REJECTED):
            severity.answer_proposal(
                copy,
                accept=kind == EventKind.SEVERITY_AGREED,
                actor=actor,
                note=data.get("note", ""),
                now=at,
            )
        elif kind == EventKind.RESTORATION_CONTESTED:
            restoration.contest_restoration(copy, actor=actor, reason=data["reason"], now=at)
        elif kind == EventKind.SEVERITY_SETTLED:
            severity.settle_dispute(
                copy,
                actor=actor,
                held_on=date.fromisoformat(data["held_on"]),
                attendees=data["attendees"],
                note=data.get("note", ""),
                now=at,
            )
        else:
            assert kind in (EventKind.RESTORATION_WITHDRAWN, EventKind.CONTEST_REJECTED)
            restoration.answer_contest(
                copy,
                actor=actor,
                accept=kind == EventKind.RESTORATION_WITHDRAWN,
                note=data.get("note", ""),
                now=at,
            )
    if copy.clock_state != "stopped":
        services.recompute_clock(copy, now=NOW)
    return copy
