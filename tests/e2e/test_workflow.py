"""The help desk's central promise, in real browsers: a customer raises a Severity 1 fault, an
agent restores service, and both of them see the return-to-service clock stop, within target.

Chromium (which stands for Chrome and Edge) runs it with JavaScript on and off, driven by
Playwright; Firefox ESR runs it over WebDriver BiDi, driven by puppeteer-core from Node
(`firefox_workflow.mjs`). Every assertion is on text a person sees on the page. Nothing is
frozen: the clock really runs, and the assertions are on its state (on track, then met), not
on exact times.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ..conftest import PASSWORD
from .conftest import TIMEOUT_MS, firefox_path, live_db, run_firefox_script

pytestmark = [pytest.mark.browser, live_db]

MODULE = "Release Manager"
SEVERITY_1 = "1 Critical"
SEVERITY_1_DESCRIPTION = "Total inability to perform the normal operations of an Application."
# "Tue 10 Mar 2026 13:00 PDT": a time in the viewer's zone, the zone named.
CUSTOMER_DUE = re.compile(r"^\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} (PDT|PST)$")  # Acme: US
AGENT_DUE = re.compile(r"^\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} P[SD]T$")  # staff: the vendor's
# A running clock, inside support hours or (when the test runs at night) outside them.
RUNNING = re.compile(r"Clock running|Paused outside support hours — counting resumes \w{3} ")
FIREFOX_TIMEOUT_S = 120


# --- Chromium, through Playwright --------------------------------------------------------------


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")  # not signed in: the login page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def clock_panel(page: Page) -> Any:
    return page.get_by_role("region", name="Return-to-service clock")


def expect_clock_running(page: Page, due: re.Pattern[str]) -> None:
    clock = clock_panel(page)
    expect(clock).to_contain_text("On track")
    expect(clock).to_contain_text(RUNNING)
    expect(clock).to_contain_text(SEVERITY_1)
    expect(clock).to_contain_text("4 h 0 min of support time")
    expect(clock).to_contain_text("Service must be restored by the due time.")
    expect(clock.locator("div:has(> dt:text-is('Due')) dd")).to_have_text(due)


def expect_clock_stopped_within_target(page: Page) -> None:
    clock = clock_panel(page)
    expect(clock).to_contain_text("Met")
    expect(clock).to_contain_text("Clock stopped")
    expect(clock).to_contain_text("Service was restored within the target.")
    expect(clock.locator("div:has(> dt:text-is('Due')) dd")).to_have_text(
        "Not due: the clock is stopped"
    )
    expect(clock).not_to_contain_text("On track")


def run_workflow(
    browser: Browser, base_url: str, world: Any, shots: Path, *, javascript: bool
) -> None:
    """The customer and the agent, each in a browser context of their own (own cookies).
    On a failure, what each of them had on screen goes to var/screenshots/."""
    tag = f"chromium-{'js' if javascript else 'nojs'}"
    size = {"width": 1280, "height": 900}
    customer = browser.new_context(java_script_enabled=javascript, viewport=size)
    agent = browser.new_context(java_script_enabled=javascript, viewport=size)
    try:
        for context in (customer, agent):
            context.set_default_timeout(TIMEOUT_MS)
        page, queue = customer.new_page(), agent.new_page()
        try:
            workflow(page, queue, base_url, world, shots, tag=tag, javascript=javascript)
        except Exception:
            for who, seen in (("customer", page), ("agent", queue)):
                with contextlib.suppress(Exception):
                    seen.screenshot(path=shots / f"{tag}-failed-{who}.png", full_page=True)
            raise
    finally:
        customer.close()
        agent.close()


def workflow(
    page: Page, queue: Page, base_url: str, world: Any, shots: Path, *, tag: str, javascript: bool
) -> None:
    summary = f"Release calendar is down for everyone ({tag})"
    if not javascript:  # the pages really get no JavaScript
        page.set_content('<p id="js">off</p><script>js.textContent = "on"</script>')
        expect(page.locator("#js")).to_have_text("off")

    # The customer raises a Severity 1 fault through the portal's form.
    sign_in(page, base_url, world.acme_reporter.email)
    expect(page.get_by_role("heading", name="Acme Corp: tickets")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a fault").click()
    expect(page.get_by_role("heading", name="Report a fault")).to_be_visible()
    page.get_by_label("Affected module").select_option(label=MODULE)
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Description", exact=True).fill("Nobody can open the release calendar.")
    critical = page.get_by_role("radio", name=SEVERITY_1)
    expect(page.get_by_text(SEVERITY_1_DESCRIPTION)).to_be_visible()  # the seed's words
    expect(critical).to_have_accessible_description(re.compile(re.escape(SEVERITY_1_DESCRIPTION)))
    critical.check()
    page.get_by_role("button", name="Report the fault").click()

    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Fault reported as ticket #\d+"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^#\d+ {re.escape(summary)}$"))
    number = heading.inner_text().split()[0]  # "#12"
    expect(page.locator("p.meta")).to_contain_text("Reported")
    expect_clock_running(page, CUSTOMER_DUE)
    expect(page.get_by_role("contentinfo")).to_contain_text(
        "Times are shown in America/Los_Angeles."
    )
    expect(page.locator("#timeline")).to_contain_text("Fault reported")

    # The agent finds it in the queue, on track, due in the agent's zone.
    sign_in(queue, base_url, world.agent.email)
    expect(queue.get_by_role("heading", name="Queue")).to_be_visible()
    row = queue.get_by_role("row").filter(has_text=summary)
    expect(row).to_contain_text("On track")
    expect(row).to_contain_text("Acme Corp")
    expect(row).to_contain_text(MODULE)
    expect(row.locator("td:nth-child(2) time")).to_have_text(AGENT_DUE)  # the Due column
    queue.screenshot(path=shots / f"{tag}-queue.png", full_page=True)

    # ... opens it and restores service with a temporary repair.
    row.get_by_role("link", name=f"{number} {summary}").click()
    expect(queue.get_by_role("heading", level=1)).to_have_text(f"{number} {summary}")
    expect_clock_running(queue, AGENT_DUE)
    status = queue.get_by_role("region", name="Status", exact=True)
    status.get_by_label("New status").select_option(label="Service restored")
    status.get_by_role("radio", name="Temporary repair").check()
    status.get_by_label("Note (optional)").fill("Restarted the calendar service.")
    status.get_by_role("button", name="Change status").click()
    expect(queue.get_by_role("status")).to_contain_text("Status changed to service restored.")
    expect(queue.locator("p.meta")).to_contain_text("Service restored (temporary repair)")
    expect(queue.locator("#timeline")).to_contain_text("Service restored (temporary repair)")
    expect_clock_stopped_within_target(queue)
    queue.screenshot(path=shots / f"{tag}-agent-ticket.png", full_page=True)

    # The customer sees the same: the clock stopped, within target.
    page.reload()
    expect_clock_stopped_within_target(page)
    expect(page.locator("p.meta")).to_contain_text("Service restored (temporary repair)")
    page.screenshot(path=shots / f"{tag}-ticket.png", full_page=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    listed = page.get_by_role("row").filter(has_text=summary)
    expect(listed).to_contain_text("Service restored")
    expect(listed).to_contain_text("Met")

    # And the ticket has left the agents' queue of open tickets.
    queue.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(queue.get_by_text("0 open tickets")).to_be_visible()
    expect(queue.get_by_role("row").filter(has_text=summary)).to_have_count(0)


def test_chromium_severity_1_fault_restored_clock_stops(
    world: Any, chromium: Browser, live_server: Any, screenshots: Path
) -> None:
    run_workflow(chromium, live_server.url, world, screenshots, javascript=True)


def test_chromium_without_javascript(
    world: Any, chromium: Browser, live_server: Any, screenshots: Path
) -> None:
    run_workflow(chromium, live_server.url, world, screenshots, javascript=False)


# --- Firefox ESR, over WebDriver BiDi --------------------------------------------------------


def test_firefox_severity_1_fault_restored_clock_stops(
    world: Any, live_server: Any, screenshots: Path
) -> None:
    summary = "Release calendar is down for everyone (firefox)"
    env = {
        **os.environ,
        "ACCORD_E2E_URL": live_server.url,
        "ACCORD_E2E_CUSTOMER": world.acme_reporter.email,
        "ACCORD_E2E_AGENT": world.agent.email,
        "ACCORD_E2E_PASSWORD": PASSWORD,
        "ACCORD_E2E_SUMMARY": summary,
        "ACCORD_E2E_MODULE": MODULE,
        "ACCORD_E2E_SCREENSHOTS": str(screenshots),
        "ACCORD_E2E_TIMEOUT_MS": str(TIMEOUT_MS),
        "ACCORD_FIREFOX": firefox_path(),
    }
    result = run_firefox_script("firefox_workflow.mjs", env, FIREFOX_TIMEOUT_S, screenshots)
    assert result["browser"].startswith("firefox/"), result["browser"]
    seen = result["seen"]

    # The form: Severity 1 with the seed's description beside it.
    assert seen["severity_choice"]["label"] == SEVERITY_1
    assert seen["severity_choice"]["description"].startswith(SEVERITY_1_DESCRIPTION)
    assert seen["severity_choice"]["description_visible"]

    # The customer's ticket page: the clock runs, due in the customer's zone.
    raised = seen["customer_raised"]
    assert re.search(r"Fault reported as ticket #\d+", raised["message"])
    number = f"#{result['ticket']}"
    assert raised["heading"] == f"{number} {summary}"
    assert_clock_running(raised["clock"], raised["due"], CUSTOMER_DUE)
    assert "Times are shown in America/Los_Angeles." in raised["footer"]

    # The agent's queue and ticket page: on track, due in the vendor's zone (Los Angeles).
    row = seen["agent_queue_row"]
    assert "On track" in row["text"] and "Acme Corp" in row["text"] and MODULE in row["text"]
    assert AGENT_DUE.match(row["due"]), row["due"]
    assert_clock_running(seen["agent_ticket"]["clock"], seen["agent_ticket"]["due"], AGENT_DUE)

    # Restored: both sides see the clock stopped within target.
    restored = seen["agent_restored"]
    assert "Status changed to service restored." in restored["message"]
    assert "Service restored (temporary repair)" in restored["meta"]
    assert_clock_stopped_within_target(restored["clock"], restored["due"])
    after = seen["customer_after"]
    assert_clock_stopped_within_target(after["clock"], after["due"])
    assert "Service restored (temporary repair)" in after["meta"]
    assert "0 open tickets" in seen["agent_queue_after"]


def assert_clock_running(clock: str, due: str, zone: re.Pattern[str]) -> None:
    for words in (
        "On track",
        SEVERITY_1,
        "4 h 0 min of support time",
        "Service must be restored by the due time.",
    ):
        assert words in clock, f"{words!r} not in the clock panel:\n{clock}"
    assert RUNNING.search(clock), f"the clock does not run:\n{clock}"
    assert zone.match(due), due


def assert_clock_stopped_within_target(clock: str, due: str) -> None:
    for words in ("Met", "Clock stopped", "Service was restored within the target."):
        assert words in clock, f"{words!r} not in the clock panel:\n{clock}"
    assert not RUNNING.search(clock), f"the clock still runs:\n{clock}"
    assert "On track" not in clock, clock
    assert due == "Not due: the clock is stopped"
