"""Every page of the table in pages.py, opened by the person it names: in Chromium with
JavaScript off (the pages are plain HTML and forms), and in Firefox ESR.

Each page must answer 200 and show its text; a screenshot of each Chromium page goes to
var/screenshots/pages/.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from ..conftest import PASSWORD
from .conftest import TIMEOUT_MS, firefox_path, live_db, run_firefox_script
from .pages import TICKET_SUMMARY, VISITS, Visit

pytestmark = [pytest.mark.browser, live_db]

FIREFOX_TIMEOUT_S = 240


@pytest.fixture
def scene(world: Any) -> dict[str, str]:
    """What the table's paths name: Acme's ticket. Made before the browser starts."""
    from accord.helpdesk import services

    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(
            module=world.module,
            summary=TICKET_SUMMARY,
            description="The dashboard shows a spinner and nothing else.",
            severity=2,
        ),
    )
    return {"ticket": str(ticket.pk)}


def email_of(world: Any, who: str) -> str:
    return "" if who == "visitor" else getattr(world, who).email


def path_of(visit: Visit, scene: dict[str, str]) -> str:
    return visit.path.format(**scene)


def test_every_page_in_chromium_without_javascript(
    world: Any, scene: dict[str, str], chromium: Browser, live_server: Any, screenshots: Path
) -> None:
    shots = screenshots / "pages"
    shots.mkdir(exist_ok=True)
    base = live_server.url
    pages: dict[str, Any] = {}
    for number, visit in enumerate(VISITS, 1):
        page = pages.get(visit.who)
        if page is None:
            page = chromium.new_context(java_script_enabled=False).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            if visit.who != "visitor":
                page.goto(base + "/accounts/login/")
                page.get_by_label("Email address").fill(email_of(world, visit.who))
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            pages[visit.who] = page
        path = path_of(visit, scene)
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, (visit, answer and answer.status)
        expect(page.locator("body")).to_contain_text(visit.shows)
        name = re.sub(r"[^a-z0-9]+", "-", f"{visit.who}{path}".lower()).strip("-")
        page.screenshot(path=str(shots / f"{number:02d}-{name}.png"), full_page=True)
    for page in pages.values():
        page.context.close()


def test_every_page_in_firefox(world: Any, scene: dict[str, str], live_server: Any) -> None:
    visits = [
        {
            "who": visit.who,
            "email": email_of(world, visit.who),
            "path": path_of(visit, scene),
            "shows": visit.shows,
        }
        for visit in VISITS
    ]
    env = {
        **os.environ,
        "ACCORD_E2E_URL": live_server.url,
        "ACCORD_E2E_PASSWORD": PASSWORD,
        "ACCORD_E2E_VISITS": json.dumps(visits),
        "ACCORD_E2E_TIMEOUT_MS": str(TIMEOUT_MS),
        "ACCORD_FIREFOX": firefox_path(),
    }
    result = run_firefox_script("firefox_pages.mjs", env, FIREFOX_TIMEOUT_S)
    assert result["browser"].startswith("firefox/"), result["browser"]
    wrong = [seen for seen in result["seen"] if seen["status"] != 200 or not seen["found"]]
    assert not wrong, f"pages that did not answer 200 with their text in Firefox: {wrong}"
    assert len(result["seen"]) == len(VISITS)
