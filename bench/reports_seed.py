"""The monthly reports bench's data (bench/reports.py): 1,000 customers' October 2026 in
bulk inserts, run in a child process on a fresh database (bench/reports.py's docstring
says what is seeded)."""

from __future__ import annotations

import random
import time
from typing import Any

SEED = 20261103
MONTH = "2026-10"
BIG_TICKETS = 500


def seed(customers: int) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from django.db import transaction

    from accord.accounts.models import Contract, Organisation, Role, User
    from accord.catalogue.models import Module, Region
    from accord.engine.policy import policy_to_data
    from accord.helpdesk.models import Channel, EventKind, Status, Ticket, TicketEvent
    from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
    from accord.policies import BUILTIN_POLICY, load_builtin

    rng = random.Random(SEED)
    began = time.perf_counter()
    month_start = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)  # 00:00 PDT
    month_span = 31 * 86_400
    regions = list(Region.objects.order_by("code"))
    us = Region.objects.get(code="us")  # the big customer's: months in America/Los_Angeles
    modules = list(Module.objects.order_by("position"))
    policy = policy_to_data(load_builtin(BUILTIN_POLICY))
    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Customer {n:04d}",
                    slug=f"customer-{n:04d}",
                    region=us if n == 0 else regions[n % len(regions)],
                )
                for n in range(customers)
            ],
            batch_size=500,
        )
        Contract.objects.bulk_create(
            [
                Contract(
                    organisation=org,
                    policy_id=BUILTIN_POLICY,
                    policy_data=policy,
                    reporting_timezone="UTC" if n % 10 == 9 else "",
                    monthly_fee=None if n % 7 == 6 else Decimal(1000 + 250 * (n % 9)),
                )
                for n, org in enumerate(organisations)
            ],
            batch_size=500,
        )
        people = []
        for n, org in enumerate(organisations):
            for role, who in ((Role.REPORTER, "reporter"), (Role.CUSTOMER_ADMIN, "admin")):
                email = f"{who}@customer-{n:04d}.test"
                people.append(User(username=email, email=email, role=role, organisation=org))
        for person in people:
            person.set_unusable_password()
        User.objects.bulk_create(people, batch_size=1000)
        agent = User.objects.create(
            username="agent@vendor.test", email="agent@vendor.test", role=Role.AGENT
        )
        reporters = {
            u.organisation_id: u.pk for u in User.objects.filter(role=Role.REPORTER).only("pk")
        }

        # Outages: shared ones per module-region, and some that hit one customer only.
        outages = []
        sources = [Source.PROBE, Source.WEBHOOK, Source.INCIDENT, Source.PROBE]
        impacts = [Impact.MAJOR_OUTAGE, Impact.MAJOR_OUTAGE, Impact.PARTIAL_OUTAGE, Impact.DEGRADED]
        module_regions = list(ModuleRegion.objects.all())
        for mr in module_regions:
            for _ in range(8):
                start = month_start + timedelta(seconds=rng.randrange(month_span))
                outages.append(
                    Outage(
                        module_region=mr,
                        source=rng.choice(sources),
                        impact=rng.choice(impacts),
                        start=start,
                        end=start + timedelta(seconds=rng.randrange(120, 5400)),
                        reference="bench",
                    )
                )
        by_region: dict[int, list[Any]] = {}
        for mr in module_regions:
            by_region.setdefault(mr.region_id, []).append(mr)
        for n, org in enumerate(organisations):
            if n % 5 == 0:
                start = month_start + timedelta(seconds=rng.randrange(month_span))
                outages.append(
                    Outage(
                        module_region=rng.choice(by_region[org.region_id]),
                        organisation=org,
                        source=Source.TICKET,
                        impact=Impact.MAJOR_OUTAGE,
                        start=start,
                        end=start + timedelta(seconds=rng.randrange(300, 7200)),
                        reference="customer only",
                    )
                )
        Outage.objects.bulk_create(outages, batch_size=1000)
        for region in regions:
            start = month_start + timedelta(days=17, hours=3)
            MaintenanceWindow.objects.create(
                region=region,
                title="Database upgrade",
                start=start,
                end=start + timedelta(hours=1),
                announced_at=start - timedelta(days=10),
                created_by=agent,
            )

        # Tickets and their event logs.
        targets = {1: 4 * 3600, 2: 12 * 3600, 3: 2 * 86_400, 4: 7 * 86_400}
        tickets = []
        plans = []
        for n, org in enumerate(organisations):
            count = BIG_TICKETS if n == 0 else rng.randrange(0, 31)
            earlier = count * 3 // 10  # September's: some still open, carried over
            for k in range(count + earlier):
                severity = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 4, 4])
                undesignated = rng.random() < 0.05
                reported = month_start + timedelta(seconds=rng.randrange(month_span - 3600))
                if k >= count:
                    reported -= timedelta(days=30)
                tickets.append(
                    Ticket(
                        organisation=org,
                        module=rng.choice(modules),
                        region_id=org.region_id,
                        summary=f"Fault {k} of customer {n}",
                        severity=None if undesignated else severity,
                        channel=rng.choice([Channel.API, Channel.PORTAL, Channel.EMAIL]),
                        status=Status.REPORTED,
                        reported_by_id=reporters[org.pk],
                        reported_at=reported,
                    )
                )
                plans.append((severity, undesignated, reported))
        Ticket.objects.bulk_create(tickets, batch_size=1000)
        events = []
        statuses = []
        for ticket, (severity, undesignated, at) in zip(tickets, plans, strict=True):
            reporter = ticket.reported_by_id
            ticket_id = ticket.pk

            def add(
                kind: str,
                when: Any,
                actor: int,
                level: int | None = None,
                ticket_id: int = ticket_id,
                **data: Any,
            ) -> None:
                events.append(
                    TicketEvent(
                        ticket_id=ticket_id,
                        kind=kind,
                        at=when,
                        actor_id=actor,
                        severity=level,
                        data=data,
                    )
                )

            add(EventKind.REPORTED, at, reporter, None if undesignated else severity)
            if undesignated:
                add(EventKind.SEVERITY_DESIGNATED, at + timedelta(hours=1), reporter, severity)
            ack = at + timedelta(minutes=rng.randrange(5, 90))
            add(EventKind.ACKNOWLEDGED, ack, agent.pk)
            add(EventKind.IN_PROGRESS, ack + timedelta(minutes=rng.randrange(1, 60)), agent.pk)
            if rng.random() < 0.1:
                proposed = severity + 1 if severity < 4 else severity - 1
                when = at + timedelta(hours=2)
                add(
                    EventKind.SEVERITY_PROPOSED,
                    when,
                    agent.pk,
                    proposed,
                    reason="Only one user affected",
                    **{"from": severity},
                )
                answer = rng.random()
                if answer < 0.6:
                    add(
                        EventKind.SEVERITY_AGREED,
                        when + timedelta(hours=3),
                        reporter,
                        proposed,
                        how="customer accepted the proposal",
                    )
                elif answer < 0.9:
                    add(EventKind.SEVERITY_REJECTED, when + timedelta(hours=3), reporter)
            status = Status.IN_PROGRESS
            if rng.random() >= 0.1:  # a tenth stay open
                # Wall-clock delay around the target (support hours stretch it further).
                delay = targets[severity] * rng.lognormvariate(-0.8, 0.8)
                restored = at + timedelta(seconds=max(600, int(delay)))
                add(EventKind.RESTORED, restored, agent.pk, repair="temporary")
                status = Status.RESTORED
                if rng.random() < 0.7:
                    add(EventKind.FIX_DELIVERED, restored + timedelta(days=2), agent.pk)
                    add(EventKind.CLOSED, restored + timedelta(days=3), reporter)
                    status = Status.CLOSED
            ticket.status = status
            statuses.append(ticket)
        TicketEvent.objects.bulk_create(events, batch_size=2000)
        Ticket.objects.bulk_update(statuses, ["status"], batch_size=1000)
    return {
        "seed_seconds": time.perf_counter() - began,
        "customers": customers,
        "tickets": len(tickets),
        "events": len(events),
        "outages": len(outages),
        "big_customer": organisations[0].slug,
    }
