"""How long the dashboard and the simulator take (docs/dashboard.md, "Measurements").

50 customers in the US region, 5 covered modules each, 30 tickets and 2 customer-only outages
a customer this month, plus one customer with 500 tickets in October for the simulator. A
measurement, not a test: it asserts no speed and runs only under `make bench`
(`ACCORD_BENCH=1 pytest -m bench -s tests/dashboard/test_timing.py`).
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.dashboard.conftest import NOW, pdt, utc

from accord.accounts.models import Organisation
from accord.accounts.services import create_organisation, create_user
from accord.catalogue.models import Module, Region
from accord.dashboard import services, simulator
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.helpdesk.services import refresh_clocks
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports.build import build_report

pytestmark = [pytest.mark.django_db, pytest.mark.bench]

CUSTOMERS = 50
TICKETS_THIS_MONTH = 30
TICKETS_SIMULATED = 500


def seed_tickets(organisation: Any, reporter: Any, start: Any, count: int, spacing: int) -> None:
    """`count` tickets `spacing` minutes apart from `start`, severities 1-4 in turn; two in
    three restored after a few hours, the rest left open; clock columns as the engine has them
    at NOW."""
    modules = list(Module.objects.all())
    tickets = Ticket.objects.bulk_create(
        Ticket(
            organisation=organisation,
            module=modules[n % len(modules)],
            region=organisation.region,
            summary=f"Fault {n}",
            severity=n % 4 + 1,
            channel="portal",
            reported_by=reporter,
            reported_at=start + timedelta(minutes=spacing * n),
        )
        for n in range(count)
    )
    events = []
    for n, item in enumerate(tickets):
        events.append(
            TicketEvent(
                ticket=item,
                kind=EventKind.REPORTED,
                at=item.reported_at,
                actor=reporter,
                severity=item.severity,
            )
        )
        if n % 3:
            events.append(
                TicketEvent(
                    ticket=item,
                    kind=EventKind.RESTORED,
                    at=min(item.reported_at + timedelta(hours=n % 30 + 1), NOW),
                    actor=None,
                    data={"repair": "temporary"},
                )
            )
    TicketEvent.objects.bulk_create(events)
    rows = list(Ticket.objects.filter(organisation=organisation).select_related("organisation"))
    for item in rows:
        if item.pk % 3 != tickets[0].pk % 3:
            item.status = "restored"
    refresh_clocks(rows, now=NOW)
    Ticket.objects.bulk_update(
        rows,
        ["status", "severity_in_force", "target_seconds", "used_seconds", "clock_state"]
        + ["standing", "due_at", "breached_at", "next_warning_at", "clock_computed_at"],
    )


@pytest.fixture
def many(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    us = Region.objects.get(code="us")
    regions = list(ModuleRegion.objects.filter(region=us))
    for n in range(CUSTOMERS - 2):
        organisation = create_organisation(
            name=f"Customer {n:02d}", slug=f"customer-{n:02d}", region=us
        )
        organisation.contract.monthly_fee = Decimal("2500.00")
        organisation.contract.save()
        reporter = create_user(
            email=f"r{n}@customer-{n}.test", role="reporter", organisation=organisation
        )
        seed_tickets(organisation, reporter, utc(2026, 11, 2, 16), TICKETS_THIS_MONTH, 900)
        for k in range(2):
            Outage.objects.create(
                module_region=regions[(n + k) % len(regions)],
                organisation=organisation,
                source=Source.INCIDENT,
                impact=Impact.MAJOR_OUTAGE,
                start=utc(2026, 11, 3 + k * 7, 12),
                end=utc(2026, 11, 3 + k * 7, 12) + timedelta(minutes=10 + n),
            )
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    seed_tickets(world.acme, world.acme_reporter, pdt(2026, 10, 1, 0), TICKETS_SIMULATED, 85)
    return world


def best_of(runs: int, work: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def test_measure_the_dashboard_and_the_simulator(many: Any) -> None:
    organisations = services.customers_with_contracts(Organisation.objects.all())
    assert organisations.count() == CUSTOMERS

    dashboard = best_of(3, lambda: services.dashboard(list(organisations), now=NOW))
    client = Client()
    client.force_login(many.manager)
    page = best_of(3, lambda: client.get(reverse("dashboard")))
    assert client.get(reverse("dashboard")).status_code == 200

    def reports() -> None:
        for organisation in organisations:
            build_report(organisation, "2026-11", now=NOW)

    per_report = best_of(1, reports)

    acme = many.acme
    terms = simulator.changed_terms(acme, simulator.Changes(severity_calendars={1: "always"}))
    one_month = best_of(3, lambda: simulator.simulate(acme, ["2026-10"], terms, now=NOW))
    result = simulator.simulate(acme, ["2026-10"], terms, now=NOW)
    assert len(result.months[0].current.tickets) >= TICKETS_SIMULATED
    twelve = best_of(
        1,
        lambda: simulator.simulate(
            acme, simulator.month_range("2025-12", "2026-11"), terms, now=NOW
        ),
    )
    page_simulator = best_of(
        3,
        lambda: client.get(
            reverse("dashboard_simulator"),
            {
                "customer": "acme",
                "month_from": "2026-10",
                "calendar": "contract",
                "calendar_1": "always",
            },
        ),
    )
    print(
        f"\ndashboard, {CUSTOMERS} customers x 5 modules, {TICKETS_THIS_MONTH} tickets each: "
        f"services {dashboard * 1000:.0f} ms, page {page * 1000:.0f} ms"
        f"\nbuild_report for each of the {CUSTOMERS} customers (the alternative): "
        f"{per_report * 1000:.0f} ms"
        f"\nsimulator, one customer-month of {len(result.months[0].current.tickets)} tickets "
        f"(two reports): {one_month * 1000:.0f} ms, page {page_simulator * 1000:.0f} ms"
        f"\nsimulator, 12 months: {twelve * 1000:.0f} ms"
    )
