"""The demo's staff switch on the status page: a major outage opened by hand and closed again,
so a newcomer watches the page change. Staff only, and only where it is enabled (ACCORD_DEBUG,
as `make demo` runs, or ACCORD_STATUS_DEMO): for everyone else it does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accord.monitoring.models import Outage

from .conftest import Clock


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enabled(settings: Any) -> None:
    settings.ACCORD_STATUS_DEMO = True


def test_staff_take_a_module_down_and_up_again(
    world: Any, clock: Clock, mr: Callable[[str, str], Any], enabled: None
) -> None:
    release = mr("Release Manager", "us")
    agent = signed_in(world.agent)
    html = agent.get("/status/us/").content.decode()
    assert "Simulate an outage of Release Manager (us)" in html
    assert "All modules operational" in html

    response = agent.post(f"/status/simulate/{release.pk}/", {"action": "down", "back": "region"})
    assert response.status_code == 302
    assert response.url == f"/status/us/#module-{release.pk}"
    opened = Outage.objects.get()
    assert (opened.source, opened.impact, opened.note) == ("incident", "major_outage", "demo")
    assert (opened.start, opened.end, opened.organisation) == (clock.at, None, None)
    # Pressing twice opens nothing more.
    agent.post(f"/status/simulate/{release.pk}/", {"action": "down"})
    assert Outage.objects.count() == 1

    html = agent.get("/status/us/").content.decode()
    assert "Release Manager (United States): simulated major outage opened." in html
    assert "<strong>Major outage</strong>" in html
    assert "Restore Release Manager (us)" in html
    anonymous = Client().get("/status/us/").content.decode()
    assert "<strong>Major outage</strong>" in anonymous
    assert "Restore" not in anonymous and "Simulate" not in anonymous

    clock.at = clock.at.replace(minute=15)
    response = agent.post(f"/status/simulate/{release.pk}/", {"action": "up", "back": "overall"})
    assert response.url == f"/status/#module-{release.pk}"
    opened.refresh_from_db()
    assert opened.end == clock.at
    html = Client().get("/status/us/").content.decode()
    assert "<strong>All modules operational</strong>" in html
    # 15 of the 735 minutes of today so far (00:00-12:15 Pacific).
    assert 'title="2026-06-15: 97.959% uptime, 15.0 min down"' in html


def test_restore_closes_only_what_the_switch_opened(
    world: Any, clock: Clock, mr: Callable[[str, str], Any], enabled: None
) -> None:
    release = mr("Release Manager", "us")
    probe = Outage.objects.create(module_region=release, source="probe", start=clock.at)
    signed_in(world.manager).post(f"/status/simulate/{release.pk}/", {"action": "up"})
    probe.refresh_from_db()
    assert probe.end is None


@pytest.mark.parametrize("role", ["acme_reporter", "acme_admin", "globex_admin"])
def test_customers_never_reach_it(
    world: Any, clock: Clock, mr: Callable[[str, str], Any], enabled: None, role: str
) -> None:
    release = mr("Release Manager", "us")
    client = signed_in(getattr(world, role))
    assert "Simulate" not in client.get("/status/us/").content.decode()
    real = client.post(f"/status/simulate/{release.pk}/", {"action": "down"})
    missing = client.post("/status/simulate/987654/", {"action": "down"})
    assert real.status_code == missing.status_code == 404
    assert real.content == missing.content
    assert client.get(f"/status/simulate/{release.pk}/").status_code == 405
    assert Outage.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(
    world: Any, clock: Clock, mr: Callable[[str, str], Any], enabled: None
) -> None:
    response = Client().post(f"/status/simulate/{mr('Stryka', 'au').pk}/", {"action": "down"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert Outage.objects.count() == 0


def test_off_unless_enabled(world: Any, clock: Clock, mr: Callable[[str, str], Any]) -> None:
    # Tests run with ACCORD_DEBUG off, as production does.
    agent = signed_in(world.vendor_admin)
    assert "Simulate" not in agent.get("/status/").content.decode()
    response = agent.post(f"/status/simulate/{mr('Stryka', 'au').pk}/", {"action": "down"})
    assert response.status_code == 404
    assert Outage.objects.count() == 0
