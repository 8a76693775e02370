"""The demo's help desk in Chromium: the agents' queue as a newcomer first sees it.

It also makes the README's picture. With ACCORD_UPDATE_SCREENSHOTS=1 the test writes the
screenshot to docs/screenshots/queue.png as well:

    ACCORD_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_demo_queue.py
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from .conftest import ROOT, TIMEOUT_MS, live_db

pytestmark = [pytest.mark.browser, live_db]

STANDINGS = ("Breached", "At risk", "On track", "No severity yet")
README_SCREENSHOT = ROOT / "docs" / "screenshots" / "queue.png"


@pytest.fixture
def demo() -> str:
    """The demo's customers, staff and four weeks of tickets, ending now; the agent's email."""
    from django.utils import timezone

    from accord.demo.data import seed

    seed(timezone.now())
    return "agent@vendor.example"


def test_the_demo_queue_sorted_by_time_to_breach(
    demo: str, chromium: Browser, live_server: Any, screenshots: Path
) -> None:
    from accord.demo.data import DEMO_PASSWORD

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Email address").fill(demo)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ open tickets?$"))).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_be_visible()
    badges = rows.locator("td:first-child .badge").all_inner_texts()
    assert badges and set(badges) <= set(STANDINGS), badges
    # The nearest breach first: every breached ticket before every other.
    breached = [badge == "Breached" for badge in badges]
    assert breached == sorted(breached, reverse=True), badges
    for due in rows.locator("td:nth-child(2)").all_inner_texts():
        assert due.endswith((" PST", " PDT")) or due == "no target yet", due  # vendor's zone

    shot = screenshots / "demo-queue.png"
    page.screenshot(path=shot)  # the first screenful: what the README shows
    context.close()
    if os.environ.get("ACCORD_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, README_SCREENSHOT)
