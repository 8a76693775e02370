"""A year of history for the demo customers, so every report, plot and the simulator have
something real to show.

What is made, for each demo customer (each in its own region), over the 12 full calendar
months before `now` and the current month up to `now`, months taken in the customer's reporting
time zone:

* its contract's terms: a monthly fee on every contract; Northwind's own support hours
  (Monday-Friday 07:00-19:00 London); Koala's own penalty schedule in AUD (credit tiers, fixed
  amounts per breached ticket, a cap in money) and a 24x7 clock for Severity 1;
* outages from every source: Accord's probes (with the health check's status changes),
  Alertmanager and a generic webhook (with their alert rows), incidents declared by staff, and
  Severity 1 tickets confirmed as total outages; some partial or degraded; one overrunning the
  Wednesday maintenance window; one customer-month whose module lands exactly on a tier boundary
  (99.9%, or 99.0% when no month's eligible time allows it);
* ad-hoc maintenance windows, announced in time (excluded from uptime) and one announced too
  late (counted), each with an outage inside;
* ten to thirteen fault tickets a month in every severity, raised at all hours (weekends and
  nights included) through the portal, the API and email, whose whole lives are replayed through
  `accord.helpdesk.services` at their historic instants: met and breached, reopened, severity
  disputes accepted by the customer, agreed on a call (the customer's proposal accepted by a
  manager), rejected, and a few left open;
* the release calendar of every module-region (`accord.engine.releases.cadence`: weekly minors,
  monthly majors in the maintenance window) deployed up to `now` and planned five weeks ahead, an
  emergency fix per customer, and tickets linked to the release that carried their permanent fix.

Determinism: the dates are relative to `now` (the months before it, each event at a local day
and time drawn from a random generator with a fixed seed per customer), and anything that would
fall after `now` is not done, so the same `now` gives the same rows. `summary()` reads the rows
back into a plain description that two seeds at the same `now` give alike.

Speed: tickets go through the help-desk services (they compute the clocks and write the events);
plain rows (probe and external outages, status changes, alerts, releases) are bulk-inserted.

Where it lives: this module seeds the contracts, runs the parts in order and counts the result
(`summary`); `accord.demo.outages` makes the service's side (releases, outages, incidents,
maintenance), `accord.demo.tickets` the tickets' lives, and `accord.demo.timeline` holds what
both share (the customers, their months, local instants drawn in them).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count

from accord.accounts.models import Contract, Organisation, User
from accord.accounts.terms import set_first_terms
from accord.catalogue.models import Module
from accord.demo.outages import (
    external_sources,
    find_boundary,
    seed_maintenance,
    seed_outages,
    seed_releases,
)
from accord.demo.tickets import seed_tickets
from accord.demo.timeline import Customer, Staff, history_months
from accord.engine.timeutil import epoch_to_local, to_epoch, zone
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.incidents.models import Incident
from accord.monitoring.models import MaintenanceWindow, ModuleRegion, Outage
from accord.releases.models import Release

__all__ = [
    "Summary",
    "configure_contract",
    "customer_of",
    "negotiate",
    "history_months",
    "seed_history",
    "summary",
]

SEED = 20251101


def seed_history(
    now: datetime,
    organisations: Sequence[tuple[Organisation, User, User]],
    *,
    agent: User,
    manager: User,
) -> None:
    """Make the history of `organisations` (each with its reporter and admin, its contract
    already set by `configure_contract`) up to `now`."""
    staff = Staff(agent, manager)
    customers = [
        customer_of(now, organisation, reporter, admin, seed=SEED + index)
        for index, (organisation, reporter, admin) in enumerate(organisations)
    ]
    release_rows = seed_releases(now, customers)
    boundary = find_boundary(customers)
    sources = external_sources(agent)
    for customer in customers:
        seed_outages(now, customer, staff, sources, boundary)
        seed_maintenance(now, customer, staff, boundary)
        seed_tickets(now, customer, staff, release_rows, boundary)


def customer_of(
    now: datetime, organisation: Organisation, reporter: User, admin: User, *, seed: int
) -> Customer:
    """A customer whose history is to be made: its months up to `now` in its reporting time
    zone, its region's module-regions, and a random generator of its own."""
    tz_name = organisation.contract.terms.reporting_timezone
    return Customer(
        organisation=organisation,
        reporter=reporter,
        admin=admin,
        tz_name=tz_name,
        months=history_months(now, tz_name),
        module_regions={
            mr.module.slug: mr
            for mr in ModuleRegion.objects.filter(region=organisation.region)
            .select_related("module", "region")
            .order_by("module__position")
        },
        rng=random.Random(seed),
        modules=list(Module.objects.order_by("position")),
    )


# --- contracts ------------------------------------------------------------------------------


MONTHLY_FEES = {"acme": Decimal("12000.00"), "northwind": Decimal("8500.00")}

