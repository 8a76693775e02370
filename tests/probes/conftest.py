"""A local HTTP server that fails on command, frozen clocks, and probe locations.

`target` is `http.server` in a thread on 127.0.0.1: every path answers `target.status` with
`target.body` after `target.delay` seconds, until a test changes them. Probes run against it
for real; the time a result carries comes from the frozen clock the test passes, never from
sleeping.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant, to_epoch

T0 = parse_instant("2026-03-10T12:00:00Z", "t0")  # a Tuesday, on a whole minute


class Target:
    def __init__(self) -> None:
        self.status = 200
        self.body = b"<html><body>All systems go</body></html>"
        self.delay = 0.0
        self.hits: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                target.hits.append(self.path)
                if target.delay:
                    threading.Event().wait(target.delay)
                body = target.body
                try:
                    self.send_response(target.status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the prober gave up waiting (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def url(self, path: str = "/health") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def fail(self, status: int = 503) -> None:
        self.status = status

    def recover(self) -> None:
        self.status = 200

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    server.start()
    yield server
    server.stop()


def at(offset_seconds: float) -> datetime:
    """T0 plus an offset, as an aware UTC datetime."""
    return from_epoch(T0) + timedelta(seconds=offset_seconds)


@pytest.fixture
def release_us(world: Any) -> Any:
    from accord.monitoring.models import ModuleRegion

    return ModuleRegion.objects.get(module=world.module, region__code="us")


@pytest.fixture
def make_check(release_us: Any, target: Target) -> Callable[..., Any]:
    from accord.probes.models import HealthCheck

    def make(**fields: Any) -> Any:
        values = {
            "module_region": release_us,
            "name": "Release Manager home",
            "url": target.url(),
            "interval_seconds": 60,
            "timeout_seconds": 2,
            "failures_to_confirm": 2,
            "status_since": at(-3600),
            **fields,
        }
        return HealthCheck.objects.create(**values)

    return make


@pytest.fixture
def agent_location(db: None) -> Callable[[str], tuple[Any, str]]:
    """`agent_location("eu")`: a new agent location and its token."""
    from accord.probes import services

    def make(slug: str) -> tuple[Any, str]:
        return services.create_location(name=slug.upper(), slug=slug)

    return make


def probe_once(check: Any, now: datetime) -> Any:
    """Run one check for real against its URL, stamped with the frozen instant `now`."""
    from accord.probes.prober import Prober
    from accord.probes.services import check_specs

    spec = next(s for s in check_specs() if s.id == check.pk)

    async def run() -> Any:
        prober = Prober(lambda result: None, clock=lambda: float(to_epoch(now)))
        try:
            return await prober.check(spec)
        finally:
            await prober.close()

    return asyncio.run(run())


@pytest.fixture
def post_results(client: Any) -> Callable[..., Any]:
    """`post_results(token, [(check, at, ok), ...])`: an agent's batch through the API."""

    def post(token: str, items: list[tuple[Any, datetime, bool]], **extra: Any) -> Any:
        body = {
            "results": [
                {
                    "check": check.pk,
                    "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ok": ok,
                    "latency_ms": 40,
                    "status": 200 if ok else 503,
                    "error": "" if ok else "expected status 200, got 503",
                }
                for check, moment, ok in items
            ],
            **extra,
        }
        return client.post(
            "/api/probe/results",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return post
