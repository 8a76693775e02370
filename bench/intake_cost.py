"""What one ticket creation costs, without a server or a load generator (issue 20).

    .venv/bin/python bench/intake_cost.py               # SQLite and PostgreSQL, 1,000 each
    .venv/bin/python bench/intake_cost.py --requests 300 --skip-postgres

Each configuration runs in its own child process on a fresh, migrated database (SQLite in a
temporary ACCORD_DATA_DIR; PostgreSQL `accord_bench`, or BENCH_POSTGRES_DB): the API bench's
organisation, people and token (bench/helpdesk_load.seed_api), 50 warm-up requests, then
`POST /api/tickets` called straight on Accord's WSGI application one after another, as a
gunicorn sync worker calls it (Django's request_started / request_finished signals included,
so connections are opened, kept or pooled as the settings say). Reported per request: the
process's CPU time, the wall time and, on PostgreSQL, the CPU time of the server processes
that served it (read from /proc; not for a connection per request, whose processes end).
BENCH_PROFILE=<file> also writes a cProfile of the timed requests (CPU time) to that file.

It separates the cost of a request from queueing: bench/helpdesk.py measures the rate and the
latency under load. Figures go to the terminal and to var/bench-intake-cost.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from harness import child, serve_child, write_figures
from helpdesk_server import fresh_database, postgres_reachable

SCRIPT = Path(__file__).resolve()
WARMUP = 50
# Each configuration: a label, the database kind and the variables it sets (none: the default).
CONFIGURATIONS = [
    ("SQLite, defaults", "sqlite", {}),
    ("SQLite, a connection per request", "sqlite", {"ACCORD_DB_CONN_MAX_AGE": "0"}),
    ("PostgreSQL, defaults (pool)", "postgresql", {}),
    ("PostgreSQL, pool, nothing prepared", "postgresql", {"ACCORD_DB_PREPARE": "0"}),
    (
        "PostgreSQL, persistent connections",
        "postgresql",
        {"ACCORD_DB_POOL": "0", "ACCORD_DB_CONN_MAX_AGE": "600"},
    ),
    ("PostgreSQL, a connection per request", "postgresql", {"ACCORD_DB_POOL": "0"}),
]


def _server_cpu() -> tuple[frozenset[int], float] | None:
    """The PostgreSQL server processes serving this database and their CPU time so far (None
    on SQLite), read from /proc through a connection of its own to the `postgres` database: a
    pool may hand each request a different connection."""
    import host
    import psycopg
    from django.db import connection
    from helpdesk_config import POSTGRES_SERVER

    if connection.vendor != "postgresql":
        return None
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s",
            (connection.settings_dict["NAME"],),
        ).fetchall()
    pids = frozenset(pid for (pid,) in rows)
    return pids, sum(host.process_cpu_seconds(pid) for pid in pids)


def measure_child(requests: int) -> dict[str, Any]:
    """Child: seed, warm up, then `requests` creations through the WSGI application."""
    from django.db import connection
    from helpdesk_load import seed_api, ticket_body

    from accord.wsgi import application

    seeded = seed_api()
    connection.close()

    def create(n: int, prefix: str) -> None:
        body = json.dumps(ticket_body(seeded["modules"], n, prefix)).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/tickets",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {seeded['token']}",
            "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()),
        }
        statuses: list[str] = []
        chunks = application(environ, lambda status, headers, exc=None: statuses.append(status))
        b"".join(chunks)
        chunks.close()  # request_finished: the connection is kept, pooled or closed here
        if not statuses[0].startswith("201"):
            raise RuntimeError(f"request {prefix}-{n} answered {statuses[0]}")

    for n in range(WARMUP):
        create(n, "warm")
    server_before = _server_cpu()
    profile_path = os.environ.get("BENCH_PROFILE")
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(requests):
        create(n, "timed")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_path)
    server_after = _server_cpu()
    # Only when the same server processes served the whole run (kept or pooled connections):
    # those of a connection per request have ended, and their CPU with them.
    server = (
        1000 * (server_after[1] - server_before[1]) / requests
        if server_before and server_after and server_before[0] == server_after[0] != frozenset()
        else None
    )
    return {
        "requests": requests,
        "cpu_ms": 1000 * cpu / requests,
        "wall_ms": 1000 * wall / requests,
        "server_cpu_ms": server,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return serve_child(args.child, {"measure": lambda rest: measure_child(int(rest[0]))})

    import host
    from rich.console import Console
    from rich.table import Table

    console = Console()
    env = host.describe(host.unpin(), ["django", "psycopg", "psycopg-pool"])
    skip = "--skip-postgres" if args.skip_postgres else postgres_reachable()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="accord-intake-") as scratch:
        for n, (label, kind, variables) in enumerate(CONFIGURATIONS):
            if kind == "postgresql" and skip:
                rows.append({"configuration": label, "skipped": skip})
                continue
            console.print(f"{label} ...")
            with fresh_database(kind, Path(scratch), f"run{n}") as child_env:
                child_env.update(variables)
                figures = child(SCRIPT, "measure", child_env, str(args.requests), timeout=1800)
            rows.append({"configuration": label, "variables": variables, **figures})
    host.finish(env)
    table = Table(title="POST /api/tickets, one after another on the WSGI application")
    for heading in ("configuration", "CPU / request", "wall / request", "PostgreSQL CPU"):
        table.add_column(heading, justify="left" if heading == "configuration" else "right")
    for row in rows:
        if "skipped" in row:
            table.add_row(row["configuration"], "skipped", row["skipped"], "")
            continue
        server = row["server_cpu_ms"]
        table.add_row(
            row["configuration"],
            f"{row['cpu_ms']:.2f} ms",
            f"{row['wall_ms']:.2f} ms",
            "" if server is None else f"{server:.2f} ms",
        )
    console.print(table)
    console.print(host.summary(env))
    write_figures(
        console,
        Path(__file__).resolve().parent.parent / "var" / "bench-intake-cost.json",
        {"machine": env, "runs": rows},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
