"""An `accord probe` agent: a probe location elsewhere that reports to Accord over the API.

It fetches its checks (`GET /api/probe/checks`) now and every `refresh_seconds`, runs them
with the same `Prober` as `accord worker`, and posts what it found in batches
(`POST /api/probe/results`) every `batch_seconds`. No database: results wait in memory while
the server cannot be reached (up to `MAX_PENDING`, the oldest dropped first), and are sent
again; the server ignores results it already has, so a batch sent twice counts once. A 404
names checks that are gone: their results are dropped and the checks fetched again. A 401
means the token was refused (revoked, or the location deactivated): the agent stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from accord.engine.timeutil import format_utc
from accord.probes.prober import CheckSpec, Prober, Result

logger = logging.getLogger("accord.probes")

MAX_PENDING = 200_000
MAX_BATCH = 5_000


class TokenRefused(Exception):
    pass


def specs_from(document: dict[str, Any]) -> list[CheckSpec]:
    return [
        CheckSpec(
            id=int(c["id"]),
            url=str(c["url"]),
            interval=float(c["interval_seconds"]),
            timeout=float(c["timeout_seconds"]),
            expected_status=int(c["expected_status"]),
            body_text=str(c.get("body_text") or ""),
        )
        for c in document["checks"]
    ]


def result_json(result: Result) -> dict[str, Any]:
    return {
        "check": result.check_id,
        "at": format_utc(result.at),
        "ok": result.ok,
        "latency_ms": result.latency_ms,
        "status": result.status,
        "error": result.error,
    }


class Agent:
    def __init__(
        self,
        server: str,
        token: str,
        *,
        batch_seconds: float = 5.0,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        server_transport: httpx.AsyncBaseTransport | None = None,
        prober_options: dict[str, Any] | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.batch_seconds = batch_seconds
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self.server_transport = server_transport
        self.prober_options = prober_options or {}
        self.pending: list[Result] = []
        self.location = ""
        self.sent = 0
        self.checks: list[CheckSpec] = []

    def _api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=f"{self.server}/api",
            headers={"Authorization": f"Bearer {self.token}", "User-Agent": "Accord-Probe/1"},
            timeout=30,
            transport=self.server_transport,
        )

    async def fetch_checks(self, api: httpx.AsyncClient) -> list[CheckSpec]:
        response = await api.get("/probe/checks")
        if response.status_code == 401:
            raise TokenRefused("the server refused the agent token")
        response.raise_for_status()
        document = response.json()
        self.location = str(document.get("location", ""))
        self.checks = specs_from(document)
        return self.checks

    async def send(self, api: httpx.AsyncClient) -> bool:
        """Post what is pending, a batch at a time; whether everything was sent (or dropped
        as belonging to checks that are gone)."""
        while self.pending:
            batch = self.pending[:MAX_BATCH]
            response = await api.post(
                "/probe/results", json={"results": [result_json(r) for r in batch]}
            )
            if response.status_code == 401:
                raise TokenRefused("the server refused the agent token")
            if response.status_code == 404 and "unknown_checks" in response.json():
                gone = set(response.json()["unknown_checks"])
                logger.info("checks %s are gone; dropping their results", sorted(gone))
                self.pending = [r for r in self.pending if r.check_id not in gone]
                return False  # fetch the checks again before sending more
            response.raise_for_status()
            del self.pending[: len(batch)]
            self.sent += len(batch)
        return True

    def keep(self, result: Result) -> None:
        self.pending.append(result)
        if len(self.pending) > MAX_PENDING:
            dropped = len(self.pending) - MAX_PENDING
            del self.pending[:dropped]
            logger.warning("the server is unreachable: %s oldest result(s) dropped", dropped)

    async def run(self, should_stop: Callable[[], bool]) -> None:
        """Probe and report until `should_stop()`; a last batch is sent on the way out."""
        prober = Prober(self.keep, clock=self.clock, **self.prober_options)
        runner = asyncio.create_task(prober.run(should_stop))
        async with self._api() as api:
            loop = asyncio.get_running_loop()
            next_refresh = 0.0
            backoff = self.batch_seconds
            try:
                while not should_stop():
                    try:
                        if loop.time() >= next_refresh:
                            prober.update(await self.fetch_checks(api))
                            logger.info("location %s: %s check(s)", self.location, len(self.checks))
                            next_refresh = loop.time() + self.refresh_seconds
                        if not await self.send(api):
                            next_refresh = 0.0
                        backoff = self.batch_seconds
                    except TokenRefused:
                        raise
                    except (httpx.HTTPError, ValueError, KeyError) as exc:
                        logger.warning("the server is unreachable or refused (%s); retrying", exc)
                        backoff = min(backoff * 2, 60.0)
                    await self._sleep(backoff, should_stop)
            finally:
                await self._stop_prober(runner, should_stop)
                try:
                    await self.send(api)
                except (httpx.HTTPError, ValueError, KeyError, TokenRefused) as exc:
                    logger.warning("last %s result(s) not sent: %s", len(self.pending), exc)

    async def _stop_prober(
        self, runner: asyncio.Task[None], should_stop: Callable[[], bool]
    ) -> None:
        if not should_stop():  # stopping for an error: the prober must stop too
            runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner

    @staticmethod
    async def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
        deadline = time.monotonic() + seconds
        while not should_stop() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.2, deadline - time.monotonic()))
