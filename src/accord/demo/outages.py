"""The service's side of the history: the release calendar of every module-region, outages
from every source (probes with their status changes, Alertmanager and webhook alerts, staff
incidents), ad-hoc maintenance windows, and the customer-month set on a tier boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from accord.accounts.models import User
from accord.demo.timeline import (
    FULL_MONTHS,
    Boundary,
    Customer,
    Staff,
    local_instant,
    moment,
    month_days,
    reserved_module,
)
from accord.engine.availability import uptime
from accord.engine.releases import cadence
from accord.engine.timeutil import from_epoch, month_bounds, to_epoch, zone
from accord.incidents import alerts
from accord.incidents import services as incidents
from accord.incidents.maintenance import recurring_schedule
from accord.incidents.models import ExternalAlert, ExternalSource, SourceKind
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.probes.models import CheckStatus, HealthCheck, StatusChange
from accord.releases import services as releases
from accord.releases.models import Release

PLANNED_AHEAD = timedelta(days=35)


# --- releases -------------------------------------------------------------------------------


def seed_releases(now: datetime, customers: list[Customer]) -> dict[int, list[Release]]:
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


def find_boundary(customers: list[Customer]) -> Boundary | None:
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


def external_sources(agent: User) -> dict[str, ExternalSource]:
    alertmanager, _ = alerts.create_source(
        name="Prometheus (production)", kind=SourceKind.ALERTMANAGER, actor=agent
    )
    webhook, _ = alerts.create_source(
        name="Uptime Kuma", kind=SourceKind.WEBHOOK, actor=agent, impact=Impact.PARTIAL_OUTAGE
    )
    return {Source.ALERTMANAGER: alertmanager, Source.WEBHOOK: webhook}


@dataclass
class _Rows:
    """Outage rows to insert, with what each one needs beside it."""

    outages: list[Outage] = field(default_factory=list)
    alerts: list[ExternalSource | None] = field(default_factory=list)  # per outage
    checks: list[HealthCheck | None] = field(default_factory=list)  # per outage


def seed_outages(
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
        reserved = reserved_module(customer, month, boundary)
        choices = [mr for slug, mr in customer.module_regions.items() if slug != reserved]
        for _ in range(rng.randint(1, 3)):
            at = moment(rng, month, tz_name, rng.choice(["business", "night", "weekend"]))
            add(rng.choice(choices), Source.PROBE, at, rng.uniform(1, 9))
        at = moment(rng, month, tz_name, "night")
        impact = Impact.PARTIAL_OUTAGE if number % 3 == 1 else Impact.MAJOR_OUTAGE
        add(rng.choice(choices), Source.ALERTMANAGER, at, rng.uniform(4, 15), impact=impact)
        if number % 2 == 0:
            at = moment(rng, month, tz_name, "business")
            impact = Impact.DEGRADED if number % 4 == 0 else Impact.PARTIAL_OUTAGE
            add(rng.choice(choices), Source.WEBHOOK, at, rng.uniform(5, 25), impact=impact)
        if reserved is not None and boundary is not None:
            # Exactly the downtime that puts the module on the boundary, on a Tuesday afternoon.
            tuesday = next(d for d in month_days(month, tz_name) if d.weekday() == 1 and d.day > 7)
            add(
                customer.module_regions[reserved],
                Source.ALERTMANAGER,
                local_instant(tuesday, 14 * 60 + 5, tz_name),
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
            StatusChange.recovery(check, outage),
        ]
    StatusChange.objects.bulk_create(changes)


def _incident(
    now: datetime, customer: Customer, staff: Staff, month: str, module_region: ModuleRegion
) -> None:
    """An incident declared by staff: a partial outage that turns major, then resolved."""
    rng = customer.rng
    start = moment(rng, month, customer.tz_name, "business")
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


def seed_maintenance(
    now: datetime, customer: Customer, staff: Staff, boundary: Boundary | None
) -> None:
    """Ad-hoc windows: announced days ahead in three months (excluded from uptime), and for the
    first customer one announced only hours ahead (counted): each with an outage inside."""
    rng = customer.rng
    first = customer.organisation.slug == "acme"
    plans = [(1, "in time"), (5, "in time"), (9, "in time")] + ([(7, "late")] if first else [])
    for number, notice in plans:
        month = customer.months[number]
        if reserved_module(customer, month, boundary) is not None:
            continue
        saturdays = [d for d in month_days(month, customer.tz_name) if d.weekday() == 5]
        start = local_instant(saturdays[1], 22 * 60, customer.tz_name)
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
