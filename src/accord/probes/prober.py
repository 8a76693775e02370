"""The async prober: runs HTTP(S) checks on their schedules with httpx, and reports results.

No Django here: the same prober runs inside `accord worker` (the built-in location, whose
results go straight to the database) and in `accord probe` agents (which post them to the API).

**Schedule.** Every check has fixed slots: `phase + k * interval` in epoch seconds, where the
phase is spread over the interval by the check's id (so checks do not all fire at once, and
every location probes a check at the same instants). A heap holds each check's next slot; the
loop sleeps until the earliest one, starts every check that is due, and puts it back at its
next slot. Nothing sleeps per check, and a check's schedule does not drift with its latency.
When the prober falls more than an interval behind, the missed slots are skipped (counted in
`skipped`), not fired in a burst. A check whose previous probe is still running when its next
slot comes is skipped too (`overlapped`); the timeout is shorter than the interval, so only a
prober that is starved of CPU sees this.

**Lateness** of a check is when it actually started (after waiting for a connection slot)
minus its slot. The last 200,000 are kept for the benchmark (`lateness`).

**Connections.** One `httpx.AsyncClient` per origin (scheme, host, port), each with its own
small pool of connections kept alive between checks, and a semaphore that lets `per_origin`
checks in at a time, so httpx's pool never queues; `max_connections` bounds all origins
together. A pool of a few connections per origin keeps httpx's per-request bookkeeping short;
one shared pool of hundreds of connections costs several times more CPU per check.

**A check** is a GET of the URL without following redirects. It succeeds when the status is
the expected one and, when a body text is set, the first 64 KiB of the body contain it. The
whole check must finish within its timeout. Latency is measured from sending the request to
the end of the status line and body read (whichever the check needed).
"""

from __future__ import annotations

import asyncio
import heapq
import importlib.util
import logging
import math
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# httpcore asks `sniffio` which event loop it runs under, importing it anew on every request;
# when sniffio is not installed (anyio 4 no longer needs it) each failed import searches
# sys.path, about a third of httpx's CPU time per request. A None entry makes the import fail
# at once; httpcore then assumes asyncio, which is what runs here.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

import httpx  # noqa: E402

logger = logging.getLogger("accord.probes")

MAX_BODY_BYTES = 64 * 1024
USER_AGENT = "Accord-Probe/1"
LATENESS_KEPT = 200_000
_GOLDEN = 0.6180339887498949


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """What a prober needs to know of a health check."""

    id: int
    url: str
    interval: float
    timeout: float
    expected_status: int = 200
    body_text: str = ""

    @property
    def origin(self) -> tuple[str, str, int | None]:
        parts = urlsplit(self.url)
        return parts.scheme, parts.hostname or "", parts.port


@dataclass(frozen=True, slots=True)
class Result:
    """One check's outcome. `at` is when it started, in whole epoch seconds."""

    check_id: int
    at: int
    ok: bool
    latency_ms: int
    status: int | None = None
    error: str = ""


def slot_phase(check_id: int, interval: float) -> float:
    """Where in its interval a check's slots fall: spread evenly by id (golden-ratio steps)."""
    return ((check_id * _GOLDEN) % 1.0) * interval


def next_slot(check_id: int, interval: float, now: float) -> float:
    """The first slot of the check at or after `now`."""
    phase = slot_phase(check_id, interval)
    k = math.ceil((now - phase) / interval)
    return phase + k * interval


