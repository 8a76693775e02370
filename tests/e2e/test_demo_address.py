"""`accord demo --address` on a port other than 8000, as a newcomer runs it (issue 21, items 1
and 2): a real `accord demo` process with its worker, on a fresh SQLite database of its own.

The demo's health checks probe its own stand-in endpoints, so they must follow the address
served: on the old behaviour every module turned "Major outage" within seconds. The test waits
(for events, not for a time) until the worker's probes have checked every module-region from
the new address, then reads the status page in Chromium. On the way: the demo logins are
printed on a second run too, the vendor admin opens /admin/, /api/ is an index, /api/docs
renders Swagger UI with every request outside the demo refused (no CDN), and SIGTERM stops the
demo and its worker.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from .conftest import CHROMIUM_ARGS, ROOT, TIMEOUT_MS, executable

pytestmark = pytest.mark.browser

# Upper bounds on waiting for events (never a fixed sleep): the demo to answer, and its
# worker to probe every module-region (every 10 s each) from the new address.
START_DEADLINE_S = 120
PROBE_DEADLINE_S = 120
ACCORD = [sys.executable, "-m", "accord"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(what: str, deadline_s: float, ready: Callable[[], bool]) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if ready():
            return
        time.sleep(0.5)  # polling for an event, bounded by the deadline above
    pytest.fail(f"{what}: not within {deadline_s} s")


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "DATABASE_URL"))}
    env.update(ACCORD_DEBUG="1", ACCORD_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    subprocess.run([*ACCORD, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=tmp_path)
    return env


@pytest.fixture
def served(demo_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The demo seeded by a first run at the default address, then served on another port."""
    first = subprocess.run(
        [*ACCORD, "demo", "--no-serve"],
        env=demo_env,
        cwd=tmp_path,
        text=True,
        capture_output=True,
        check=True,
    )
    assert "admin@vendor.example" in first.stdout
    port = _free_port()
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen(
        [*ACCORD, "demo", "--address", f"127.0.0.1:{port}"],
        env=demo_env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(base + "/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            assert process.poll() is None, (tmp_path / "demo.log").read_text()
            return False

    try:
        _wait_for("the demo's /healthz", START_DEADLINE_S, answers)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        log.close()


def _probed_since(database: Path, since: datetime) -> list[tuple[str, int]]:
    """(check URL, last result ok) of every demo check probed after `since`."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "select c.url, s.last_ok, s.last_at from probes_probestate s"
            " join probes_healthcheck c on c.id = s.health_check_id"
        ).fetchall()
    stamp = since.strftime("%Y-%m-%d %H:%M:%S")
    return [(url, ok) for url, ok, at in rows if at and at >= stamp]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("accord-demo")
    page.get_by_role("button", name="Sign in").click()


def test_the_demo_on_another_port_shows_no_outage(
    served: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    base, process = served
    started = datetime.now(UTC)
    log = (tmp_path / "demo.log").read_text()
    # The logins on the second run too, the vendor admin named as the /admin/ login.
    assert re.search(r"admin@vendor\.example\s+│\s+Vendor admin \(and /admin/\)", log), log
    assert f"Serving Accord at {base}/" in log

    database = tmp_path / "accord.sqlite3"
    _wait_for(
        "the worker probing all 15 module-regions",
        PROBE_DEADLINE_S,
        lambda: len(_probed_since(database, started)) >= 15,
    )
    probed = _probed_since(database, started)
    assert {url.split("/status/")[0] for url, _ in probed} == {base}
    assert all(ok for _, ok in probed), probed
    assert httpx.get(base + "/api/", timeout=5).json()["docs"] == "/api/docs"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable("ACCORD_CHROMIUM", "chromium", "chromium-browser"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            context = browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            outside: list[str] = []

            def only_the_demo(route: object) -> None:
                url = route.request.url  # type: ignore[attr-defined]
                if url.startswith(base):
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    outside.append(url)
                    route.abort()  # type: ignore[attr-defined]

            context.route("**/*", only_the_demo)
            page = context.new_page()
            page.goto(base + "/status/")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            banner = page.locator(".status-banner").inner_text()
            states = page.locator(".module-head .badge").all_inner_texts()
            assert len(states) == 15, states  # 5 modules in each of 3 regions
            assert not [s for s in states + [banner] if "outage" in s.lower()], (banner, states)

            page.goto(base + "/api/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Accord API")
            assert outside == [], outside  # Swagger UI came from the demo, not a CDN

            page.goto(base + "/admin/")
            _sign_in(page, base, "admin@vendor.example")
            expect(page.get_by_text("Site administration")).to_be_visible()
            context.close()
        finally:
            browser.close()

    worker_pid = int(re.search(r"worker pid (\d+)", log).group(1))  # type: ignore[union-attr]
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)

    def worker_gone() -> bool:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return True
        return False

    _wait_for("the worker to stop after SIGTERM", 30, worker_gone)
