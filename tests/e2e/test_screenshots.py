"""The pages issue 21 fixed, as a newcomer sees them in the demo, in Chromium: each answers,
shows what it must, and leaves a screenshot in var/screenshots/. With
ACCORD_UPDATE_SCREENSHOTS=1 the screenshots also replace those in docs/screenshots/:

    ACCORD_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_screenshots.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from .conftest import ROOT, TIMEOUT_MS, live_db

pytestmark = [pytest.mark.browser, live_db]

DOCS = ROOT / "docs" / "screenshots"


def _sign_in(page: Any, url: str, email: str) -> None:
    from accord.demo.data import DEMO_PASSWORD

    page.goto(url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def pages() -> list[tuple[str, str | None, str, str]]:
    """The demo, seeded now; (file, who signs in, path, text the page must show) of each page."""
    from django.utils import timezone

    from accord.demo.data import seed
    from accord.helpdesk.models import Status, Ticket

    now = timezone.now()
    seed(now)
    ticket = (
        Ticket.objects.filter(organisation__slug="acme", status=Status.IN_PROGRESS)
        .order_by("-reported_at")
        .first()
    )
    assert ticket is not None
    last_month = (now.replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")
    return [
        ("ticket.png", "admin@acme.example", f"/tickets/{ticket.pk}/", "support hours"),
        ("report.png", "admin@acme.example", f"/reports/acme/{last_month}/", "Uptime"),
        ("dashboard.png", "manager@vendor.example", "/dashboard/", "SLA dashboard"),
        ("releases.png", None, "/releases/?region=us", "Times are shown in America/Los_Angeles"),
        ("status.png", None, "/status/", "Service status"),
    ]


def test_the_fixed_pages_of_the_demo(
    pages: list[tuple[str, str | None, str, str]],
    chromium: Browser,
    live_server: Any,
    screenshots: Path,
) -> None:
    made = []
    for name, email, path, text in pages:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        if email:
            _sign_in(page, live_server.url, email)
        answer = page.goto(live_server.url + path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        expect(page.get_by_text(text).first).to_be_visible()
        shot = screenshots / name
        page.screenshot(path=shot)
        made.append(shot)
        context.close()
    if os.environ.get("ACCORD_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for shot in made:
            shutil.copyfile(shot, DOCS / shot.name)
