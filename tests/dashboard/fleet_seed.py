"""A fleet of customers with varied contracts, in bulk inserts, for the batch dashboard's tests
(tests/dashboard/test_fleet.py).

Customers in every region on variants of the built-in policy: three uptime targets, three
penalty schedules (the example, one in EUR with a fixed-amount breach penalty and no cap, one
with a single tier), reporting in the region's zone, UTC or Sydney, impact weights that do or
do not count a degraded service, fees or none. Plus: a contract whose stored terms are broken,
one whose latest version takes effect next month (an older version is in force), one whose
latest version took effect this month (its October tickets have the older terms), three
customers with an outage of their own. November 2026 (and the end of October) has shared
outages per module-region (one still going on), an ad-hoc maintenance window, and about ten
tickets a customer: severities 1-4 and one without, two in three restored after a spread of
delays, the rest open; their clock columns are the engine's at `now`, but for six open
tickets whose columns are stale (computed a day ago, an event recorded since).
"""

from __future__ import annotations

import random
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from accord.accounts.models import Contract, ContractVersion, Organisation, Role, User
from accord.catalogue.models import Module, Region
from accord.engine.policy import policy_to_data
from accord.helpdesk.models import Channel, EventKind, Status, Ticket, TicketEvent
from accord.helpdesk.services import refresh_clocks
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
from accord.policies import BUILTIN_POLICY, load_builtin

TARGETS = ["99.9", "99.5", "99.95"]
ZONES = ["", "UTC", "Australia/Sydney"]
FEES = [Decimal("1000.00"), None, Decimal("2500.00"), Decimal("480.50")]
PENALTIES: list[dict[str, Any] | None] = [
    None,
    {
        "currency": "EUR",
        "uptime_tiers": [
            {
                "lower": "99.0",
                "lower_inclusive": True,
                "upper": "99.95",
                "upper_inclusive": False,
                "credit_percent": "3",
            },
            {"upper": "99.0", "upper_inclusive": False, "credit_percent": "15"},
        ],
        "breach_penalties": [{"severity": 1, "amount": "150.00"}, {"severity": 2, "percent": "1"}],
    },
    {
        "currency": "USD",
        "uptime_tiers": [{"upper": "99.9", "upper_inclusive": False, "credit_percent": "10"}],
        "breach_penalties": [{"severity": 3, "percent": "2"}],
        "cap": {"percent": "12"},
    },
]


def policy(n: int) -> dict[str, Any]:
    data = deepcopy(policy_to_data(load_builtin(BUILTIN_POLICY)))
    data["availability"]["target_percent"] = TARGETS[n % len(TARGETS)]
    if n % 4 == 3:
        data["availability"]["impact_weights"]["degraded"] = "0.25"
    return data


