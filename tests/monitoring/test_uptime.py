"""Uptime of a module-region from stored outages: the seed's month, worked through."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accord.engine.timeutil import from_epoch, parse_instant
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
from accord.monitoring.services import Terms, month_uptime


def utc(text: str) -> Any:
    return from_epoch(parse_instant(text, "at"))


def test_the_seed_month_counts_only_what_overruns_the_window(world: Any) -> None:
    terms = Terms.of(world.acme.contract.terms)
    release_us = ModuleRegion.objects.get(module=world.module, region__code="us")
    # Overruns the Wednesday window (08:00-08:30 UTC in PDT): 70 minutes count.
    Outage.objects.create(
        module_region=release_us,
        source=Source.PROBE,
        start=utc("2026-03-11T08:15:00Z"),
        end=utc("2026-03-11T09:40:00Z"),
    )
    # Degraded performance does not count under the built-in policy.
    Outage.objects.create(
        module_region=release_us,
        source=Source.INCIDENT,
        impact=Impact.DEGRADED,
        start=utc("2026-03-12T10:00:00Z"),
        end=utc("2026-03-12T12:00:00Z"),
    )
    # Another customer's private outage is not Acme's.
    Outage.objects.create(
        module_region=release_us,
        organisation=world.globex,
        source=Source.TICKET,
        start=utc("2026-03-13T10:00:00Z"),
        end=utc("2026-03-13T11:00:00Z"),
    )
    now = utc("2026-04-02T00:00:00Z")
    result = month_uptime(release_us, terms, "2026-03", organisation=world.acme, now=now)
    assert result.period_seconds == 44_580 * 60
    assert result.eligible_seconds == (44_580 - 4 * 30) * 60
    assert result.downtime_seconds == 70 * 60
    assert result.uptime_percent_display == "99.842"
    assert not result.met
    globex = month_uptime(release_us, terms, "2026-03", organisation=world.globex, now=now)
    assert globex.downtime_seconds == 130 * 60


def test_adhoc_maintenance_counts_only_with_enough_notice(world: Any) -> None:
    terms = Terms.of(world.acme.contract.terms)  # 48 hours' notice
    release_us = ModuleRegion.objects.get(module=world.module, region__code="us")
    start, end = utc("2026-03-20T10:00:00Z"), utc("2026-03-20T11:00:00Z")
    Outage.objects.create(module_region=release_us, source=Source.PROBE, start=start, end=end)
    window = MaintenanceWindow.objects.create(
        region=release_us.region,
        title="Database upgrade",
        start=start,
        end=end,
        announced_at=start - timedelta(hours=24),
        created_by=world.vendor_admin,
    )
    now = utc("2026-04-02T00:00:00Z")
    short = month_uptime(release_us, terms, "2026-03", now=now)
    assert short.downtime_seconds == 3600  # announced a day ahead: not enough
    window.announced_at = start - timedelta(hours=48)
    window.save()
    enough = month_uptime(release_us, terms, "2026-03", now=now)
    assert enough.downtime_seconds == 0
    assert enough.maintenance_seconds == short.maintenance_seconds + 3600
