"""The public status page in Chromium, with JavaScript off: what a visitor, a customer and the
staff see, and the demo's outage opened and closed from the page.

Every assertion is on text a person sees (or a screen reader reads); the screenshots go to
var/screenshots/ (status-page.png is the whole page as an anonymous visitor sees it). Nothing
is frozen: the outages are placed relative to now.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ..conftest import PASSWORD
from .conftest import TIMEOUT_MS, live_db

pytestmark = [pytest.mark.browser, live_db]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def history(world: Any, settings: Any) -> dict[str, Any]:
    """Outages of the last days in the US region and one going on now; the demo switch on.
    Requested before `chromium`: the database is out of reach once the browser runs."""
    from django.utils import timezone

    from accord.monitoring.models import ModuleRegion, Outage, Source

    settings.ACCORD_STATUS_DEMO = True
    now = timezone.now()
    us = {
        mr.module.name: mr
        for mr in ModuleRegion.objects.filter(region__code="us").select_related("module")
    }
    for mr in us.values():
        mr.deployed_version = "2026.48.1"
        mr.save()
    Outage.objects.create(
        module_region=us["Release Manager"],
        source=Source.PROBE,
        start=now - timedelta(days=3, hours=2),
        end=now - timedelta(days=3, hours=1, minutes=15),
    )
    Outage.objects.create(
        module_region=us["Reporting"],
        source=Source.PROBE,
        impact="partial_outage",
        start=now - timedelta(days=20),
        end=now - timedelta(days=20) + timedelta(minutes=50),
    )
    Outage.objects.create(
        module_region=us["Deployment Manager"],
        source=Source.PROBE,
        start=now - timedelta(minutes=3),
    )
    return {"release": us["Release Manager"].pk}


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def module(page: Page, name: str) -> Any:
    return page.locator("li.module").filter(has=page.get_by_role("heading", name=name, exact=True))


def test_the_status_page_in_chromium(
    history: dict[str, Any],
    world: Any,
    chromium: Browser,
    live_server: Any,
    screenshots: Path,
) -> None:
    base = live_server.url
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    # An anonymous visitor: no sign-in, the region's page.
    page.goto(base + "/status/us/")
    expect(page).to_have_url(base + "/status/us/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service status: United States")
    expect(page.locator(".status-banner")).to_have_text("Major outage")
    deployment = module(page, "Deployment Manager")
    expect(deployment).to_contain_text("Major outage")
    expect(deployment).to_contain_text("Version 2026.48.1")
    expect(module(page, "Stryka")).to_contain_text("Operational")
    expect(module(page, "Stryka")).to_contain_text("100.000% uptime over the last 90 days")
    # Every module has 90 bars, each read out as its day and uptime.
    release = module(page, "Release Manager")
    bars = release.get_by_role("list", name="Release Manager: daily uptime, last 90 days")
    expect(bars.get_by_role("listitem")).to_have_count(90)
    expect(bars.get_by_role("listitem").last).to_have_text(
        re.compile(r"^\d{4}-\d{2}-\d{2}: \d{2,3}\.\d{3}% uptime")
    )
    expect(release).to_contain_text("1 day with downtime")
    # The days with downtime, opened with the keyboard.
    summary = release.get_by_text("Days with downtime: Release Manager")
    summary.focus()
    page.keyboard.press("Enter")
    table = release.get_by_role("table", name="Release Manager: days with downtime, newest first")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("cell").nth(1)).to_have_text("45.0 min")
    expect(page.get_by_role("heading", name="Scheduled maintenance")).to_be_visible()
    expect(page.get_by_text("Weekly maintenance window").first).to_be_visible()
    expect(page.get_by_label("Email address")).to_be_visible()
    expect(page.get_by_role("link", name="Atom feed for United States")).to_be_visible()
    shot = screenshots / "status-page.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes()[:8] == PNG_SIGNATURE
    assert shot.stat().st_size > 20_000

    # The overall page: every region.
    page.get_by_role("navigation", name="Regions").get_by_role("link", name="All regions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service status")
    for region in ("Australia", "United Kingdom", "United States"):
        expect(page.get_by_role("heading", name=region, level=2)).to_be_visible()
    expect(page.locator("ol.bars")).to_have_count(15)

    # A customer signed in: its own month.
    sign_in(page, base, world.acme_admin.email)
    page.goto(base + "/status/us/")
    panel = page.get_by_role("region", name="Acme Corp: your month so far")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("row")).to_have_count(6)
    expect(panel.get_by_role("row", name=re.compile("^Stryka"))).to_contain_text("100.000%")
    page.screenshot(path=screenshots / "status-page-customer.png")
    context.close()

    # The staff's demo switch: an outage opened from the page, then closed.
    staff = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    staff.set_default_timeout(TIMEOUT_MS)
    page = staff.new_page()
    sign_in(page, base, world.agent.email)
    page.goto(base + "/status/us/")
    expect(module(page, "Release Manager")).to_contain_text("Operational")
    page.get_by_role("button", name="Simulate an outage of Release Manager (us)").click()
    expect(page.get_by_role("status")).to_contain_text("simulated major outage opened")
    expect(module(page, "Release Manager")).to_contain_text("Major outage")
    page.screenshot(path=screenshots / "status-page-demo-outage.png")
    page.get_by_role("button", name="Restore Release Manager (us)").click()
    expect(page.get_by_role("status")).to_contain_text("simulated outage closed")
    expect(module(page, "Release Manager")).to_contain_text("Operational")
    staff.close()