# Northwind keeps a longer help-desk day than the policy's assumption.
NORTHWIND_SUPPORT_HOURS = {
    "timezone": "region",
    "weekly": {day: [["07:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "region_holidays": True,
}

# Koala Bank negotiated its own schedule: money per breach, steeper tiers, a cap in money.
KOALA_FEE = Decimal("15000.00")
KOALA_PENALTIES = {
    "currency": "AUD",
    "uptime_tiers": [
        {
            "lower": "99.5",
            "lower_inclusive": True,
            "upper": "99.9",
            "upper_inclusive": False,
            "credit_percent": "5",
        },
        {
            "lower": "99.0",
            "lower_inclusive": True,
            "upper": "99.5",
            "upper_inclusive": False,
            "credit_percent": "10",
        },
        {"upper": "99.0", "upper_inclusive": False, "credit_percent": "20"},
    ],
    "breach_penalties": [
        {"severity": 1, "amount": "1500.00"},
        {"severity": 2, "amount": "600.00"},
        {"severity": 3, "amount": "200.00"},
    ],
    "cap": {"amount": "3000.00"},
}
KOALA_ASSUMPTIONS = [
    "Koala Bank's contract runs the Severity 1 return-to-service clock around the clock (24x7); "
    "the other severities count support hours only.",
    "Koala Bank's contract sets its own penalty schedule in AUD: credit tiers per module "
    "(99.5-99.9%: 5%, 99.0-99.5%: 10%, below 99.0%: 20%), AUD 1,500 / 600 / 200 per breached "
    "Severity 1 / 2 / 3 ticket, at most AUD 3,000 a month.",
    "Koala Bank's contract lets support pause the clock while waiting for information only "
    "the bank can give; the bank's next comment resumes it.",
]


def configure_contract(organisation: Organisation) -> None:
    """The demo contract's fee and terms (before any ticket: the clocks follow the terms)."""
    contract: Contract = organisation.contract
    slug = organisation.slug
    contract.monthly_fee = MONTHLY_FEES.get(slug, KOALA_FEE)
    if slug == "northwind":
        contract.support_hours = NORTHWIND_SUPPORT_HOURS
    elif slug not in MONTHLY_FEES:
        negotiate(contract, KOALA_PENALTIES, KOALA_ASSUMPTIONS)
    contract.save()
    set_first_terms(contract)  # the demo's terms are its contracts' first versions
    contract.__dict__.pop("terms", None)


def negotiate(contract: Contract, penalties: dict[str, Any], assumptions: list[str]) -> None:
    """A negotiated contract (not saved): its own penalty schedule, the Severity 1 clock
    around the clock, pausing allowed, and `assumptions` saying so in place of the policy's
    about penalties."""
    data = dict(contract.policy_data)
    severities = [dict(s) for s in data["severities"]]
    severities[0]["calendar"] = "always"
    data["severities"] = severities
    data["assumptions"] = [
        text
        for text in data["assumptions"]
        if not text.startswith("Penalties are left to each contract")
    ] + assumptions
    data["clock"] = {**data["clock"], "allow_pause": True}
    contract.policy_data = data
    contract.penalties = penalties


# --- what was made --------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The history as counts: what the demo prints and what tests compare."""

    months: tuple[str, ...]  # with tickets, in any customer's reporting time zone
    months_per_customer: int  # the most any one customer has
    tickets: int
    outages: int
    releases: int
    maintenance_windows: int
    incidents: int
    tickets_by_month: tuple[tuple[str, int], ...]
    outages_by_month: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]
    standings: tuple[tuple[str, int], ...]
    severities: tuple[tuple[str, int], ...]
    channels: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    disputes: tuple[tuple[str, int], ...]
    reopened: int

    def line(self) -> str:
        return (
            f"History: {self.months_per_customer} months ({self.months[0]} to {self.months[-1]}), "
            f"{self.tickets} tickets, {self.outages} outages, {self.maintenance_windows} "
            f"maintenance windows, {self.incidents} incidents, {self.releases} releases."
        )


def summary() -> Summary:
    """Count what the database holds, months taken in each customer's reporting time zone
    (outages in the region's customer's, or UTC): enough to compare two seeds."""
    zones = {
        organisation.pk: zone(organisation.contract.terms.reporting_timezone)
        for organisation in Organisation.objects.select_related("contract", "region")
    }
    region_zone = {
        organisation.region_id: zones[organisation.pk]
        for organisation in Organisation.objects.order_by("-pk")
    }
    utc = zone("UTC")

    def month(moment: datetime, tz: Any) -> str:
        return f"{epoch_to_local(to_epoch(moment), tz):%Y-%m}"

    def counted(rows: Any, key: str) -> tuple[tuple[str, int], ...]:
        return tuple(
            sorted((str(row[key]), row["n"]) for row in rows.values(key).annotate(n=Count("pk")))
        )

    customer_months = {
        (organisation, month(at, zones[organisation]))
        for organisation, at in Ticket.objects.values_list("organisation", "reported_at")
    }
    tickets_by_month = Counter(
        month(at, zones[organisation])
        for organisation, at in Ticket.objects.values_list("organisation", "reported_at")
    )
    outages_by_month = Counter(
        month(start, region_zone.get(region, utc))
        for region, start in Outage.objects.values_list("module_region__region", "start")
    )
    disputes: Counter[str] = Counter()
    for kind, data in TicketEvent.objects.filter(
        kind__in=[EventKind.SEVERITY_AGREED, EventKind.SEVERITY_REJECTED]
    ).values_list("kind", "data"):
        disputes["rejected" if kind == EventKind.SEVERITY_REJECTED else data.get("how", "")] += 1
    disputes["open"] = Ticket.objects.filter(dispute_open=True).count()
    return Summary(
        months=tuple(sorted(tickets_by_month)),
        months_per_customer=max(Counter(org for org, _ in customer_months).values(), default=0),
        tickets=Ticket.objects.count(),
        outages=Outage.objects.count(),
        releases=Release.objects.count(),
        maintenance_windows=MaintenanceWindow.objects.count(),
        incidents=Incident.objects.count(),
        tickets_by_month=tuple(sorted(tickets_by_month.items())),
        outages_by_month=tuple(sorted(outages_by_month.items())),
        statuses=counted(Ticket.objects, "status"),
        standings=counted(Ticket.objects, "standing"),
        severities=counted(Ticket.objects, "severity_in_force"),
        channels=counted(Ticket.objects, "channel"),
        sources=counted(Outage.objects, "source"),
        disputes=tuple(sorted(disputes.items())),
        reopened=TicketEvent.objects.filter(kind=EventKind.REOPENED).count(),
    )
