"""The demo switch of the status page, for staff when enabled (`demo_enabled`: on with
ACCORD_DEBUG=1, as `make demo` runs): a major outage opened and closed by hand (`simulate`),
or, where a health check probes the module-region's stand-in endpoint (`demo_health_url`,
which accord.demo points its checks at), that endpoint switched down and up again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings

from accord.core.links import absolute_url
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.probes.models import HealthCheck
from accord.status.models import DemoSwitch

DEMO_REFERENCE = "status-page-demo"
DEMO_HEALTH_PATH = "/status/demo-health/{pk}/"


def demo_enabled() -> bool:
    """The staff's "simulate an outage" buttons: on when ACCORD_DEBUG=1 (`make demo`), or
    where the setting ACCORD_STATUS_DEMO says so. Never by default in production: a
    simulated outage is a real outage row and counts against every customer's uptime."""
    return bool(getattr(settings, "ACCORD_STATUS_DEMO", settings.DEBUG))


def simulate(module_region: ModuleRegion, *, down: bool, now: datetime) -> Outage | None:
    """Open a major outage of the module-region (note "demo") or close the open demo outages.
    Idempotent: a second "down" keeps the open one, a second "up" does nothing. Only outages
    this switch opened are closed; whatever a probe or an incident opened stays."""
    open_demo = Outage.objects.filter(
        module_region=module_region, reference=DEMO_REFERENCE, end__isnull=True
    )
    if down:
        existing = open_demo.first()
        if existing is not None:
            return existing
        return Outage.objects.create(
            module_region=module_region,
            source=Source.INCIDENT,
            impact=Impact.MAJOR_OUTAGE,
            start=now,
            reference=DEMO_REFERENCE,
            note="demo",
        )
    open_demo.update(end=now)
    return None


def demo_health_url(module_region: ModuleRegion) -> str:
    """Where the demo's health check of the module-region points: its stand-in endpoint."""
    return absolute_url(DEMO_HEALTH_PATH.format(pk=module_region.pk))


def repoint_demo_checks() -> int:
    """Point every demo health check at its stand-in endpoint on the current base URL (the
    demo served on another address than when it was seeded); returns how many moved."""
    moved = 0
    checks = HealthCheck.objects.filter(url__contains="/status/demo-health/").select_related(
        "module_region"
    )
    for check in checks:
        url = demo_health_url(check.module_region)
        if check.url != url:
            check.url = url
            check.save(update_fields=["url"])
            moved += 1
    return moved


def has_demo_check(module_region: ModuleRegion) -> bool:
    """Whether an active health check probes the module-region's stand-in endpoint: then the
    staff's switch takes the endpoint down and the probes confirm the outage for real."""
    path = DEMO_HEALTH_PATH.format(pk=module_region.pk)
    return HealthCheck.objects.filter(
        module_region=module_region, active=True, url__endswith=path
    ).exists()


def demo_health_down(module_region: ModuleRegion) -> bool:
    """Whether the staff switched the module-region's stand-in endpoint down."""
    return DemoSwitch.objects.filter(module_region=module_region, down=True).exists()


def demo_down_ids(module_region_ids: Sequence[int]) -> set[int]:
    return set(
        DemoSwitch.objects.filter(module_region_id__in=module_region_ids, down=True).values_list(
            "module_region_id", flat=True
        )
    )


def set_demo_health(module_region: ModuleRegion, *, down: bool, now: datetime) -> DemoSwitch:
    """Switch the module-region's stand-in endpoint down (503) or up (200) again. Idempotent."""
    switch, _ = DemoSwitch.objects.update_or_create(
        module_region=module_region, defaults={"down": down, "changed_at": now}
    )
    return switch


def module_region_of(pk: int) -> ModuleRegion | None:
    return ModuleRegion.objects.select_related("module", "region").filter(pk=pk).first()