def seed_fleet(customers: int, now: datetime) -> list[Organisation]:
    """`customers` organisations (named so that two share a name), in the queryset's order."""
    rng = random.Random(16)
    regions = list(Region.objects.order_by("code"))
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Fleet {n % (customers - 1):03d}",  # the last shares the first's name
            slug=f"fleet-{n:03d}",
            region=regions[n % len(regions)],
        )
        for n in range(customers)
    )
    contracts = Contract.objects.bulk_create(
        Contract(
            organisation=org,
            policy_id=BUILTIN_POLICY,
            policy_data=policy(n),
            penalties=PENALTIES[n % len(PENALTIES)],
            reporting_timezone=ZONES[(n // 3) % len(ZONES)],
            monthly_fee=FEES[n % len(FEES)],
        )
        for n, org in enumerate(organisations)
    )
    _versions(contracts)
    reporters = User.objects.bulk_create(
        User(
            username=f"r@fleet-{n}.test",
            email=f"r@fleet-{n}.test",
            role=Role.REPORTER,
            organisation=org,
        )
        for n, org in enumerate(organisations)
    )
    _outages(organisations, rng, now)
    _tickets(organisations, reporters, rng, now)
    return organisations


def _versions(contracts: list[Contract]) -> None:
    """Contract 1: broken (a target that is no number). Contract 2: its latest version (the
    columns) takes effect next month. Contract 4: its latest took effect on 1 November."""
    broken = contracts[1]
    data = deepcopy(broken.policy_data)
    data["availability"]["target_percent"] = "ninety-nine"
    Contract.objects.filter(pk=broken.pk).update(policy_data=data)
    for contract, effective in (
        (contracts[2], date(2026, 12, 1)),
        (contracts[4], date(2026, 11, 1)),
    ):
        older = deepcopy(contract.policy_data)
        older["availability"]["target_percent"] = "98"
        older["severities"][1]["target"]["hours"] = 8
        ContractVersion.objects.create(
            contract=contract,
            number=1,
            effective_from=None,
            policy_id=contract.policy_id,
            policy_data=older,
            reporting_timezone=contract.reporting_timezone,
            monthly_fee=contract.monthly_fee,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        ContractVersion.objects.create(
            contract=contract,
            number=2,
            effective_from=effective,
            policy_id=contract.policy_id,
            policy_data=contract.policy_data,
            penalties=contract.penalties,
            reporting_timezone=contract.reporting_timezone,
            monthly_fee=contract.monthly_fee,
            created_at=datetime(2026, 10, 1, tzinfo=UTC),
        )
        Contract.objects.filter(pk=contract.pk).update(terms_from=effective)


def _outages(organisations: list[Organisation], rng: random.Random, now: datetime) -> None:
    start = datetime(2026, 10, 28, tzinfo=UTC)
    span = int((now - start).total_seconds())
    impacts = [Impact.MAJOR_OUTAGE, Impact.PARTIAL_OUTAGE, Impact.DEGRADED]
    rows = []
    module_regions = list(ModuleRegion.objects.order_by("pk"))
    for n, mr in enumerate(module_regions):
        for k in range(3):
            first = start + timedelta(seconds=rng.randrange(span))
            rows.append(
                Outage(
                    module_region=mr,
                    source=Source.PROBE,
                    impact=impacts[(n + k) % 3],
                    start=first,
                    end=first + timedelta(seconds=rng.randrange(60, 7200)),
                )
            )
    rows.append(  # still going on
        Outage(
            module_region=module_regions[0],
            source=Source.INCIDENT,
            impact=Impact.PARTIAL_OUTAGE,
            start=now - timedelta(hours=2),
            end=None,
        )
    )
    for org in organisations[3:12:4]:
        mr = next(m for m in module_regions if m.region_id == org.region_id)
        rows.append(
            Outage(
                module_region=mr,
                organisation=org,
                source=Source.TICKET,
                impact=Impact.MAJOR_OUTAGE,
                start=now - timedelta(days=5),
                end=now - timedelta(days=5) + timedelta(minutes=95),
            )
        )
    Outage.objects.bulk_create(rows)
    region = module_regions[0].region
    MaintenanceWindow.objects.create(
        region=region,
        title="Database upgrade",
        start=now - timedelta(days=6),
        end=now - timedelta(days=6) + timedelta(hours=1),
        announced_at=now - timedelta(days=12),
        created_by=User.objects.create(
            username="ops@vendor.test", email="ops@vendor.test", role=Role.AGENT
        ),
    )


def _tickets(
    organisations: list[Organisation], reporters: list[User], rng: random.Random, now: datetime
) -> None:
    modules = list(Module.objects.order_by("position"))
    start = datetime(2026, 10, 20, tzinfo=UTC)
    span = int((now - start).total_seconds())
    tickets, plans = [], []
    for org, reporter in zip(organisations, reporters, strict=True):
        for k in range(10):
            severity = None if k == 9 else rng.choice([1, 2, 2, 3, 3, 4, 4])
            reported = start + timedelta(seconds=rng.randrange(span - 600))
            tickets.append(
                Ticket(
                    organisation=org,
                    module=modules[k % len(modules)],
                    region_id=org.region_id,
                    summary=f"Fault {k} of {org.slug}",
                    severity=severity,
                    channel=Channel.PORTAL,
                    status=Status.REPORTED,
                    reported_by=reporter,
                    reported_at=reported,
                )
            )
            plans.append((rng.random(), rng.lognormvariate(9.5, 1.2)))
    Ticket.objects.bulk_create(tickets)
    events = []
    for ticket, (chance, delay) in zip(tickets, plans, strict=True):
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=EventKind.REPORTED,
                at=ticket.reported_at,
                actor=ticket.reported_by,
                severity=ticket.severity,
            )
        )
        restored = ticket.reported_at + timedelta(seconds=int(delay))
        if chance < 2 / 3 and restored < now:
            events.append(
                TicketEvent(ticket=ticket, kind=EventKind.RESTORED, at=restored, actor=None)
            )
            ticket.status = Status.RESTORED
    TicketEvent.objects.bulk_create(events)
    rows = list(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related(
            "organisation__contract", "organisation__region"
        )
    )
    status = {t.pk: t.status for t in tickets}
    for row in rows:
        row.status = status[row.pk]
    refresh_clocks(rows, now=now)
    # A few open tickets at risk or breached now whose columns are stale: written a day ago,
    # on track then, an event recorded since (the engine reads them again now).
    stale = [r for r in rows if r.status == Status.REPORTED and r.standing != "on_track"]
    stale = [r for r in stale if r.standing in ("at_risk", "breached")][:6]
    for row in stale:
        row.standing, row.next_warning_at = "on_track", now + timedelta(days=9)
        row.due_at, row.breached_at = now + timedelta(days=10), None
        row.clock_computed_at = now - timedelta(days=1)
    Ticket.objects.bulk_update(
        rows,
        ["status", "severity_in_force", "target_seconds", "used_seconds", "clock_state"]
        + ["standing", "due_at", "breached_at", "next_warning_at", "clock_computed_at"],
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=row, kind=EventKind.ACKNOWLEDGED, at=now - timedelta(hours=3))
        for row in stale
    )
