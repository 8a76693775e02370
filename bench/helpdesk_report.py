"""The help desk bench's tables: what the terminal shows of parts A and B."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import helpdesk_config as config
from helpdesk_config import POSTGRES_SERVER, TARGET_P99_MS, TARGET_QUEUE_MS, TARGET_RPS, WORKERS


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
        f" Django {env['django']}, {config.SERVER} {env[config.SERVER]}, SQLite {env['sqlite']},"
        f" PostgreSQL {env['postgresql'] or 'unreachable'}"
    )
    table = Table(
        title=(
            f"A. POST /api/tickets: gunicorn -w {WORKERS} ({config.WORKER_CLASS}"
            + (f", {config.THREADS} threads" if config.WORKER_CLASS == "gthread" else "")
            + ")"
            if config.SERVER == "gunicorn"
            else f"A. POST /api/tickets: granian --workers {WORKERS}"
            f" --blocking-threads {config.THREADS}"
        )
        + ("" if config.ACCESS_LOG else ", no access log")
        + f"; closed loop: {config.CONCURRENCY} in flight ({config.CLIENT} client);"
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
        f"'CPU/req': CPU time per created ticket in the {config.SERVER} processes + in this load"
        " generator (in brackets: how busy all CPUs of the machine were during the run)."
    )
    console.print(
        f"'in Django': p50 / p99 of each request's time inside the worker ({config.SERVER}'s access"
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
