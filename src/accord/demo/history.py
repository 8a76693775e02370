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
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count

from accord.accounts.models import Contract, Organisation, User
from accord.accounts.terms import set_first_terms
from accord.catalogue.models import Module
from accord.engine.availability import uptime
from accord.engine.releases import cadence
from accord.engine.timeutil import (
    epoch_to_local,
    from_epoch,
    local_to_epoch,
    month_bounds,
    to_epoch,
    zone,
)
from accord.helpdesk import services as helpdesk
from accord.helpdesk import severity as helpdesk_severity
from accord.helpdesk.models import Channel, EventKind, Repair, Status, Ticket, TicketEvent
from accord.incidents import services as incidents
from accord.incidents.maintenance import recurring_schedule
from accord.incidents.models import ExternalAlert, ExternalSource, Incident, SourceKind
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
from accord.probes.models import CheckStatus, HealthCheck, StatusChange
from accord.releases import services as releases
from accord.releases.models import Kind, Release

SEED = 20251101
FULL_MONTHS = 12
PLANNED_AHEAD = timedelta(days=35)

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

SUMMARIES = {
    1: [
        "Nobody can log in: SSO returns an error page",
        "Release Manager shows a blank page for every user",
        "Deployments fail at the first step for all pipelines",
    ],
    2: [
        "Deployment plan export to Excel times out",
        "Environment bookings are not saved",
        "Gantt view freezes with more than 200 releases",
        "Scheduled test runs do not start",
    ],
    3: [
        "Report totals differ from the dashboard",
        "Webhook to Jira returns 500 now and then",
        "Environment booking conflicts are not flagged",
        "Approval emails arrive twice",
    ],
    4: [
        "Typo on the release summary page",
        "Column widths are not remembered",
        "The date picker starts the week on Sunday",
        "Tooltip hides the Save button on small screens",
    ],
}


@dataclass(frozen=True)
class Plan:
    """One ticket's life, as planned: `end` is where it stops (if `now` allows)."""

    severity: int | None  # designated when reporting; None: designated later (`later`)
    outcome: str  # "met" or "breach": when the service is restored against the target
    end: str  # restored, fix, release_fix, emergency_fix, closed, reopened, acknowledged, ...
    dispute: str = ""  # accepted, meeting, rejected
    channel: str = Channel.PORTAL
    when: str = "business"  # business, night, weekend
    later: int | None = None
    outage: str = ""  # "customer" (source ticket) or "region" (an incident for everyone)


# Every month of every customer holds these ten, so each month has every severity, breaches,
# disputes of each outcome, reopenings, and tickets raised at nights and weekends on each channel.
MONTHLY_PLANS = [
    Plan(1, "met", "closed"),
    Plan(2, "breach", "release_fix", channel=Channel.EMAIL, when="night"),
    Plan(2, "met", "fix", dispute="accepted", channel=Channel.API),
    Plan(1, "met", "closed", dispute="meeting", when="weekend"),
    Plan(3, "breach", "restored", dispute="rejected"),
    Plan(4, "met", "closed", channel=Channel.EMAIL, when="weekend"),
    Plan(3, "met", "reopened", channel=Channel.API, when="night"),
    Plan(None, "met", "closed", channel=Channel.EMAIL, when="night", later=3),
    Plan(4, "breach", "fix"),
    Plan(2, "met", "restored", channel=Channel.API, when="weekend"),
]
# Tickets nobody finished: carried over from month to month (and breached) until now.
STALE_PLANS = {3: Plan(4, "breach", "in_progress"), 8: Plan(3, "breach", "acknowledged")}


@dataclass
class Customer:
    organisation: Organisation
    reporter: User
    admin: User
    tz_name: str
    months: list[str]
    module_regions: dict[str, ModuleRegion]  # by module slug
    rng: random.Random
    modules: list[Module] = field(default_factory=list)


