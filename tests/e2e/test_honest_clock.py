"""Issue 21 items 3 and 5 in Chromium: a running ticket outside support hours says when its
clock counts again, and every label of the contract simulator works its own field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ..conftest import PASSWORD
from .conftest import TIMEOUT_MS, live_db

pytestmark = [pytest.mark.browser, live_db]

# Friday 13 March 2026: reported 17:00 PDT, seen at 20:00 PDT, after support hours
# (Monday-Friday 08:00-18:00 America/Los_Angeles, the customer's region zone).
REPORTED = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)


@pytest.fixture
def friday_evening(world: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Acme's ticket reported Friday at 17:00; the live server's clock reads Friday 20:00."""
    from accord.helpdesk import services

    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=2),
        now=REPORTED,
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: FRIDAY_EVENING)
    return f"/tickets/{ticket.pk}/"


def _signed_in(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def test_outside_support_hours_the_ticket_says_when_counting_resumes(
    world: Any, friday_evening: str, chromium: Browser, live_server: Any, screenshots: Path
) -> None:
    page = _signed_in(chromium, live_server.url, world.acme_reporter.email)
    page.goto(live_server.url + friday_evening)
    state = page.locator(".clock .clock-state")
    expect(state).to_have_text("Paused outside support hours — counting resumes Mon 08:00 PDT")
    expect(page.locator(".clock")).not_to_contain_text("Clock running")
    expect(page.get_by_role("link", name="the SLA article")).to_have_attribute("href", "/help/sla/")
    page.screenshot(path=str(screenshots / "ticket-paused-outside-support-hours.png"))
    page.goto(live_server.url + "/tickets/")
    expect(page.locator("table.tickets")).to_contain_text("counting resumes Mon 08:00 PDT")
    page.context.close()


def test_the_simulators_ids_are_unique_and_each_label_works_its_own_field(
    world: Any, chromium: Browser, live_server: Any
) -> None:
    page = _signed_in(chromium, live_server.url, world.manager.email)
    page.goto(live_server.url + "/dashboard/simulator/")
    duplicates = page.evaluate(
        """() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) {
                seen[el.id] = (seen[el.id] || 0) + 1;
            }
            return Object.keys(seen).filter((id) => seen[id] > 1);
        }"""
    )
    assert duplicates == []
    labels = page.locator("form.simulator-form label[for]")
    assert labels.count() > 10
    for index in range(labels.count()):
        label = labels.nth(index)
        target = label.get_attribute("for")
        if not label.is_visible():
            continue
        label.click()
        focused = page.evaluate("() => document.activeElement && document.activeElement.id")
        assert focused == target, f"the label for {target!r} focused {focused!r}"
    page.context.close()
