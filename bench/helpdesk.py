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

This file is the command line and the children's entry; the rest is beside it:
helpdesk_config.py (sizes, targets, the settings the options set), helpdesk_server.py (fresh
databases, the gunicorn/granian processes), helpdesk_load.py (part A: the load generators and
what a run measures), helpdesk_queue.py (part B) and helpdesk_report.py (the tables);
harness.py and host.py are shared with the other scripts.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import helpdesk_config as config
import host
from harness import serve_child, write_figures
from helpdesk_config import (
    QUEUE_RUNS,
    QUEUE_TICKETS,
    QUICK_RESULTS,
    REQUESTS,
    RESULTS,
    TARGET_P99_MS,
    TARGET_QUEUE_MS,
    TARGET_RPS,
)
from helpdesk_load import api_bench, seed_api
from helpdesk_queue import queue_bench, queue_child
from helpdesk_report import accord_source, postgres_version, report
from helpdesk_server import postgres_reachable

# Persistent connections (the comparison): on PostgreSQL the pool must be off for them.
PERSISTENT = {"ACCORD_DB_CONN_MAX_AGE": "60", "ACCORD_DB_POOL": "0"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=["api", "queue"])
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default=config.CLIENT, help="the load generator"
    )
    parser.add_argument("--server", choices=["gunicorn", "granian"], default=config.SERVER)
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default=config.WORKER_CLASS,
        help="gunicorn's",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=config.THREADS,
        help="per worker: gunicorn's gthread threads or granian's blocking threads",
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="the server writes no access log"
    )
    parser.add_argument(
        "--concurrency", type=int, default=config.CONCURRENCY, help="requests in flight"
    )
    parser.add_argument("--requests", type=int, help="per timed run (default 3,000; --quick 300)")
    parser.add_argument(
        "--persistent-only",
        action="store_true",
        help="part A with ACCORD_DB_CONN_MAX_AGE=60 only, not also the default",
    )
    parser.add_argument(
        "--defaults-only",
        action="store_true",
        help="part A with no tuning variable only (PostgreSQL: the connection pool)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child)
    config.CLIENT, config.SERVER, config.WORKER_CLASS, config.THREADS = (
        args.client,
        args.server,
        args.worker_class,
        args.threads,
    )
    config.ACCESS_LOG = not args.no_access_log
    config.CONCURRENCY = args.concurrency

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
                # (PostgreSQL's default is the connection pool; persistent connections need it off.)
                if not args.defaults_only:
                    api.append(api_bench(kind, Path(scratch), requests, **PERSISTENT))
                if not args.persistent_only:
                    api.append(api_bench(kind, Path(scratch), requests))
            if args.only in (None, "queue"):
                console.print(f"B. Queue with {tickets:,} open tickets on {kind} ...")
                queue.append(queue_bench(kind, Path(scratch), tickets, QUEUE_RUNS))
                if kind == "postgresql":
                    queue.append(
                        queue_bench(kind, Path(scratch), tickets, QUEUE_RUNS, **PERSISTENT)
                    )
    for kind, why in skipped.items():
        api.append({"database": kind, "skipped": why})
        queue.append({"database": kind, "skipped": why})
    host.finish(env)
    report(console, env, api, queue)
    console.print(host.summary(env))
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
    quick = "a tenth of every size" if args.quick else None
    write_figures(console, QUICK_RESULTS if args.quick else RESULTS, results, quick)
    unsound = [r for r in api if "skipped" not in r and not r["sound"]]
    unsound += [r for r in queue if "skipped" not in r and r["clock_mismatches"]]
    if unsound:
        console.print(
            "[red]A measurement went wrong (failed requests, missing tickets or "
            "clocks differing from the engine's): see above.[/]"
        )
    return 1 if unsound else 0


def child_main(argv: list[str]) -> int:
    return serve_child(
        argv,
        {
            "seed-api": lambda rest: seed_api(),
            "queue": lambda rest: queue_child(int(rest[0]), int(rest[1])),
        },
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