class Schedule:
    """Each check's next slot, in a heap. Pure bookkeeping: the caller passes `now`."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []  # (slot, check id, generation)
        self._specs: dict[int, CheckSpec] = {}
        self._generation: dict[int, int] = {}
        self.skipped = 0

    def __len__(self) -> int:
        return len(self._specs)

    def specs(self) -> list[CheckSpec]:
        return list(self._specs.values())

    def update(self, specs: Iterable[CheckSpec], now: float) -> None:
        """Make the schedule hold exactly these checks. A check whose spec did not change keeps
        its next slot; a new or changed one starts at its first slot from `now`."""
        wanted = {spec.id: spec for spec in specs}
        for check_id in list(self._specs):
            if check_id not in wanted:
                del self._specs[check_id]
                self._generation[check_id] = self._generation.get(check_id, 0) + 1
        for check_id, spec in wanted.items():
            if self._specs.get(check_id) == spec:
                continue
            self._specs[check_id] = spec
            generation = self._generation.get(check_id, 0) + 1
            self._generation[check_id] = generation
            heapq.heappush(
                self._heap, (next_slot(check_id, spec.interval, now), check_id, generation)
            )
        if len(self._heap) > 2 * len(self._specs) + 64:  # drop stale entries now and then
            self._heap = [e for e in self._heap if self._generation.get(e[1]) == e[2]]
            heapq.heapify(self._heap)

    def next_due(self) -> float | None:
        heap = self._heap
        while heap and self._generation.get(heap[0][1]) != heap[0][2]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def due(self, now: float) -> list[tuple[CheckSpec, float]]:
        """The checks whose slot is at or before `now`, with that slot; each is moved to its
        next slot (missed slots more than an interval behind are skipped and counted)."""
        out: list[tuple[CheckSpec, float]] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            slot, check_id, generation = heapq.heappop(heap)
            if self._generation.get(check_id) != generation:
                continue
            spec = self._specs[check_id]
            out.append((spec, slot))
            following = slot + spec.interval
            if following <= now:
                missed = math.floor((now - following) / spec.interval) + 1
                self.skipped += missed
                following += missed * spec.interval
            heapq.heappush(heap, (following, check_id, generation))
        return out


def _short_error(exc: BaseException) -> str:
    names = {
        httpx.ConnectError: "connection failed",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.RemoteProtocolError: "protocol error",
    }
    for kind, text in names.items():
        if isinstance(exc, kind):
            detail = str(exc).strip()
            return f"{text}: {detail}"[:200] if detail else text
    return f"{type(exc).__name__}: {exc}"[:200]


class Prober:
    """Runs the checks of `schedule` until stopped, calling `emit` with each result (on the
    event loop's thread). `clock` gives epoch seconds (tests pass a frozen one)."""

    def __init__(
        self,
        emit: Callable[[Result], None],
        *,
        clock: Callable[[], float] = time.time,
        max_connections: int = 256,
        per_origin: int = 6,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.emit = emit
        self.clock = clock
        self.schedule = Schedule()
        self.per_origin = max(1, per_origin)
        self.transport = transport
        self.lateness: deque[float] = deque(maxlen=LATENESS_KEPT)
        self.started = 0
        self.overlapped = 0
        self._slots = asyncio.Semaphore(max(1, max_connections))
        self._clients: dict[tuple[str, str, int | None], httpx.AsyncClient] = {}
        self._origin_slots: dict[tuple[str, str, int | None], asyncio.Semaphore] = {}
        self._running: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- checks ---------------------------------------------------------------------------

    def update(self, specs: Iterable[CheckSpec]) -> None:
        """Probe exactly these checks from now on."""
        specs = list(specs)
        self.schedule.update(specs, self.clock())
        wanted = {spec.origin for spec in specs}
        for origin in [o for o in self._clients if o not in wanted]:
            client = self._clients.pop(origin)
            self._origin_slots.pop(origin, None)
            task = asyncio.ensure_future(client.aclose())
            self._tasks.add(task)  # type: ignore[arg-type]
            task.add_done_callback(self._tasks.discard)  # type: ignore[arg-type]

    def _client(self, origin: tuple[str, str, int | None]) -> httpx.AsyncClient:
        client = self._clients.get(origin)
        if client is None:
            # Two connections more than the semaphore lets in: httpcore may hand a request a
            # connection that is still finishing the last response, and retry; the slack
            # saves those retries (measured: lower CPU per check and lateness).
            limits = httpx.Limits(
                max_connections=self.per_origin + 2,
                max_keepalive_connections=self.per_origin + 2,
                keepalive_expiry=120,
            )
            client = httpx.AsyncClient(
                limits=limits,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
                transport=self.transport,
            )
            self._clients[origin] = client
            self._origin_slots[origin] = asyncio.Semaphore(self.per_origin)
        return client

    # -- one check ------------------------------------------------------------------------

    async def check(self, spec: CheckSpec) -> Result:
        """Run one check now and return its result (never raises for the check's failure)."""
        origin = spec.origin
        client = self._client(origin)
        async with self._origin_slots[origin], self._slots:
            return await self._request(client, spec)

    async def _request(self, client: httpx.AsyncClient, spec: CheckSpec) -> Result:
        at = int(self.clock())
        began = time.perf_counter()
        status: int | None = None
        try:
            async with asyncio.timeout(spec.timeout):
                async with client.stream("GET", spec.url, timeout=spec.timeout) as response:
                    status = response.status_code
                    found = await self._read(response, spec.body_text)
        except (TimeoutError, httpx.TimeoutException):
            return Result(
                spec.id,
                at,
                False,
                round(spec.timeout * 1000),
                status,
                f"timed out after {spec.timeout:g} s",
            )
        except (httpx.HTTPError, OSError) as exc:
            latency = round((time.perf_counter() - began) * 1000)
            return Result(spec.id, at, False, latency, status, _short_error(exc))
        latency = round((time.perf_counter() - began) * 1000)
        if status != spec.expected_status:
            error = f"expected status {spec.expected_status}, got {status}"
            return Result(spec.id, at, False, latency, status, error)
        if not found:
            return Result(spec.id, at, False, latency, status, "body text not found")
        return Result(spec.id, at, True, latency, status)

    async def _read(self, response: httpx.Response, text: str) -> bool:
        """Read up to 64 KiB of the body (so the connection can be reused); whether `text` is
        in it (always True without a text)."""
        needle = text.encode() if text else b""
        seen = bytearray()
        async for chunk in response.aiter_bytes():
            seen += chunk
            if needle and needle in seen:
                return True
            if len(seen) >= MAX_BODY_BYTES:
                break
        if not needle:
            return True
        decoded = bytes(seen[:MAX_BODY_BYTES])
        encoding = response.encoding or "utf-8"
        return needle in decoded or text in decoded.decode(encoding, errors="replace")

    # -- the loop -------------------------------------------------------------------------

    async def _run_slot(self, spec: CheckSpec, slot: float) -> None:
        origin = spec.origin
        client = self._client(origin)
        try:
            async with self._origin_slots[origin], self._slots:
                self.lateness.append(self.clock() - slot)
                self.started += 1
                result = await self._request(client, spec)
            self.emit(result)
        except Exception:  # a bug in one check must not stop the others
            logger.exception("check %s failed unexpectedly", spec.id)
        finally:
            self._running.discard(spec.id)

    def start_due(self, now: float) -> int:
        """Start every check whose slot has come; the number started."""
        started = 0
        for spec, slot in self.schedule.due(now):
            if spec.id in self._running:
                self.overlapped += 1
                continue
            self._running.add(spec.id)
            task = asyncio.create_task(self._run_slot(spec, slot))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started

    async def settle(self) -> None:
        """Wait until the checks started so far have finished (and emitted their results)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run(self, should_stop: Callable[[], bool], *, idle: float = 0.5) -> None:
        """Start checks as their slots come until `should_stop()`; then wait for the checks
        in flight (at most their timeout) and close the connections."""
        try:
            while not should_stop():
                self.start_due(self.clock())
                following = self.schedule.next_due()
                delay = idle if following is None else min(idle, following - self.clock())
                await asyncio.sleep(max(delay, 0))
        finally:
            await self.close()

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        clients, self._clients = list(self._clients.values()), {}
        self._origin_slots = {}
        for client in clients:
            await client.aclose()
