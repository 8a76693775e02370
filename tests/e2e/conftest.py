"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, a live server, and
where screenshots go.

The browsers come from Debian (`scripts/install_browsers.sh`, which `make test` runs first);
Playwright never downloads one. A missing browser fails the test with the command to run,
it is never skipped.

Playwright's synchronous API keeps an asyncio loop registered as running in the test's thread
while it is started, and Django refuses database access from such a thread. So every test sets
up its data (the `world` fixture) before the browser starts, reads the database only through
the pages, and the browser is stopped before pytest-django flushes the database. The live
server answers in threads of its own, which Playwright does not touch.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
SCREENSHOTS = ROOT / "var" / "screenshots"
INSTALL_HINT = "run scripts/install_browsers.sh (make test does)"

# Debian's Chromium, as root in a container: no sandbox, no GPU, nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Fail fast: a page that does not show what the test waits for within this time is a failure.
TIMEOUT_MS = 15_000

# Every browser test is a transactional test (the live server reads what the test wrote, and
# the other way round). A transactional test ends with a flush of every table, which would take
# the catalogue the migrations put there (modules, regions) from the tests after it; a
# serialized rollback puts it back before each. (pytest-django runs transactional tests after
# the others, so a transactional test added elsewhere needs a serialized rollback too.)
live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def executable(env_name: str, *names: str) -> str:
    """The browser or tool: `$env_name` if set, else the first of `names` on the PATH."""
    chosen = os.environ.get(env_name)
    if chosen:
        if not os.access(chosen, os.X_OK):
            pytest.fail(f"{env_name}={chosen} is not an executable file")
        return chosen
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' or '.join(names)} is not installed: {INSTALL_HINT}")


@pytest.fixture
def screenshots() -> Path:
    """var/screenshots/ of the checkout (ignored by git): what each browser test saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def chromium(transactional_db: None, live_server: object) -> Iterator[Browser]:
    """Debian's Chromium, headless. Request it *after* the fixtures that write the test's
    data (`def test_x(world, chromium)`): pytest sets fixtures up in that order, and the
    database is out of reach while the browser runs (see above).

    Playwright gives each browser a fresh profile in a temporary directory."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    path = executable("ACCORD_CHROMIUM", "chromium", "chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def firefox_path() -> str:
    return executable("ACCORD_FIREFOX", "firefox-esr", "firefox")


def run_firefox_script(
    script: str, env: dict[str, str], timeout_s: float, screenshots: Path | None = None
) -> dict[str, Any]:
    """Run one of the Node scripts that drive Firefox ESR (tests/e2e/*.mjs) with `env`, and
    answer the JSON it printed on its last line, failing the test when it failed."""
    node = executable("ACCORD_NODE", "node", "nodejs")
    if not (E2E / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail(f"puppeteer-core is not installed in tests/e2e: {INSTALL_HINT}")
    # Its own process group, so that a hung run takes Firefox down with Node.
    with subprocess.Popen(
        [node, str(E2E / script)],
        cwd=E2E,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as run:
        try:
            stdout, stderr = run.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            stdout, stderr = run.communicate()
            pytest.fail(
                f"{script} did not finish in {timeout_s} s\nstdout:\n{stdout}\nstderr:\n{stderr}"
            )
    lines = stdout.strip().splitlines()
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(
            f"{script} printed no result (exit {run.returncode}):\n"
            f"stdout:\n{stdout}\nstderr:\n{stderr}"
        )
    assert result["ok"], (
        f"Firefox failed at step {result.get('step')!r}: {result.get('error')}\n"
        f"(screenshots in {screenshots})\nstderr:\n{stderr}"
    )
    assert run.returncode == 0, stderr
    return result
