"""The demo's stand-in health endpoints (`/status/demo-health/<module-region id>/`) and the
staff's switch that takes one down: with a demo health check on the module-region, the switch
no longer writes an outage itself, the probes find the endpoint failing and confirm it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from accord.engine.timeutil import from_epoch, parse_instant, to_epoch
from accord.monitoring.models import Outage, Source
from accord.probes import services as probes
from accord.probes.models import CheckStatus, HealthCheck
from accord.probes.prober import Prober, Result
from accord.status.models import DemoSwitch

T0 = from_epoch(parse_instant("2026-03-10T12:00:00Z", "t0"))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enabled(settings: Any) -> None:
    settings.ACCORD_STATUS_DEMO = True


def demo_check(module_region: Any, base: str = "http://127.0.0.1:8000") -> HealthCheck:
    return HealthCheck.objects.create(
        module_region=module_region,
        name="Demo health endpoint",
        url=f"{base}/status/demo-health/{module_region.pk}/",
        interval_seconds=10,
        timeout_seconds=5,
        failures_to_confirm=2,
        status_since=T0 - timedelta(hours=1),
    )


def test_the_endpoint_answers_ok_until_switched_down(
    world: Any, mr: Callable[[str, str], Any], enabled: None
) -> None:
    release = mr("Release Manager", "us")
    url = f"/status/demo-health/{release.pk}/"
    response = Client().get(url)
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Cache-Control"] == "no-store"
    DemoSwitch.objects.create(module_region=release, down=True, changed_at=T0)
    response = Client().get(url)
    assert (response.status_code, response.content) == (503, b"down\n")
    # Only that module-region is down.
    assert Client().get(f"/status/demo-health/{mr('Stryka', 'us').pk}/").status_code == 200
    assert Client().get("/status/demo-health/987654/").status_code == 404
    assert Client().post(url).status_code == 405


def test_the_endpoint_does_not_exist_unless_enabled(
    world: Any, mr: Callable[[str, str], Any]
) -> None:
    # Tests run with ACCORD_DEBUG off, as production does.
    release = mr("Release Manager", "us")
    assert Client().get(f"/status/demo-health/{release.pk}/").status_code == 404


def test_with_a_demo_check_the_switch_flips_the_endpoint_not_an_outage(
    world: Any, mr: Callable[[str, str], Any], enabled: None
) -> None:
    release = mr("Release Manager", "us")
    demo_check(release)
    staff = signed_in(world.agent)
    url = f"/status/demo-health/{release.pk}/"

    response = staff.post(f"/status/simulate/{release.pk}/", {"action": "down", "back": "region"})
    assert response.status_code == 302
    assert response.url == f"/status/us/#module-{release.pk}"
    assert not Outage.objects.exists(), "the probes open it, not the switch"
    assert Client().get(url).status_code == 503
    html = staff.get("/status/us/").content.decode()
    assert "its health endpoint now fails" in html
    assert "Restore Release Manager (us)" in html  # the switch shows where it stands

    staff.post(f"/status/simulate/{release.pk}/", {"action": "up"})
    assert Client().get(url).status_code == 200
    assert "Simulate an outage of Release Manager (us)" in staff.get("/status/us/").content.decode()
    assert not Outage.objects.exists()


def test_without_a_demo_check_the_switch_still_opens_an_outage_itself(
    world: Any, mr: Callable[[str, str], Any], enabled: None
) -> None:
    stryka = mr("Stryka", "au")
    signed_in(world.manager).post(f"/status/simulate/{stryka.pk}/", {"action": "down"})
    assert Outage.objects.get().note == "demo"
    assert not DemoSwitch.objects.exists()


@pytest.mark.parametrize("role", ["acme_reporter", "acme_admin", "globex_admin", None])
def test_only_the_staff_flip_it(
    world: Any, mr: Callable[[str, str], Any], enabled: None, role: str | None
) -> None:
    release = mr("Release Manager", "us")
    demo_check(release)
    client = signed_in(getattr(world, role)) if role else Client()
    response = client.post(f"/status/simulate/{release.pk}/", {"action": "down"})
    if role is None:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == 404
    assert not DemoSwitch.objects.exists()
    assert Client().get(f"/status/demo-health/{release.pk}/").status_code == 200


# ---------------------------------------------------------------------------------------------
# End to end: the built-in location probes the endpoint over HTTP, stamped with frozen instants.


def probe(check: HealthCheck, now: datetime) -> Result:
    spec = next(s for s in probes.check_specs() if s.id == check.pk)

    async def run() -> Result:
        prober = Prober(lambda result: None, clock=lambda: float(to_epoch(now)))
        try:
            return await prober.check(spec)
        finally:
            await prober.close()

    result = asyncio.run(run())
    with transaction.atomic():
        probes.record_results(probes.builtin_location(), [result], now=now)
    return result


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_probes_confirm_the_outage_and_its_end(
    live_server: Any, world: Any, mr: Callable[[str, str], Any], enabled: None
) -> None:
    release = mr("Release Manager", "us")
    check = demo_check(release, base=live_server.url)
    staff = signed_in(world.agent)
    at = [T0 + timedelta(seconds=10 * n) for n in range(5)]

    assert probe(check, at[0]).ok
    staff.post(f"/status/simulate/{release.pk}/", {"action": "down"})
    failed = probe(check, at[1])
    assert (failed.ok, failed.status) == (False, 503)
    assert not Outage.objects.exists(), "one failure is not two"
    assert not probe(check, at[2]).ok
    outage = Outage.objects.get()
    assert (outage.source, outage.reference) == (Source.PROBE, f"check:{check.pk}")
    assert (outage.module_region, outage.start, outage.end) == (release, at[1], None)
    assert "<strong>Major outage</strong>" in Client().get("/status/us/").content.decode()

    assert not probe(check, at[3]).ok  # still down: the same outage
    staff.post(f"/status/simulate/{release.pk}/", {"action": "up"})
    assert probe(check, at[4]).ok
    outage.refresh_from_db()
    assert outage.end == at[4]
    check.refresh_from_db()
    assert check.status == CheckStatus.UP
    assert Outage.objects.count() == 1
    html = Client().get("/status/us/").content.decode()
    assert "<strong>All modules operational</strong>" in html