@dataclass(frozen=True)
class Staff:
    agent: User
    manager: User


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
    customers = []
    for index, (organisation, reporter, admin) in enumerate(organisations):
        tz_name = organisation.contract.terms.reporting_timezone
        customers.append(
            Customer(
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
                rng=random.Random(SEED + index),
                modules=list(Module.objects.order_by("position")),
            )
        )
    release_rows = _releases(now, customers)
    boundary = _boundary(customers)
    sources = _external_sources(agent)
    for customer in customers:
        _outages(now, customer, staff, sources, boundary)
        _maintenance(now, customer, staff, boundary)
        _tickets(now, customer, staff, release_rows, boundary)


def history_months(now: datetime, tz_name: str) -> list[str]:
    """The 12 full months before `now`'s month in `tz_name`, then `now`'s month."""
    local = epoch_to_local(to_epoch(now), zone(tz_name))
    index = local.year * 12 + local.month - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(index - FULL_MONTHS, index + 1)]


# --- contracts ------------------------------------------------------------------------------


def configure_contract(organisation: Organisation) -> None:
    """The demo contract's fee and terms (before any ticket: the clocks follow the terms)."""
    contract: Contract = organisation.contract
    slug = organisation.slug
    contract.monthly_fee = MONTHLY_FEES.get(slug, KOALA_FEE)
    if slug == "northwind":
        contract.support_hours = NORTHWIND_SUPPORT_HOURS
    elif slug not in MONTHLY_FEES:
        data = dict(contract.policy_data)
        severities = [dict(s) for s in data["severities"]]
        severities[0]["calendar"] = "always"
        data["severities"] = severities
        data["assumptions"] = [
            text
            for text in data["assumptions"]
            if not text.startswith("Penalties are left to each contract")
        ] + KOALA_ASSUMPTIONS
        data["clock"] = {**data["clock"], "allow_pause": True}
        contract.policy_data = data
        contract.penalties = KOALA_PENALTIES
    contract.save()
    set_first_terms(contract)  # the demo's terms are its contracts' first versions
    contract.__dict__.pop("terms", None)


# --- time -----------------------------------------------------------------------------------


def _at(day: date, minutes: int, tz_name: str) -> datetime:
    """A local wall-clock time, converted by the engine."""
    return from_epoch(local_to_epoch(day, minutes * 60, zone(tz_name)))


