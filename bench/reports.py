"""`make bench`, monthly reports (issue 5): one big customer-month, and every customer's month.

Run by `make bench` after bench/run.py and bench/prober.py, or alone:

    .venv/bin/python bench/reports.py            # the figures for docs/performance.md
    .venv/bin/python bench/reports.py --quick    # 100 customers, fewer runs, to try it out
    .venv/bin/python bench/reports.py --only single

The database is a fresh SQLite file in a temporary ACCORD_DATA_DIR (`accord migrate`), seeded
by a child process with bulk inserts (the seeding time is reported, not counted): 1,000 customer
organisations in the three regions on the built-in policy (one in ten reporting in UTC, a
monthly fee on most), October 2026 (America/Los_Angeles and the others) with:

- outages: per module-region 8 shared ones (probe, webhook, incident; major, partial,
  degraded; 2 to 90 minutes) and, for one customer in five, one that hit that customer only;
  an ad-hoc maintenance window per region announced in time;
- tickets with realistic event logs: reported (severity 1-4, one in twenty without, designated
  an hour later), acknowledged, in progress, restored (after a spread of delays, so some breach
  and a tenth stay open), a fix delivered and closed for most; one in ten disputed (a proposal
  then agreed, rejected or still open). The first customer has 500 tickets in the month, the
  others 0 to 30 (about 15 on average); each also has three tenths as many in September, of
  which those still open at September's cut-off are carried over into October's report.

A. **One customer-month** (the first customer: 5 modules, 500 tickets, its outages):
   `build_report` then `render.report_html`, each timed over RUNS runs after a warm-up, median
   reported (target: the two together under 300 ms); one more build profiled (cProfile).
B. **Every customer's month, PDFs included**: for each of the 1,000 customers
   `services.report_for` (the month is closed: it is built and frozen, as the worker's
   delivery does) and `render.report_pdf`; a process pool of PROCESSES processes, each with its
   own database connection, wall-clock time from the first report to the last (target: under
   2 minutes). The time each process spent building, freezing and rendering PDFs is summed,
   both wall clock and the process's own CPU time (on a machine other jobs load, the first
   grows, the second much less).

Figures go to the terminal and to var/bench-reports.json (--quick: var/bench-reports-quick.json).
The exit status is non-zero only if a measurement went wrong (a report missing, a PDF that is
not one), never for a missed target. The seeding is in bench/reports_seed.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import host
from harness import accord_env, child, run_checked, serve_child, write_figures
from reports_seed import MONTH, seed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "var" / "bench-reports.json"
QUICK_RESULTS = ROOT / "var" / "bench-reports-quick.json"

CUSTOMERS = 1_000
RUNS = 15
PROCESSES = 2
TARGET_SINGLE_MS = 300.0
TARGET_ALL_SECONDS = 120.0


# ---------------------------------------------------------------------------------------------
# A. One customer-month


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def single(slug: str, runs: int) -> dict[str, Any]:
    from accord.accounts.models import Organisation
    from accord.reports.build import build_report

    try:
        from accord.reports import render
    except ImportError:  # rendering is another part of the issue: report what there is
        render = None  # type: ignore[assignment]

    def organisation() -> Any:
        # Read afresh each run, as a request does (no contract or terms cached on the row).
        return Organisation.objects.select_related("contract", "region").get(slug=slug)

    report = build_report(organisation(), MONTH, now=_now())  # warm-up (imports, caches)
    html = render.report_html(report, None) if render else ""
    builds, renders = [], []
    for _ in range(runs):
        org = organisation()
        began = time.perf_counter()
        report = build_report(org, MONTH, now=_now())
        builds.append((time.perf_counter() - began) * 1000)
        if render is not None:
            began = time.perf_counter()
            html = render.report_html(report, None)
            renders.append((time.perf_counter() - began) * 1000)
    profiler = cProfile.Profile()
    org = organisation()
    profiler.enable()
    build_report(org, MONTH, now=_now())
    profiler.disable()
    listing = io.StringIO()
    stats = pstats.Stats(profiler, stream=listing)
    stats.sort_stats("cumulative").print_stats("/accord/", 25)
    stats.sort_stats("tottime").print_stats(12)
    build_ms = statistics.median(builds)
    render_ms = statistics.median(renders) if renders else None
    return {
        "tickets": len(report.tickets),
        "modules": len(report.uptime),
        "outages": sum(len(m.outages) for m in report.uptime),
        "breached": len(report.breached_tickets),
        "disputes": len(report.disputes),
        "runs": runs,
        "build_ms": build_ms,
        "build_min_ms": min(builds),
        "render_ms": render_ms,
        "render_min_ms": min(renders) if renders else None,
        "html_bytes": len(html),
        "total_ms": build_ms + (render_ms or 0.0),
        "met": render_ms is not None and build_ms + render_ms < TARGET_SINGLE_MS,
        "profile": listing.getvalue(),
    }


# ---------------------------------------------------------------------------------------------
# B. Every customer's month, PDFs included


_SHARING: Any = None


def _pool_init() -> None:
    import django

    django.setup()
    from accord.reports.build import sharing_uptime

    # Customers in one region on the same terms share their module-regions' uptime work for
    # the whole batch (only the outages that hit one customer alone are its own). Held for
    # the process's life (a context manager left unreferenced would be closed).
    global _SHARING
    _SHARING = sharing_uptime()
    _SHARING.__enter__()


def _reports_of(ids: list[int], out_dir: str) -> dict[str, Any]:
    """One pool task: the reports (frozen) and PDFs of these organisations."""
    from accord.accounts.models import Organisation
    from accord.reports import services

    try:
        from accord.reports import render
    except ImportError:  # rendering is another part of the issue: measure what there is
        render = None  # type: ignore[assignment]

    build = pdf = build_cpu = pdf_cpu = 0.0
    sizes = []
    bad = []
    organisations = Organisation.objects.select_related("contract", "region").filter(pk__in=ids)
    for org in organisations.order_by("pk"):
        began, began_cpu = time.perf_counter(), time.process_time()
        issued = services.report_for(org, MONTH, now=_now())
        middle, middle_cpu = time.perf_counter(), time.process_time()
        data = b"%PDF-" if render is None else render.report_pdf(issued.report, issued.version)
        build += middle - began
        pdf += time.perf_counter() - middle
        build_cpu += middle_cpu - began_cpu
        pdf_cpu += time.process_time() - middle_cpu
        if data[:5] != b"%PDF-" or issued.version is None:
            bad.append(org.slug)
        sizes.append(len(data))
        (Path(out_dir) / f"{org.slug}-{MONTH}-sla-report.pdf").write_bytes(data)
    return {
        "count": len(sizes),
        "build_seconds": build,
        "pdf_seconds": pdf,
        "build_cpu_seconds": build_cpu,
        "pdf_cpu_seconds": pdf_cpu,
        "bytes": sum(sizes),
        "bad": bad,
    }


def _pages(out_dir: str) -> dict[str, int]:
    from pypdf import PdfReader

    counts = [
        len(PdfReader(io.BytesIO((Path(out_dir) / name).read_bytes())).pages)
        for name in os.listdir(out_dir)
    ]
    return {"files": len(counts), "pages": sum(counts), "max": max(counts, default=0)}


def every_customer(processes: int, profile_one: bool) -> dict[str, Any]:
    import multiprocessing

    from accord.accounts.models import Organisation
    from accord.reports.models import ReportVersion

    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    # Small tasks handed out in turn: the big customer does not hold a process up at the end.
    chunks = [ids[i : i + 10] for i in range(0, len(ids), 10)]
    out_dir = tempfile.mkdtemp(prefix="accord-bench-pdfs-")
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_pool_init) as pool:
        pool.apply(time.sleep, (0,))  # the processes are up (Django set up) before timing
        began = time.perf_counter()
        parts = pool.starmap(_reports_of, [(chunk, out_dir) for chunk in chunks], chunksize=1)
        wall = time.perf_counter() - began
    frozen = ReportVersion.objects.filter(month=MONTH).count()
    pages = _pages(out_dir)  # not timed: each PDF written is read back
    result = {
        "customers": len(ids),
        "processes": processes,
        "wall_seconds": wall,
        "reports": sum(p["count"] for p in parts),
        "frozen": frozen,
        "build_seconds": sum(p["build_seconds"] for p in parts),
        "pdf_seconds": sum(p["pdf_seconds"] for p in parts),
        "build_cpu_seconds": sum(p["build_cpu_seconds"] for p in parts),
        "pdf_cpu_seconds": sum(p["pdf_cpu_seconds"] for p in parts),
        "pdf_megabytes": sum(p["bytes"] for p in parts) / 1e6,
        "pdf_files": pages["files"],
        "pdf_pages": pages["pages"],
        "pdf_pages_max": pages["max"],
        "bad": [slug for p in parts for slug in p["bad"]],
        "met": wall < TARGET_ALL_SECONDS,
    }
    if profile_one:  # where one process's time goes, on 20 customers (not timed above)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM reports_reportversion WHERE organisation_id IN %s"
                % ("(" + ",".join(str(pk) for pk in ids[1:21]) + ")")
            )
        profiler = cProfile.Profile()
        profiler.enable()
        _reports_of(ids[1:21], out_dir)
        profiler.disable()
        listing = io.StringIO()
        stats = pstats.Stats(profiler, stream=listing)
        stats.sort_stats("cumulative").print_stats(30)
        result["profile"] = listing.getvalue()
    for name in os.listdir(out_dir):
        os.unlink(os.path.join(out_dir, name))
    os.rmdir(out_dir)
    return result


# ---------------------------------------------------------------------------------------------
# Report


def report(console: Any, env: dict[str, Any], seeded: dict[str, Any], a: Any, b: Any) -> None:
    from rich.table import Table

    def yes(ok: bool) -> str:
        return "[green]yes[/]" if ok else "[red]NO[/]"

    console.print(
        f"Machine: {env['cpu']}, {env['cpus']} CPUs ({env['affinity']}); Python "
        f"{env['python']}, Django {env['django']}, WeasyPrint {env['weasyprint']}, SQLite "
        f"{env['sqlite']}; checkout at {env['checkout_head']}"
    )
    console.print(
        f"Seeded (bulk inserts, not timed below) in {seeded['seed_seconds']:.1f} s: "
        f"{seeded['customers']:,} customers, {seeded['tickets']:,} tickets, "
        f"{seeded['events']:,} events, {seeded['outages']:,} outages"
    )
    if a is not None:
        table = Table(title=f"A. One customer-month ({MONTH}), median of {a['runs']} runs")
        for column in ("tickets", "modules", "outages", "build", "HTML render", "total"):
            table.add_column(column, justify="right")
        table.add_column("target")
        table.add_column("met")
        table.add_row(
            f"{a['tickets']} ({a['breached']} breached, {a['disputes']} disputed)",
            str(a["modules"]),
            str(a["outages"]),
            f"{a['build_ms']:.1f} ms",
            "-" if a["render_ms"] is None else f"{a['render_ms']:.1f} ms",
            f"{a['total_ms']:.1f} ms",
            f"< {TARGET_SINGLE_MS:.0f} ms",
            yes(a["met"]) if a["render_ms"] is not None else "[yellow]no renderer[/]",
        )
        console.print(table)
    if b is not None:
        table = Table(title=f"B. Every customer's {MONTH} report, frozen, with its PDF")
        for column in ("customers", "processes", "wall", "per report", "build+freeze", "PDF"):
            table.add_column(column, justify="right")
        table.add_column("target")
        table.add_column("met")
        n = max(b["reports"], 1)
        table.add_row(
            f"{b['reports']:,}",
            str(b["processes"]),
            f"{b['wall_seconds']:.1f} s",
            f"{b['wall_seconds'] / n * 1000:.0f} ms",
            f"{b['build_seconds']:.1f} s ({b['build_seconds'] / n * 1000:.0f} ms each)",
            f"{b['pdf_seconds']:.1f} s ({b['pdf_seconds'] / n * 1000:.0f} ms each)",
            f"< {TARGET_ALL_SECONDS:.0f} s",
            yes(b["met"]),
        )
        console.print(table)
        console.print(
            "'build+freeze' and 'PDF': time summed over the processes (wall clock, so a "
            "loaded machine inflates it); the processes' own CPU time: build+freeze "
            f"{b['build_cpu_seconds']:.1f} s ({b['build_cpu_seconds'] / n * 1000:.0f} ms each), "
            f"PDF {b['pdf_cpu_seconds']:.1f} s ({b['pdf_cpu_seconds'] / n * 1000:.0f} ms each); "
            f"{b['pdf_files']:,} PDF files written to a temporary directory, "
            f"{b['pdf_megabytes']:.1f} MB, {b['pdf_pages']:,} pages "
            f"({b['pdf_pages'] / max(b['pdf_files'], 1):.1f} a report, at most "
            f"{b['pdf_pages_max']})."
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 customers, 5 runs")
    parser.add_argument("--only", choices=["single", "all"])
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--processes", type=int, default=PROCESSES)
    parser.add_argument("--profile", action="store_true", help="also profile part B's work")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child)

    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 150)
    env = host.describe(host.unpin(), ["django", "weasyprint", "pydyf"])
    env["sqlite"] = sqlite3.sqlite_version
    customers = args.customers or (CUSTOMERS // 10 if args.quick else CUSTOMERS)
    runs = 5 if args.quick else RUNS
    began = time.perf_counter()
    a = b = None
    with tempfile.TemporaryDirectory(prefix="accord-bench-reports-") as scratch:
        accord = accord_env(Path(scratch) / "data")
        Path(accord["ACCORD_DATA_DIR"]).mkdir()
        run_checked([str(BIN / "accord"), "migrate", "--no-input"], accord)
        console.print(f"Seeding {customers:,} customers ...")
        seeded = child(__file__, "seed", accord, str(customers))
        if args.only in (None, "single"):
            console.print("A. One customer-month ...")
            a = child(__file__, "single", accord, seeded["big_customer"], str(runs))
        if args.only in (None, "all"):
            console.print(f"B. {customers:,} reports with PDFs, {args.processes} processes ...")
            b = child(__file__, "all", accord, str(args.processes), "1" if args.profile else "0")
    host.finish(env)
    report(console, env, seeded, a, b)
    console.print(host.summary(env))
    results = {
        "quick": args.quick,
        "machine": env,
        "total_seconds": time.perf_counter() - began,
        "targets": {"single_ms": TARGET_SINGLE_MS, "all_seconds": TARGET_ALL_SECONDS},
        "seed": seeded,
        "single": a,
        "all": b,
    }
    quick = "fewer customers and runs" if args.quick else None
    write_figures(console, QUICK_RESULTS if args.quick else RESULTS, results, quick)
    wrong = b is not None and (
        b["bad"]
        or b["reports"] != customers
        or b["frozen"] != customers
        or b["pdf_files"] != customers
    )
    if wrong:
        console.print("[red]A measurement went wrong (a report or PDF missing): see above.[/]")
    return 1 if wrong else 0


def child_main(argv: list[str]) -> int:
    return serve_child(
        argv,
        {
            "seed": lambda rest: seed(int(rest[0])),
            "single": lambda rest: single(rest[0], int(rest[1])),
            "all": lambda rest: every_customer(int(rest[0]), rest[1] == "1"),
        },
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
