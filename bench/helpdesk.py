"""`make bench`, help desk (issue 3): ticket creation through the API, and the agent queue.

Run by bench/run.py after the engine benchmarks, or alone:

    .venv/bin/python bench/helpdesk.py                  # the figures for docs/performance.md
    .venv/bin/python bench/helpdesk.py --quick          # a tenth of the sizes, to try it out
    .venv/bin/python bench/helpdesk.py --skip-postgres  # SQLite only

A. **Creation through the API.** For each database: a fresh one (SQLite in a temporary
   ACCORD_DATA_DIR; PostgreSQL `accord_bench`, dropped and created), `accord migrate`, one
   customer organisation with a reporter (who holds the API token) and a customer admin, and
   four staff (three agents, a manager), so every new ticket's notice has six recipients as it
   would in use (the request enqueues it; no worker runs here to fan it out).
   Two server processes serve it on a free loopback port: `gunicorn accord.wsgi:application
   -w 2` (sync workers, which close every connection), or with `--server granian` `granian
   --interface wsgi --workers 2 --blocking-threads 1 accord.wsgi:application` (which keeps
   connections alive; docs/deployment.md compares them). Every request is `POST /api/tickets` with
   its own Idempotency-Key, sent by a raw asyncio load generator (no HTTP library; every
   request's bytes built before the clock starts; its own CPU time is measured and reported):
   100 warm-up requests, then two timed runs of 3,000, each bounded at 120 s:
   - the *closed loop*: 16 requests in flight, a new one as soon as one is answered: the most
     the server does (its latency is mostly queueing, about 16 / rate);
   - the *open loop*: requests sent at 200 a second (the target's rate) whatever the answers,
     latency counted from when each was due: the target holds if all are answered 201 and p99
     is under 100 ms. Each request goes on an idle kept-alive connection if there is one
     (as clients behind a proxy, or one client's pool, would send them), else on a new one;
     with gunicorn's sync workers that is a new connection for every request.
   Latency is measured at the client, from sending (or being due) to the last byte; the
   server's access log gives the time each request spent in the worker's Python (gunicorn's
   `%(D)s`; granian's `dt_ms`, from when its Python thread took the request).
   `--no-access-log` measures without one (then that column is empty). Every request must
   be answered 201 and the database must hold exactly as many tickets. "CPU" is that of the
   server's processes (main process and workers) and of the load generator, per ticket.
   `--client httpx` drives the closed loop with httpx instead (the earlier generator, about
   2.5 ms of CPU a request); `--worker-class gthread --threads N` (gunicorn), `--threads N`
   (granian's blocking threads) and `--concurrency N` try other settings;
   BENCH_GUNICORN_CONFIG names a gunicorn config file to add (e.g. hooks that profile
   each worker). `--requests N` and `--persistent-only` (part A with
   `ACCORD_DB_CONN_MAX_AGE=60` only) make shorter runs, to compare changes in turn.
B. **The agent queue with 5,000 open tickets.** In a child process on a fresh database (each
   kind): five customer organisations in the three regions, 5,000 open tickets bulk-inserted
   with their events (reported in the past three weeks, severities 1-4 and some not yet
   designated, reported / acknowledged / in progress), then every clock column computed by the
   engine from the events (`helpdesk.services.refresh_clocks`, the same code the pages use) and
   written back; 50 tickets are checked against `services.evaluate` one by one. An agent's
   `GET /queue/` is rendered by Django's test client in-process: 3 warm-up requests, then 20
   timed, median and p95 reported (server time: no network, no browser). Also timed: a
   filtered queue and the last page. One more request has its SQL statements counted and
   timed, and one is profiled (cProfile; the listing is in the JSON file).

Part A runs with `ACCORD_DB_CONN_MAX_AGE=60` (connections kept between requests, as
docs/deployment.md recommends for production), then with the default (a new connection per
request) for comparison; on PostgreSQL part B runs with both too.

Figures go to the terminal (rich) and to var/bench-helpdesk.json (--quick:
var/bench-helpdesk-quick.json). The exit status is non-zero only if a measurement went wrong
(a failed request, a ticket missing, a clock that disagrees with the engine), not for a missed
target: targets are reported, in the table and in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import json
import math
import os
import pstats
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import host

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "var" / "bench-helpdesk.json"
QUICK_RESULTS = ROOT / "var" / "bench-helpdesk-quick.json"

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_DB = "accord_bench"

SEED = 20260311
WORKERS = 2
SERVER = "gunicorn"  # --server: gunicorn or granian, WORKERS processes either way
WORKER_CLASS = "sync"  # --worker-class (gunicorn); gthread with THREADS threads per worker
THREADS = 1  # gunicorn's gthread threads, or granian's blocking threads, per worker
ACCESS_LOG = True  # --no-access-log: the server writes none (and "in Django" is not known)
CLIENT = "raw"  # --client: the raw asyncio generator, or httpx (the earlier one)
CONCURRENCY = 16
OPEN_LOOP_MAX_IN_FLIGHT = 64
WARMUP_REQUESTS = 100
REQUESTS = 3_000
RUN_LIMIT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 10.0

QUEUE_TICKETS = 5_000
QUEUE_WARMUP = 3
QUEUE_RUNS = 20
QUEUE_ORGANISATIONS = 5

TARGET_RPS = 200.0
TARGET_P99_MS = 100.0
TARGET_QUEUE_MS = 200.0


# ---------------------------------------------------------------------------------------------
# Small helpers


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accord_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of Accord's processes: only what the bench sets, never the caller's
    ACCORD_* or DATABASE_URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ACCORD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_SECRET_KEY=secrets.token_urlsafe(50),
        ACCORD_ALLOWED_HOSTS="127.0.0.1,testserver",
        # Notifications are queued as jobs (no worker runs here); nothing is sent anywhere.
        ACCORD_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_SETTINGS_MODULE="accord.settings",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_checked(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5) as c:
        c.execute(sql)


def postgres_reachable() -> str | None:
    """None if the server answers, else why not."""
    try:
        postgres_admin("SELECT 1")
    except Exception as exc:  # any failure means "skip PostgreSQL, and say why"
        return f"{type(exc).__name__}: {exc}".strip()
    return None


@contextlib.contextmanager
def fresh_database(kind: str, scratch: Path, label: str) -> Iterator[dict[str, str]]:
    """A migrated, empty Accord database; the environment that selects it."""
    data_dir = scratch / label
    data_dir.mkdir(parents=True)
    url = None
    if kind == "postgresql":
        url = f"{POSTGRES_SERVER}/{POSTGRES_DB}"
        postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
        postgres_admin(f"CREATE DATABASE {POSTGRES_DB}")
    env = accord_env(data_dir, url)
    try:
        run_checked([str(BIN / "accord"), "migrate", "--no-input"], env)
        yield env
    finally:
        if kind == "postgresql":
            postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")


def child(mode: str, env: dict[str, str], *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run this script in `mode` as a child process with `env`; its last output line (JSON)."""
    out = run_checked([sys.executable, __file__, "--child", mode, *args], env, timeout=timeout)
    return dict(json.loads(out.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------------
# A. Creation through the API


def seed_api() -> dict[str, Any]:
    """Child: the API bench's organisation, people and token."""
    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user, issue_token
    from accord.catalogue.models import Module, Region

    organisation = create_organisation(
        name="Bench Customer",
        slug="bench",
        region=Region.objects.get(code="us"),
        email_domains="bench.test",
    )
    reporter = create_user(
        email="reporter@bench.test", role=Role.REPORTER, organisation=organisation
    )
    create_user(email="admin@bench.test", role=Role.CUSTOMER_ADMIN, organisation=organisation)
    for n in range(3):
        create_user(email=f"agent{n}@vendor.test", role=Role.AGENT)
    create_user(email="manager@vendor.test", role=Role.MANAGER)
    _, token = issue_token(user=reporter, name="bench")
    return {"token": token, "modules": list(Module.objects.values_list("slug", flat=True))}


class Server:
    """Accord's WSGI application served by two processes on a free loopback port: gunicorn
    (`-w 2`, sync workers by default) or granian (`--interface wsgi --workers 2
    --blocking-threads 1`). Unless ACCESS_LOG is off, an access log holds each request's
    method, path, status and its time in the server process (gunicorn's `%(D)s`, granian's
    `dt_ms`)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        if SERVER == "gunicorn":
            args = [
                str(BIN / "gunicorn"),
                "accord.wsgi:application",
                "-w",
                str(WORKERS),
                "--worker-class",
                WORKER_CLASS,
                "--threads",
                str(THREADS),
                "-b",
                f"127.0.0.1:{self.port}",
                *(
                    [
                        "--access-logfile",
                        str(self.access_log),
                        "--access-logformat",
                        "%(m)s %(U)s %(s)s %(D)s",
                    ]
                    if ACCESS_LOG
                    else []
                ),
                *(["-c", config] if (config := os.environ.get("BENCH_GUNICORN_CONFIG")) else []),
                "--error-logfile",
                str(self.error_log),
            ]
            self.process = subprocess.Popen(args, env=env, cwd=workdir)
        else:
            args = [
                str(BIN / "granian"),
                "--interface",
                "wsgi",
                "--workers",
                str(WORKERS),
                "--blocking-threads",
                str(THREADS),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *(
                    # Only the access lines start with "ACCESS"; the rest of the log is
                    # granian's own (start, stop).
                    [
                        "--access-log",
                        "--access-log-fmt",
                        "ACCESS %(method)s %(path)s %(status)d %(dt_ms).3f",
                    ]
                    if ACCESS_LOG
                    else []
                ),
                "accord.wsgi:application",
            ]
            with self.error_log.open("wb") as log:
                self.process = subprocess.Popen(
                    args, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
                )
            self.access_log = self.error_log

    def wait_ready(self, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{SERVER} did not start:\n{self.error_log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a graceful stop, for both servers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def workers_cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server has used so far, its main process and every
        process under it (gunicorn's arbiter and workers; granian's main process and workers)
        (Linux /proc), or None."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        pending = [self.process.pid]
        try:
            while pending:
                pid = pending.pop()
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending += (task / "children").read_text().split()
        except (OSError, ValueError, IndexError):
            return None
        return total / ticks

    def log_lines(self) -> int:
        return len(self.access_log.read_text().splitlines()) if self.access_log.exists() else 0

    def server_times_ms(self, skip: int) -> list[float]:
        """The server's time for each POST /api/tickets after the first `skip` log lines."""
        if not ACCESS_LOG:
            return []
        times = []
        for line in self.access_log.read_text().splitlines()[skip:]:
            if SERVER == "gunicorn":
                method, path, _status, micros = line.split()
                ms = int(micros) / 1000
            elif line.startswith("ACCESS "):
                _, method, path, _status, millis = line.split()
                ms = float(millis)
            else:
                continue
            if method == "POST" and path == "/api/tickets":
                times.append(ms)
        return times


def ticket_body(modules: list[str], n: int, prefix: str) -> dict[str, Any]:
    return {
        "module": modules[n % len(modules)],
        "summary": f"Bench fault {prefix}-{n}",
        "description": "The release calendar does not load for anyone.",
        "severity": n % 4 + 1,
    }


async def drive_httpx(
    url: str, token: str, modules: list[str], total: int, prefix: str
) -> dict[str, Any]:
    """`total` ticket creations with httpx, CONCURRENCY in flight (closed loop), bounded in
    time. The generator of the earlier runs: about 2.5 ms of CPU per request."""
    import httpx

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    stop_at = time.monotonic() + RUN_LIMIT_SECONDS
    headers = {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS, headers=headers
    ) as client:

        async def worker() -> None:
            while True:
                n = next(numbers)
                if n >= total or time.monotonic() > stop_at:
                    return
                began = time.perf_counter()
                try:
                    response = await client.post(
                        "/api/tickets",
                        json=ticket_body(modules, n, prefix),
                        headers={"Idempotency-Key": f"{prefix}-{n}"},
                    )
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                statuses[response.status_code] += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "latencies_ms": latencies,
        "statuses": dict(statuses),
        "errors": dict(errors),
    }


def raw_requests(port: int, token: str, modules: list[str], total: int, prefix: str) -> list[bytes]:
    """Every request of a run as the bytes sent, built before the clock starts."""
    requests = []
    for n in range(total):
        body = json.dumps(ticket_body(modules, n, prefix), separators=(",", ":")).encode()
        head = (
            f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nIdempotency-Key: {prefix}-{n}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection of the raw load generator: sends a request, reads one response
    (status line, headers, a Content-Length body), kept alive unless the server closes it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            waiter.set_exception(ConnectionError("a response without Content-Length"))
            return
        start = at + len(b"\r\ncontent-length:")
        stop = head.find(b"\r\n", start)
        length = int(head[start : stop if stop >= 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        waiter.set_result((int(head[9:12]), b"\r\nconnection: close" not in head))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed before the response ended"))

    def exchange(self, request: bytes) -> asyncio.Future[tuple[int, bool]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter


async def _send(
    port: int, connection: _Connection | None, request: bytes
) -> tuple[int, _Connection | None]:
    """One request on `connection` (a new one if None or closed): the status and the
    connection, or None when the server closed it (gunicorn's sync workers close each)."""
    loop = asyncio.get_running_loop()
    if connection is None or connection.closed:
        _, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
    answer = connection.exchange(request)
    timer = loop.call_later(REQUEST_TIMEOUT_SECONDS, answer.cancel)
    try:
        status, keep_alive = await answer
    except BaseException:
        if connection.transport is not None:
            connection.transport.close()
        raise
    finally:
        timer.cancel()
    if not keep_alive:
        assert connection.transport is not None
        connection.transport.close()
        return status, None
    return status, connection


async def drive_raw(port: int, requests: list[bytes]) -> dict[str, Any]:
    """The requests (from `raw_requests`), CONCURRENCY in flight (closed loop: a new request as
    soon as one is answered), bounded in time, on raw asyncio connections: no HTTP library,
    nothing built while the clock runs."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    numbers = itertools.count()
    stop_at = time.monotonic() + RUN_LIMIT_SECONDS

    async def worker() -> None:
        connection: _Connection | None = None
        while True:
            n = next(numbers)
            if n >= len(requests) or time.monotonic() > stop_at:
                break
            began = time.perf_counter()
            try:
                status, connection = await _send(port, connection, requests[n])
            except (OSError, ConnectionError, asyncio.CancelledError) as exc:
                errors[type(exc).__name__] += 1
                connection = None
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[status] += 1
        if connection is not None and connection.transport is not None:
            connection.transport.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return {
        "seconds": time.perf_counter() - began,
        "latencies_ms": latencies,
        "statuses": dict(statuses),
        "errors": dict(errors),
    }


async def drive_open(port: int, requests: list[bytes], rate: float) -> dict[str, Any]:
    """Open loop: request n is sent at `n / rate` seconds from the start whatever has been
    answered so far, as clients arriving at that rate would send them, each on its own
    connection. Latency counts from the moment the request was due, so a server that falls
    behind shows as growing latency (and a rate below `rate`), not as a politely slower
    client. At most OPEN_LOOP_MAX_IN_FLIGHT wait at once: then the sender waits too (the late
    requests' latency still counts from when they were due), so a server far behind is not
    buried under connections that time out and the run stays sound."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    in_flight: set[asyncio.Task[None]] = set()
    idle: list[_Connection] = []  # kept-alive connections waiting for their next request
    peak = 0
    opened = 0

    async def one(n: int, due: float) -> None:
        nonlocal opened
        connection = None
        while idle and connection is None:
            connection = idle.pop()
            if connection.closed:
                connection = None
        if connection is None:
            opened += 1
        try:
            status, connection = await _send(port, connection, requests[n])
        except (OSError, ConnectionError, asyncio.CancelledError) as exc:
            errors[type(exc).__name__] += 1
            return
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] += 1
        if connection is not None:
            idle.append(connection)

    began = time.perf_counter()
    for n in range(len(requests)):
        due = began + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.perf_counter() - began > RUN_LIMIT_SECONDS:
            break
        while len(in_flight) >= OPEN_LOOP_MAX_IN_FLIGHT:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(one(n, due))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        peak = max(peak, len(in_flight))
    while in_flight:
        await asyncio.wait(in_flight)
    seconds = time.perf_counter() - began
    for connection in idle:
        if connection.transport is not None:
            connection.transport.close()
    return {
        "seconds": seconds,
        "latencies_ms": latencies,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "peak_in_flight": peak,
        "connections_opened": opened,
    }


def ticket_count(url: str, token: str) -> int:
    import httpx

    response = httpx.get(
        f"{url}/api/tickets?limit=1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    return int(response.json()["count"])


def load(server: Server, token: str, modules: list[str], total: int, prefix: str) -> Any:
    if CLIENT == "raw":
        built = raw_requests(server.port, token, modules, total, prefix)
        return asyncio.run(drive_raw(server.port, built))
    return asyncio.run(drive_httpx(server.url, token, modules, total, prefix))


def measure(server: Server, run: Any) -> dict[str, Any]:
    """Run `run()` (one of the drives) and measure it: the answers, latency percentiles, the
    time in Django, the CPU of the workers and of this load generator per created ticket, how
    busy the machine was and its load average."""
    skip = server.log_lines()
    load_before = os.getloadavg()
    workers_before = server.workers_cpu_seconds()
    client_before, machine_before = time.process_time(), host.cpu_times()
    timed = run()
    client_cpu, machine_after = time.process_time() - client_before, host.cpu_times()
    workers_after = server.workers_cpu_seconds()
    load_after = os.getloadavg()
    time.sleep(0.5)  # let the workers' log lines land
    server_ms = server.server_times_ms(skip)
    latencies = timed.pop("latencies_ms")
    created = timed["statuses"].get(201, 0)
    return {
        **timed,
        "answered": sum(timed["statuses"].values()),
        "created_201": created,
        "requests_per_second": created / timed["seconds"] if timed["seconds"] else 0.0,
        "latency_ms": {
            "p50": percentile(latencies, 50) if latencies else None,
            "p95": percentile(latencies, 95) if latencies else None,
            "p99": percentile(latencies, 99) if latencies else float("inf"),
            "max": max(latencies) if latencies else None,
            "mean": statistics.fmean(latencies) if latencies else None,
        },
        "server_ms": {
            "count": len(server_ms),
            "p50": percentile(server_ms, 50) if server_ms else None,
            "p99": percentile(server_ms, 99) if server_ms else None,
            "mean": statistics.fmean(server_ms) if server_ms else None,
        },
        # CPU per created ticket: in the two workers, and in this load generator.
        "workers_cpu_ms_per_request": (
            (workers_after - workers_before) * 1000 / created
            if created and workers_before is not None and workers_after is not None
            else None
        ),
        "client_cpu_ms_per_request": client_cpu * 1000 / created if created else None,
        # All CPUs of the machine: 1.0 means every CPU was busy (with anything) during the run.
        "machine_cpu_busy": host.busy_fraction(machine_before, machine_after),
        "load_average_before": list(load_before),
        "load_average_after": list(load_after),
    }


def api_bench(kind: str, scratch: Path, requests: int, **extra_env: str) -> dict[str, Any]:
    """Creation through the API on a fresh database: the closed loop (CONCURRENCY in flight,
    the most the server does), then the open loop at the target's rate (its latency)."""
    label = f"api-{kind}" + "".join(f"-{v}" for v in extra_env.values())
    with fresh_database(kind, scratch, label) as env:
        env.update(extra_env)
        seeded = child("seed-api", env)
        server = Server(env, scratch / label)
        try:
            server.wait_ready()
            token, modules = seeded["token"], seeded["modules"]
            warm = load(server, token, modules, WARMUP_REQUESTS, "warm")
            if CLIENT == "raw":
                built = raw_requests(server.port, token, modules, requests, "closed")
                closed = measure(server, lambda: asyncio.run(drive_raw(server.port, built)))
            else:
                closed = measure(
                    server,
                    lambda: asyncio.run(
                        drive_httpx(server.url, token, modules, requests, "closed")
                    ),
                )
            open_requests = raw_requests(server.port, token, modules, requests, "open")
            opened = measure(
                server, lambda: asyncio.run(drive_open(server.port, open_requests, TARGET_RPS))
            )
            stored = ticket_count(server.url, token)
        finally:
            server.stop()
    expected = warm["statuses"].get(201, 0) + closed["created_201"] + opened["created_201"]
    sound = stored == expected
    for run in (closed, opened):
        # Sound: every request answered 201 and every answered ticket stored (a run cut short
        # by the time limit is still sound; its rate is what it is).
        run["complete"] = run["answered"] == requests
        run["sound"] = not run["errors"] and run["created_201"] == run["answered"] and sound
    return {
        "database": kind,
        "settings": dict(extra_env),
        "server": SERVER,
        "workers": WORKERS,
        "worker_class": WORKER_CLASS if SERVER == "gunicorn" else None,
        "threads": THREADS,
        "access_log": ACCESS_LOG,
        "client": CLIENT,
        "concurrency": CONCURRENCY,
        "requests": requests,
        "closed_loop": closed,
        "open_loop": {**opened, "offered_per_second": TARGET_RPS},
        "tickets_stored": stored,
        "tickets_expected": expected,
        "sound": closed["sound"] and opened["sound"],
        # The target: the open loop at 200 a second kept up (every request answered 201, so
        # none left waiting) with p99 under 100 ms.
        "met": opened["complete"]
        and opened["sound"]
        and opened["latency_ms"]["p99"] < TARGET_P99_MS,
    }


# ---------------------------------------------------------------------------------------------
# B. The agent queue


def seed_queue(tickets: int) -> dict[str, Any]:
    """Child: `tickets` open tickets with their events, clocks computed by the engine."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user
    from accord.catalogue.models import Module, Region
    from accord.helpdesk import services
    from accord.helpdesk.models import Channel, EventKind, Status, Ticket, TicketEvent

    rng = random.Random(SEED)
    now = timezone.now()
    regions = list(Region.objects.order_by("code"))
    modules = list(Module.objects.order_by("pk"))
    reporters = []
    for n in range(QUEUE_ORGANISATIONS):
        region = regions[n % len(regions)]
        organisation = create_organisation(
            name=f"Customer {n}", slug=f"customer-{n}", region=region
        )
        reporters.append(
            create_user(
                email=f"reporter{n}@customer{n}.test", role=Role.REPORTER, organisation=organisation
            )
        )
    agent = create_user(email="agent@vendor.test", role=Role.AGENT)
    agent.timezone = "Europe/London"
    agent.save(update_fields=["timezone"])

    statuses = [Status.REPORTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS]
    severities = [1, 2, 2, 3, 3, 3, 4, 4, 4, None]
    began = time.perf_counter()
    with transaction.atomic():
        rows = []
        for n in range(tickets):
            reporter = reporters[n % len(reporters)]
            organisation = reporter.organisation
            rows.append(
                Ticket(
                    organisation=organisation,
                    module=rng.choice(modules),
                    region=organisation.region,
                    summary=f"Bench fault {n}",
                    description="The release calendar does not load for anyone.",
                    severity=rng.choice(severities),
                    channel=rng.choice([Channel.API, Channel.PORTAL, Channel.EMAIL]),
                    status=rng.choice(statuses),
                    reported_by=reporter,
                    reported_at=now - timedelta(seconds=rng.randrange(60, 21 * 86_400)),
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=500)
        events = []
        for ticket in Ticket.objects.order_by("pk"):
            at = ticket.reported_at
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.REPORTED,
                    at=at,
                    actor_id=ticket.reported_by_id,
                    severity=ticket.severity,
                )
            )
            for status in statuses[1 : statuses.index(ticket.status) + 1]:
                at = min(at + timedelta(minutes=rng.randrange(5, 240)), now)
                events.append(TicketEvent(ticket=ticket, kind=status, at=at, actor=agent))
        TicketEvent.objects.bulk_create(events, batch_size=1000)
        # The clock columns, computed by the engine from the events (as the pages do).
        related = ("organisation__contract", "organisation__region")
        everything = list(Ticket.objects.select_related(*related).order_by("pk"))
        for start in range(0, len(everything), 1000):
            chunk = everything[start : start + 1000]
            services.refresh_clocks(chunk, now=now)
            Ticket.objects.bulk_update(chunk, services.CLOCK_FIELDS, batch_size=500)
    seeded = time.perf_counter() - began

    # The stored clocks are the engine's, ticket by ticket.
    mismatches = 0
    for ticket in rng.sample(everything, 50):
        stored = Ticket.objects.select_related(*related).get(pk=ticket.pk)
        result = services.evaluate(stored, now)
        expected = Ticket(pk=stored.pk)
        services.apply_clock(expected, result, now)
        for name in services.CLOCK_FIELDS:
            if name != "clock_computed_at" and getattr(expected, name) != getattr(stored, name):
                mismatches += 1
                break
    open_count = Ticket.objects.filter(status__in=statuses).count()
    return {
        "agent": agent.pk,
        "seed_seconds": seeded,
        "open_tickets": open_count,
        "events": len(events),
        "clock_mismatches": mismatches,
        "breached": Ticket.objects.filter(standing="breached").count(),
        "no_severity": Ticket.objects.filter(severity_in_force__isnull=True).count(),
    }


def time_page(client: Any, url: str, warmup: int, runs: int) -> dict[str, Any]:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return {
        "url": url,
        "runs": runs,
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 95),
        "min_ms": min(times),
        "max_ms": max(times),
        "bytes": len(response.content),
    }


def queue_child(tickets: int, runs: int) -> dict[str, Any]:
    """Child: seed, then time the agent queue in-process."""
    from django.db import connection
    from django.test import Client

    from accord.accounts.models import User

    seeded = seed_queue(tickets)
    client = Client()
    client.force_login(User.objects.get(pk=seeded["agent"]))
    pages = [
        time_page(client, "/queue/", QUEUE_WARMUP, runs),
        time_page(client, "/queue/?severity=1", QUEUE_WARMUP, runs),
        time_page(client, f"/queue/?page={tickets // 50}", QUEUE_WARMUP, runs),
    ]
    statements: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - began) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get("/queue/")
    sql_ms = sum(ms for ms, _ in statements)
    slowest = sorted(statements, reverse=True)[:3]
    profiler = cProfile.Profile()
    profiler.enable()
    client.get("/queue/")
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("cumulative").print_stats("/accord/", 20)  # Accord's own functions
    stats.sort_stats("tottime").print_stats(15)  # where the interpreter spends its time
    return {
        **seeded,
        "vendor": connection.vendor,
        "pages": pages,
        "queries": len(statements),
        "sql_ms": sql_ms,
        "slowest_sql": [{"ms": ms, "sql": sql[:400]} for ms, sql in slowest],
        "profile": report.getvalue(),
        "met": pages[0]["median_ms"] < TARGET_QUEUE_MS,
    }


def queue_bench(
    kind: str, scratch: Path, tickets: int, runs: int, **extra_env: str
) -> dict[str, Any]:
    label = f"queue-{kind}" + "".join(f"-{v}" for v in extra_env.values())
    with fresh_database(kind, scratch, label) as env:
        env.update(extra_env)
        result = child("queue", env, str(tickets), str(runs))
    result["database"] = kind
    result["settings"] = dict(extra_env)
    return result


# ---------------------------------------------------------------------------------------------
# Report


def accord_source() -> str:
    from importlib.util import find_spec

    spec = find_spec("accord")
    return str(Path(spec.origin).parent) if spec and spec.origin else "?"


def postgres_version() -> str:
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=5) as c:
            row = c.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else ""
    return ""


def cpu(run: dict[str, Any]) -> str:
    workers, client = run["workers_cpu_ms_per_request"], run["client_cpu_ms_per_request"]
    text = f"? + {client:.1f} ms" if workers is None else f"{workers:.1f} + {client:.1f} ms"
    busy = run.get("machine_cpu_busy")
    return text if busy is None else f"{text} ({busy:.0%})"


def report(console: Any, env: dict[str, Any], api: list[dict[str, Any]], queue: list[Any]) -> None:
    from rich.table import Table

    def yes(ok: bool) -> str:
        return "[green]yes[/]" if ok else "[red]NO[/]"

    console.print(f"Accord from {env['accord_source']} (checkout at {env['checkout_head']})")
    console.print(
        f"Machine: {env['cpu']}, {env['cpus']} CPUs ({env['affinity']}); Python {env['python']},"
        f" Django {env['django']}, {SERVER} {env[SERVER]}, SQLite {env['sqlite']},"
        f" PostgreSQL {env['postgresql'] or 'unreachable'}"
    )
    table = Table(
        title=(
            f"A. POST /api/tickets: gunicorn -w {WORKERS} ({WORKER_CLASS}"
            + (f", {THREADS} threads" if WORKER_CLASS == "gthread" else "")
            + ")"
            if SERVER == "gunicorn"
            else f"A. POST /api/tickets: granian --workers {WORKERS} --blocking-threads {THREADS}"
        )
        + ("" if ACCESS_LOG else ", no access log")
        + f"; closed loop: {CONCURRENCY} in flight ({CLIENT} client);"
        f" open loop: {TARGET_RPS:.0f} a second offered"
    )
    columns = ("database", "loop", "requests", "req/s", "p50", "p95", "p99", "max")
    for column in (*columns, "in Django", "CPU/req"):
        table.add_column(column, justify="left" if column in ("database", "loop") else "right")
    table.add_column("target", justify="left")
    table.add_column("met")
    for run in api:
        if "skipped" in run:
            table.add_row(run["database"], *["-"] * 9, "", "[yellow]skipped[/]")
            continue
        name = run["database"] + "".join(f" {k}={v}" for k, v in run["settings"].items())
        for loop in ("closed_loop", "open_loop"):
            part = run[loop]
            lat, srv = part["latency_ms"], part["server_ms"]
            is_open = loop == "open_loop"
            table.add_row(
                name if not is_open else "",
                "open" if is_open else "closed",
                f"{part['created_201']:,}/{run['requests']:,}",
                f"{part['requests_per_second']:,.0f}",
                f"{lat['p50']:.1f} ms",
                f"{lat['p95']:.1f} ms",
                f"{lat['p99']:.1f} ms",
                f"{lat['max']:.1f} ms",
                f"{srv['p50']:.1f} / {srv['p99']:.1f} ms" if srv["count"] else "-",
                cpu(part),
                f"p99 < {TARGET_P99_MS:.0f} ms at {TARGET_RPS:.0f}/s" if is_open else "",
                (yes(run["met"]) if part["sound"] else "[red]UNSOUND[/]") if is_open else "",
            )
    console.print(table)
    console.print(
        "'closed': a new request as soon as one is answered, so 'req/s' is the most the server"
        " does and latency is mostly queueing (about in-flight / rate). 'open': requests sent at"
        f" {TARGET_RPS:.0f} a second whatever the answers, latency from when each was due: the"
        " target holds if all were answered and p99 is under its limit."
    )
    console.print(
        f"'CPU/req': CPU time per created ticket in the {SERVER} processes + in this load"
        " generator (in brackets: how busy all CPUs of the machine were during the run)."
    )
    console.print(
        f"'in Django': p50 / p99 of each request's time inside the worker ({SERVER}'s access"
        " log); the rest of the client's latency is waiting for a free worker."
    )
    table = Table(title="B. Agent queue (GET /queue/, 50 a page), in-process, server time")
    for column in ("database", "open", "page", "median", "p95", "SQL", "target", "met"):
        table.add_column(column, justify="left" if column in ("database", "page") else "right")
    for run in queue:
        if "skipped" in run:
            table.add_row(run["database"], *["-"] * 6, "[yellow]skipped[/]")
            continue
        for index, page in enumerate(run["pages"]):
            first = index == 0
            name = run["database"] + "".join(f" {k}={v}" for k, v in run["settings"].items())
            table.add_row(
                name if first else "",
                f"{run['open_tickets']:,}" if first else "",
                page["url"],
                f"{page['median_ms']:.1f} ms",
                f"{page['p95_ms']:.1f} ms",
                f"{run['queries']} q, {run['sql_ms']:.1f} ms" if first else "",
                f"< {TARGET_QUEUE_MS:.0f} ms" if first else "reported",
                yes(run["met"]) if first else "",
            )
    console.print(table)
    for run in queue:
        if "skipped" not in run:
            console.print(
                f"{run['database']}: {run['open_tickets']:,}-ticket seed (bulk insert +"
                " engine clocks) "
                f"{run['seed_seconds']:.1f} s; {run['breached']:,} breached, "
                f"{run['no_severity']:,} without a severity; clocks differing from the "
                f"engine's on 50 checked: {run['clock_mismatches']}"
            )


def main(argv: list[str]) -> int:
    global CLIENT, SERVER, WORKER_CLASS, THREADS, CONCURRENCY, ACCESS_LOG
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=["api", "queue"])
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default=CLIENT, help="the load generator"
    )
    parser.add_argument("--server", choices=["gunicorn", "granian"], default=SERVER)
    parser.add_argument(
        "--worker-class", choices=["sync", "gthread"], default=WORKER_CLASS, help="gunicorn's"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS,
        help="per worker: gunicorn's gthread threads or granian's blocking threads",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="the server writes no access log"
    )
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="requests in flight")
    parser.add_argument("--requests", type=int, help="per timed run (default 3,000; --quick 300)")
    parser.add_argument(
        "--persistent-only",
        action="store_true",
        help="part A with ACCORD_DB_CONN_MAX_AGE=60 only, not also the default",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child)
    CLIENT, SERVER, WORKER_CLASS, THREADS = (
        args.client,
        args.server,
        args.worker_class,
        args.threads,
    )
    ACCESS_LOG = not args.no_access_log
    CONCURRENCY = args.concurrency

    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 150)
    env = host.describe(
        host.unpin(),
        ["django", "django-ninja", "gunicorn", "granian", "httpx", "psycopg"],
    )
    env["accord_source"] = accord_source()
    env["sqlite"] = sqlite3.sqlite_version
    env["postgresql"] = postgres_version()
    requests = args.requests or (REQUESTS // 10 if args.quick else REQUESTS)
    tickets = QUEUE_TICKETS // 10 if args.quick else QUEUE_TICKETS
    kinds = ["sqlite"]
    skipped: dict[str, str] = {}
    if not args.skip_postgres:
        why = postgres_reachable()
        if why is None:
            kinds.append("postgresql")
        else:
            skipped["postgresql"] = why
            console.print(f"[yellow]PostgreSQL skipped: {why}[/]")
    began = time.perf_counter()
    api: list[dict[str, Any]] = []
    queue: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as scratch:
        for kind in kinds:
            if args.only in (None, "api"):
                console.print(f"A. API creation on {kind} ...")
                # As docs/deployment.md recommends (connections kept between requests), then
                # the default (a connection per request) for comparison.
                api.append(api_bench(kind, Path(scratch), requests, ACCORD_DB_CONN_MAX_AGE="60"))
                if not args.persistent_only:
                    api.append(api_bench(kind, Path(scratch), requests))
            if args.only in (None, "queue"):
                console.print(f"B. Queue with {tickets:,} open tickets on {kind} ...")
                queue.append(queue_bench(kind, Path(scratch), tickets, QUEUE_RUNS))
                if kind == "postgresql":
                    queue.append(
                        queue_bench(
                            kind, Path(scratch), tickets, QUEUE_RUNS, ACCORD_DB_CONN_MAX_AGE="60"
                        )
                    )
    for kind, why in skipped.items():
        api.append({"database": kind, "skipped": why})
        queue.append({"database": kind, "skipped": why})
    host.finish(env)
    report(console, env, api, queue)
    console.print(host.summary(env))
    path = QUICK_RESULTS if args.quick else RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "quick": args.quick,
        "machine": env,
        "total_seconds": time.perf_counter() - began,
        "targets": {
            "api_requests_per_second": TARGET_RPS,
            "api_p99_ms": TARGET_P99_MS,
            "queue_ms": TARGET_QUEUE_MS,
        },
        "api": api,
        "queue": queue,
    }
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    console.print(f"Figures written to {path}.")
    if args.quick:
        console.print("[yellow]--quick: a tenth of every size; targets do not apply.[/]")
    unsound = [r for r in api if "skipped" not in r and not r["sound"]]
    unsound += [r for r in queue if "skipped" not in r and r["clock_mismatches"]]
    if unsound:
        console.print(
            "[red]A measurement went wrong (failed requests, missing tickets or "
            "clocks differing from the engine's): see above.[/]"
        )
    return 1 if unsound else 0


def child_main(argv: list[str]) -> int:
    import django

    django.setup()
    mode, *rest = argv
    if mode == "seed-api":
        result = seed_api()
    elif mode == "queue":
        result = queue_child(int(rest[0]), int(rest[1]))
    else:
        raise SystemExit(f"unknown child mode {mode!r}")
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