def _days(month: str, tz_name: str) -> list[date]:
    start, end = month_bounds(month, zone(tz_name))
    first = epoch_to_local(start, zone(tz_name)).date()
    last = epoch_to_local(end - 1, zone(tz_name)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _moment(rng: random.Random, month: str, tz_name: str, when: str) -> datetime:
    """A local instant in `month`: in business hours, at night or on a weekend."""
    days = _days(month, tz_name)
    if when == "weekend":
        day = rng.choice([d for d in days if d.weekday() >= 5])
        minutes = rng.randint(9 * 60, 21 * 60)
    elif when == "night":
        day = rng.choice(days)
        minutes = rng.choice([rng.randint(0, 6 * 60 + 30), rng.randint(19 * 60 + 30, 23 * 60 + 50)])
    else:
        day = rng.choice([d for d in days if d.weekday() < 5])
        minutes = rng.randint(8 * 60 + 30, 15 * 60 + 30)
    return _at(day, minutes, tz_name)


def _wall(rng: random.Random, low_hours: float, high_hours: float) -> timedelta:
    return timedelta(minutes=round(rng.uniform(low_hours, high_hours) * 60))


# --- releases -------------------------------------------------------------------------------


def _releases(now: datetime, customers: list[Customer]) -> dict[int, list[Release]]:
    """The cadence's releases of every module-region: deployed when their slot is past,
    planned when it is ahead. Returns the deployed ones of each module-region, in order."""
    first = min(month_bounds(c.months[0], zone(c.tz_name))[0] for c in customers)
    slots = cadence(recurring_schedule(), first, to_epoch(now + PLANNED_AHEAD))
    module_regions = [mr for c in customers for mr in c.module_regions.values()]
    rows = []
    for module_region in module_regions:
        for slot in slots:
            at = from_epoch(slot.at)
            version = releases.planned_version(slot.kind, at)
            past = at <= now
            what = "Monthly major release" if slot.kind == "major" else "Weekly minor release"
            rows.append(
                Release(
                    module_region=module_region,
                    version=version,
                    kind=slot.kind,
                    planned_at=at,
                    deployed_at=at if past else None,
                    notes=f"{what} of {module_region.module.name}: fixes and small improvements.",
                )
            )
    Release.objects.bulk_create(rows)
    deployed: dict[int, list[Release]] = {}
    for release in Release.objects.filter(deployed_at__isnull=False).order_by("deployed_at", "pk"):
        deployed.setdefault(release.module_region_id, []).append(release)
    for module_region in module_regions:
        done = deployed.get(module_region.pk)
        if done:
            module_region.deployed_version = done[-1].version
    ModuleRegion.objects.bulk_update(module_regions, ["deployed_version"])
    return deployed


# --- outages and maintenance ----------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """A customer-month where one module's uptime lands exactly on a tier boundary."""

    slug: str
    month: str
    module: str  # module slug
    downtime_seconds: int


def _boundary(customers: list[Customer]) -> Boundary | None:
    """The first full month (any customer) whose eligible time makes 99.9% a whole number of
    seconds of downtime; else the first where 99.0% does (the lower bound of a credit tier)."""
    for lost in (1000, 100):  # 0.1%, then 1%
        for customer in customers:
            terms = customer.organisation.contract.terms
            for month in customer.months[1:FULL_MONTHS]:
                result = uptime(
                    period=month_bounds(month, zone(customer.tz_name)),
                    outages=[],
                    maintenance=terms.maintenance,
                    target=terms.target,
                )
                if result.eligible_seconds % lost == 0:
                    return Boundary(
                        customer.organisation.slug,
                        month,
                        "reporting",
                        result.eligible_seconds // lost,
                    )
    return None


def _reserved(customer: Customer, month: str, boundary: Boundary | None) -> str | None:
    """The module slug nothing else may touch in this customer-month (the boundary's)."""
    if boundary and boundary.slug == customer.organisation.slug and boundary.month == month:
        return boundary.module
    return None


def _external_sources(agent: User) -> dict[str, ExternalSource]:
    alertmanager, _ = incidents.create_source(
        name="Prometheus (production)", kind=SourceKind.ALERTMANAGER, actor=agent
    )
    webhook, _ = incidents.create_source(
        name="Uptime Kuma", kind=SourceKind.WEBHOOK, actor=agent, impact=Impact.PARTIAL_OUTAGE
    )
    return {Source.ALERTMANAGER: alertmanager, Source.WEBHOOK: webhook}


@dataclass
class _Rows:
    """Outage rows to insert, with what each one needs beside it."""

    outages: list[Outage] = field(default_factory=list)
    alerts: list[ExternalSource | None] = field(default_factory=list)  # per outage
    checks: list[HealthCheck | None] = field(default_factory=list)  # per outage


def _outages(
    now: datetime,
    customer: Customer,
    staff: Staff,
    sources: dict[str, ExternalSource],
    boundary: Boundary | None,
) -> None:
    """The region's outages month by month: a few short probe outages, an Alertmanager alert,
    every other month a webhook's (partial or degraded), a staff incident every third month; the
    boundary's and the window overrun where they fall. Plain rows, bulk-inserted, with their
    alert rows and the health check's status changes."""
    rng = customer.rng
    tz_name = customer.tz_name
    checks = {
        check.module_region_id: check
        for check in HealthCheck.objects.filter(module_region__in=customer.module_regions.values())
    }
    rows = _Rows()

    def add(
        module_region: ModuleRegion,
        source: str,
        start: datetime,
        minutes: float,
        impact: str = Impact.MAJOR_OUTAGE,
    ) -> None:
        end = start + timedelta(seconds=round(minutes * 60))
        if end >= now:
            return
        outage = Outage(
            module_region=module_region, source=source, impact=impact, start=start, end=end
        )
        external = sources.get(source)
        check = checks.get(module_region.pk) if source == Source.PROBE else None
        if external is not None:
            outage.reference = f"{customer.organisation.slug}-{source}-{len(rows.outages) + 1}"
            outage.note = f"{external.name}: {module_region.module.name} failing"
        elif check is not None:
            outage.reference = f"check:{check.pk}"
            outage.note = f"{check.name}: failing from at least 1 of 1 probe location(s)"
        rows.outages.append(outage)
        rows.alerts.append(external)
        rows.checks.append(check)

    terms = customer.organisation.contract.terms
    for number, month in enumerate(customer.months):
        reserved = _reserved(customer, month, boundary)
        choices = [mr for slug, mr in customer.module_regions.items() if slug != reserved]
        for _ in range(rng.randint(1, 3)):
            at = _moment(rng, month, tz_name, rng.choice(["business", "night", "weekend"]))
            add(rng.choice(choices), Source.PROBE, at, rng.uniform(1, 9))
        at = _moment(rng, month, tz_name, "night")
        impact = Impact.PARTIAL_OUTAGE if number % 3 == 1 else Impact.MAJOR_OUTAGE
        add(rng.choice(choices), Source.ALERTMANAGER, at, rng.uniform(4, 15), impact=impact)
        if number % 2 == 0:
            at = _moment(rng, month, tz_name, "business")
            impact = Impact.DEGRADED if number % 4 == 0 else Impact.PARTIAL_OUTAGE
            add(rng.choice(choices), Source.WEBHOOK, at, rng.uniform(5, 25), impact=impact)
        if reserved is not None and boundary is not None:
            # Exactly the downtime that puts the module on the boundary, on a Tuesday afternoon.
            tuesday = next(d for d in _days(month, tz_name) if d.weekday() == 1 and d.day > 7)
            add(
                customer.module_regions[reserved],
                Source.ALERTMANAGER,
                _at(tuesday, 14 * 60 + 5, tz_name),
                boundary.downtime_seconds / 60,
            )
        if number == 2:
            # An outage that overruns the Wednesday window: only the part after it counts.
            start, end = month_bounds(month, zone(tz_name))
            lows, highs = terms.maintenance.intervals(start, end)
            began = from_epoch(int(lows[1])) + timedelta(minutes=10)
            ended = from_epoch(int(highs[1])) + timedelta(minutes=25)
            add(
                customer.module_regions["release-manager"],
                Source.PROBE,
                began,
                (ended - began).total_seconds() / 60,
            )
        if number % 3 == 2 and number < FULL_MONTHS and reserved is None:
            _incident(now, customer, staff, month, rng.choice(choices))

    created = Outage.objects.bulk_create(rows.outages)
    ExternalAlert.objects.bulk_create(
        ExternalAlert(
            source=source,
            monitor=outage.reference,
            start=outage.start,
            outage=outage,
            received_at=outage.start + timedelta(seconds=30),
            summary=outage.note,
        )
        for outage, source in zip(created, rows.alerts, strict=True)
        if source is not None
    )
    changes = []
    for outage, check in zip(created, rows.checks, strict=True):
        if check is None:
            continue
        assert outage.end is not None
        changes += [
            StatusChange(
                health_check=check,
                at=outage.start,
                status=CheckStatus.DOWN,
                previous=CheckStatus.UP,
                confirmed_at=outage.start + timedelta(seconds=10),
                outage=outage,
            ),
            StatusChange(
                health_check=check,
                at=outage.end,
                status=CheckStatus.UP,
                previous=CheckStatus.DOWN,
                confirmed_at=outage.end,
                outage=outage,
            ),
        ]
    StatusChange.objects.bulk_create(changes)


def _incident(
    now: datetime, customer: Customer, staff: Staff, month: str, module_region: ModuleRegion
) -> None:
    """An incident declared by staff: a partial outage that turns major, then resolved."""
    rng = customer.rng
    start = _moment(rng, month, customer.tz_name, "business")
    declared = start + timedelta(minutes=rng.randint(3, 8))
    worse = start + timedelta(minutes=rng.randint(10, 20))
    resolved = worse + timedelta(minutes=rng.randint(8, 20))
    if resolved + timedelta(minutes=5) >= now:
        return
    name = module_region.module.name
    incident = incidents.declare(
        title=f"{name} slow and failing for some users in {module_region.region.name}",
        message=f"Some {name} pages fail to load. We are investigating.",
        actor=staff.agent,
        now=declared,
        started_at=start,
        impacts={module_region: Impact.PARTIAL_OUTAGE},
    )
    incidents.set_impact(
        incident,
        module_region=module_region,
        impact=Impact.MAJOR_OUTAGE,
        actor=staff.agent,
        at=worse,
        now=worse + timedelta(minutes=2),
    )
    incidents.post_update(
        incident,
        status="identified",
        message="A database failover is under way; the module is unavailable meanwhile.",
        actor=staff.agent,
        now=worse + timedelta(minutes=3),
    )
    incidents.resolve(
        incident,
        message="The failover completed and the module is back.",
        actor=staff.agent,
        now=resolved + timedelta(minutes=5),
        at=resolved,
    )


def _maintenance(
    now: datetime, customer: Customer, staff: Staff, boundary: Boundary | None
) -> None:
    """Ad-hoc windows: announced days ahead in three months (excluded from uptime), and for the
    first customer one announced only hours ahead (counted): each with an outage inside."""
    rng = customer.rng
    first = customer.organisation.slug == "acme"
    plans = [(1, "in time"), (5, "in time"), (9, "in time")] + ([(7, "late")] if first else [])
    for number, notice in plans:
        month = customer.months[number]
        if _reserved(customer, month, boundary) is not None:
            continue
        saturdays = [d for d in _days(month, customer.tz_name) if d.weekday() == 5]
        start = _at(saturdays[1], 22 * 60, customer.tz_name)
        end = start + timedelta(hours=1)
        announced = start - (timedelta(days=6) if notice == "in time" else timedelta(hours=10))
        if end >= now:
            continue
        module_region = customer.module_regions["deployment-manager"]
        incidents.schedule_maintenance(
            region=customer.organisation.region,
            title="Database upgrade" if notice == "in time" else "Urgent storage maintenance",
            description="Deployment Manager is unavailable while the database is upgraded.",
            start=start,
            end=end,
            actor=staff.agent,
            now=announced,
            module_regions=[module_region],
        )
        Outage.objects.create(
            module_region=module_region,
            source=Source.PROBE,
            start=start + timedelta(minutes=5),
            end=start + timedelta(minutes=5 + rng.randint(15, 25)),
            note="Down during the announced maintenance",
        )


# --- tickets --------------------------------------------------------------------------------


def _tickets(
    now: datetime,
    customer: Customer,
    staff: Staff,
    deployed: dict[int, list[Release]],
    boundary: Boundary | None,
) -> None:
    rng = customer.rng
    for number, month in enumerate(customer.months):
        plans = list(MONTHLY_PLANS)
        for _ in range(rng.randint(0, 3)):
            plans.append(
                Plan(
                    rng.randint(1, 4),
                    "met" if rng.random() < 0.75 else "breach",
                    rng.choice(["closed", "fix", "restored", "release_fix"]),
                    channel=rng.choice(list(Channel.values)[:3]),
                    when=rng.choice(["business", "business", "night", "weekend"]),
                )
            )
        if number in STALE_PLANS:
            plans.append(STALE_PLANS[number])
        if number < FULL_MONTHS and number % 3 == 1:
            kind = "customer" if number % 2 else "region"
            plans[0] = Plan(1, "met", "closed", outage=kind)
        if number == 6:
            plans[1] = Plan(2, "breach", "emergency_fix", channel=Channel.EMAIL, when="night")
        reserved = _reserved(customer, month, boundary)
        for plan in plans:
            modules = customer.modules
            if plan.outage and reserved is not None:
                modules = [m for m in modules if m.slug != reserved]
            module = rng.choice(modules)
            reported_at = _moment(rng, month, customer.tz_name, plan.when)
            if reported_at >= now - timedelta(hours=1):
                continue
            _life(now, customer, staff, deployed, plan, module, reported_at)


def _life(
    now: datetime,
    customer: Customer,
    staff: Staff,
    deployed: dict[int, list[Release]],
    plan: Plan,
    module: Module,
    reported_at: datetime,
) -> None:
    """Replay one ticket's life through the help-desk services, each action at its own past
    instant; the life stops where `now` is."""
    rng = customer.rng
    agent, manager = staff.agent, staff.manager
    reporter = customer.reporter if rng.random() < 0.7 else customer.admin
    summary = rng.choice(SUMMARIES[plan.severity or plan.later or 3])
    channel = plan.channel
    ticket = helpdesk.report(
        reporter=reporter,
        organisation=customer.organisation,
        new=helpdesk.NewTicket(
            module=module,
            summary=summary,
            description="Seen by several users; steps to reproduce below.",
            severity=plan.severity,
            channel=channel,
        ),
        now=reported_at,
        email_message_id=(
            f"<demo-{reported_at:%Y%m%d%H%M%S}-{module.slug}@{customer.organisation.slug}.example>"
            if channel == Channel.EMAIL
            else ""
        ),
    )
    step = reported_at

    def at(after: timedelta) -> datetime | None:
        nonlocal step
        step = step + after
        return step if step < now else None

    if (when := at(_wall(rng, 0.1, 0.6))) is None:
        return
    helpdesk.add_comment(ticket, author=agent, body="Thanks, we are looking into it.", now=when)
    helpdesk.change_status(ticket, Status.ACKNOWLEDGED, actor=agent, now=when)
    if plan.end == "acknowledged":
        return
    if plan.later is not None:
        if (when := at(_wall(rng, 0.5, 2))) is None:
            return
        helpdesk_severity.designate_severity(ticket, plan.later, actor=reporter, now=when)
    link = None
    if plan.outage and (when := at(timedelta(minutes=rng.randint(5, 20)))) is not None:
        link = incidents.confirm_total_outage(
            ticket, actor=agent, now=when, customer_only=plan.outage == "customer"
        )
    if plan.dispute:
        if (when := at(_wall(rng, 0.3, 1))) is None:
            return
        proposed = (ticket.severity_in_force or 3) + 1
        if plan.dispute in ("accepted", "rejected"):  # "meeting": the customer proposes, later
            helpdesk_severity.propose_severity(
                ticket,
                proposed,
                actor=agent,
                reason="A workaround exists: the same data is reachable from the list view.",
                now=when,
            )
            if plan.dispute == "accepted":
                if (when := at(_wall(rng, 0.5, 3))) is None:
                    return
                helpdesk_severity.answer_proposal(
                    ticket,
                    accept=True,
                    actor=reporter,
                    note="Fine, the workaround helps.",
                    now=when,
                )
            elif plan.dispute == "rejected":
                if (when := at(_wall(rng, 0.5, 3))) is None:
                    return
                helpdesk_severity.answer_proposal(
                    ticket,
                    accept=False,
                    actor=customer.admin,
                    note="The workaround does not cover our release managers.",
                    now=when,
                )
    if (when := at(_wall(rng, 0.2, 1))) is None:
        return
    helpdesk.change_status(ticket, Status.IN_PROGRESS, actor=agent, now=when)
    if plan.end == "in_progress":
        return
    if ticket.pk % 4 == 0 and ticket.clock_state == "running" and helpdesk.pause_allowed(ticket):
        # Support waits for the customer's logs; their reply resumes the clock. Fixed
        # durations: drawing from the customer's random numbers would change its other tickets.
        if (when := at(timedelta(minutes=20))) is None:
            return
        helpdesk.pause_clock(
            ticket, actor=agent, reason="Waiting for the browser's HAR file of a failure.", now=when
        )
        if (when := at(timedelta(hours=3))) is None:
            return
        helpdesk.add_comment(ticket, author=reporter, body="HAR file attached.", now=when)
    helpdesk.add_comment(
        ticket, author=agent, body="Root cause: a stuck queue worker.", internal=True, now=when
    )
    # When the service comes back: inside the target or past it, as the engine's due time says.
    due = ticket.due_at or step + timedelta(days=2)
    if plan.dispute == "meeting":
        restored = max(due, step) + _wall(rng, 1, 3)  # past Severity 1's target, within 2's
    elif plan.outcome == "met":
        restored = step + (max(due, step) - step) * rng.uniform(0.2, 0.85)
    else:
        restored = max(due, step) + _wall(rng, 1, 20)
    restored = max(restored, step + timedelta(minutes=10))
    if restored >= now:
        return
    step = restored
    temporary = plan.end in ("release_fix", "emergency_fix", "reopened", "restored")
    helpdesk.change_status(
        ticket,
        Status.RESTORED,
        actor=agent,
        repair=Repair.TEMPORARY if temporary else Repair.PERMANENT,
        note="A workaround is in place." if temporary else "",
        now=restored,
    )
    if link is not None:
        step = min(restored + timedelta(minutes=2), now)
        incidents.resolve(
            link.incident, message="Service is restored.", actor=agent, now=step, at=restored
        )
    if plan.dispute == "meeting":
        if (when := at(_wall(rng, 18, 30))) is None:
            return
        # Agreed on a call: the customer's admin proposes the lower severity, the support
        # manager accepts it (an agreement takes one person of each side).
        helpdesk_severity.propose_severity(
            ticket,
            (ticket.severity_in_force or 1) + 1,
            actor=customer.admin,
            reason="Agreed on a call: one team was affected and a workaround existed.",
            now=when,
        )
        if (when := at(timedelta(minutes=30))) is None:
            return
        helpdesk_severity.answer_proposal(
            ticket, accept=True, actor=manager, note="As agreed on the call.", now=when
        )
    if plan.end == "restored":
        return
    if plan.end == "reopened":
        if (when := at(_wall(rng, 20, 60))) is None:
            return
        helpdesk.reopen(ticket, actor=reporter, reason="The fault is back this morning.", now=when)
        if (when := at(_wall(rng, 1, 6))) is None:
            return
        helpdesk.change_status(
            ticket, Status.RESTORED, actor=agent, repair=Repair.PERMANENT, now=when
        )
        if (when := at(_wall(rng, 24, 72))) is not None:
            helpdesk.change_status(ticket, Status.CLOSED, actor=reporter, now=when)
        return
    if plan.end in ("release_fix", "emergency_fix"):
        _fix_by_release(now, ticket, agent, deployed, step, emergency=plan.end == "emergency_fix")
        return
    if (when := at(_wall(rng, 18, 50))) is None:
        return
    if plan.end == "closed":
        helpdesk.change_status(ticket, Status.CLOSED, actor=reporter, now=when)
        return
    helpdesk.change_status(ticket, Status.FIX_DELIVERED, actor=agent, now=when)


def _fix_by_release(
    now: datetime,
    ticket: Ticket,
    agent: User,
    deployed: dict[int, list[Release]],
    restored: datetime,
    *,
    emergency: bool,
) -> None:
    """The permanent fix ships in a release of the ticket's module-region: an emergency fix
    the next evening, or the first cadence release a day after the workaround."""
    module_region = ModuleRegion.objects.get(module=ticket.module_id, region=ticket.region_id)
    if emergency:
        at = restored + timedelta(hours=20)
        version, kind = releases.planned_version(Kind.EMERGENCY, at), Kind.EMERGENCY
    else:
        after = restored + timedelta(days=1)
        release = next(
            (
                r
                for r in deployed.get(module_region.pk, [])
                if r.deployed_at is not None and r.deployed_at >= after
            ),
            None,
        )
        if release is None or release.deployed_at is None:
            return
        at, version, kind = release.deployed_at, release.version, Kind(release.kind)
    if at >= now:
        return
    # The fix is delivered at the deployment's own time; recording the deployment then links
    # the ticket (a deployment recorded now would deliver the fix now).
    helpdesk.change_status(
        ticket,
        Status.FIX_DELIVERED,
        actor=agent,
        note=f"Permanent fix delivered in release {version}",
        now=at,
    )
    releases.record_deployment(
        module_region,
        version,
        kind,
        at,
        notes=f"Emergency fix for ticket #{ticket.pk}." if emergency else "",
        tickets=[ticket],
        actor=agent,
    )


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
