"""Fixtures shared by the tests under tests/ (the engine's tests need none of them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RunAccord = Callable[..., subprocess.CompletedProcess[str]]


def _accord_executable() -> str:
    beside_python = Path(sys.executable).with_name("accord")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("accord")
    if found is None:
        pytest.fail("the `accord` console script is not installed: run `make .venv`")
    return found


@pytest.fixture
def run_accord(tmp_path: Path) -> RunAccord:
    """Run the installed `accord` command in a subprocess, as a user would.

    The child gets a private ACCORD_DATA_DIR (so it never touches var/ of the checkout) and no
    DATABASE_URL unless the test passes one; `env` entries override, a value of None unsets.
    """

    def run(
        *args: str, env: Mapping[str, str | None] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        child_env["ACCORD_DATA_DIR"] = str(tmp_path / "accord-data")
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value
        return subprocess.run(
            [_accord_executable(), *args],
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


@dataclass
class World:
    """Two customer organisations and the vendor's staff: the base of every access test.

    Passwords are all `PASSWORD`. Acme and Globex are both in the US region on the built-in
    policy (support hours Monday-Friday 08:00-18:00 America/Los_Angeles).
    """

    acme: Any
    globex: Any
    acme_reporter: Any
    acme_admin: Any
    globex_reporter: Any
    globex_admin: Any
    agent: Any
    manager: Any
    vendor_admin: Any
    module: Any

    def customers(self) -> list[Any]:
        return [self.acme_reporter, self.acme_admin, self.globex_reporter, self.globex_admin]

    def staff(self) -> list[Any]:
        return [self.agent, self.manager, self.vendor_admin]


PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(db: None) -> World:
    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user
    from accord.catalogue.models import Module, Region

    us = Region.objects.get(code="us")
    acme = create_organisation(name="Acme Corp", slug="acme", region=us, email_domains="acme.test")
    globex = create_organisation(
        name="Globex", slug="globex", region=us, email_domains="globex.test"
    )

    def person(email: str, role: str, organisation: Any = None) -> Any:
        return create_user(email=email, role=role, organisation=organisation, password=PASSWORD)

    return World(
        acme=acme,
        globex=globex,
        acme_reporter=person("rita@acme.test", Role.REPORTER, acme),
        acme_admin=person("adam@acme.test", Role.CUSTOMER_ADMIN, acme),
        globex_reporter=person("gina@globex.test", Role.REPORTER, globex),
        globex_admin=person("gary@globex.test", Role.CUSTOMER_ADMIN, globex),
        agent=person("alex@vendor.test", Role.AGENT),
        manager=person("morgan@vendor.test", Role.MANAGER),
        vendor_admin=person("val@vendor.test", Role.VENDOR_ADMIN),
        module=Module.objects.get(slug="release-manager"),
    )


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    """The rate limits count in the cache (local memory in tests): each test starts at 0."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts and ends in the site's language: a page a German reader asked for
    activates German for the thread (as a request does), and a service's refusal, written in
    the active language, must not come out German in the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Production hashes passwords slowly on purpose; tests need not wait for it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = server.statuses.pop(0) if server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A real webhook endpoint on 127.0.0.1: `.url`, `.requests` [(headers, body)] it was
    sent, `.statuses` to answer next (then 200)."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests, server.statuses = [], []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def in_support_hours(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pages read "now" at Tuesday 10 March 2026 10:00 PDT, inside the built-in support hours
    (Monday-Friday 08:00-18:00 America/Los_Angeles), so a running clock counts."""
    from datetime import UTC, datetime

    now = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    return now


@pytest.fixture
def german_client(db: None) -> Callable[[Any], Any]:
    """`german_client(user)`: a test client signed in as `user`, who chose German."""
    from django.test import Client

    def signed_in_in_german(user: Any) -> Client:
        user.language = "de"
        user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        return client

    return signed_in_in_german
