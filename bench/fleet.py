"""The fleet scaling table (issue 16, point 3): each fleet path beside the per-customer path it
replaces, time and peak RSS, at several fleet sizes, on SQLite or PostgreSQL.

    .venv/bin/python bench/fleet.py --sizes 100 1000 10000          # what `make fleet` runs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_bench_fleet \\
        .venv/bin/python bench/fleet.py --sizes 100 1000

For each size, in child processes of their own (so each peak RSS is that step's):

1. the fleet: `accord demo --fleet N --no-serve` into a scratch ACCORD_DATA_DIR (SQLite) or
   into the PostgreSQL database named (emptied first), timed;
2. the month's reports (bench/fleet_reports.py on that fleet): `build_report` per customer
   against `reports.batch`, and PDFs one by one against the process pool;
3. the simulator and the re-evaluation (bench/fleet_simulator.py on that fleet): one
   customer-year old and new, and every customer's year under the built-in policy;
4. the dashboard (bench/fleet_dashboard.py --customers N: it seeds a database of its own, with
   every ticket's clock written by the engine, which the fleet's demo data does not promise).

Each part checks the new path's answers against the old one's where both ran, and fails if
they differ. The figures go to the terminal and to bench/results/fleet-<database>.json; the
table in docs/performance.md is read from there. At 10,000 customers the old paths take hours,
so above --old-up-to they are timed on a sample and extrapolated (each part says which).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH = ROOT / "bench"


def _run(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a child; its wall time and peak RSS (from os.wait4, this child's own)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {process.returncode}")
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def _empty_postgres(url: str, env: dict[str, str]) -> None:
    """Drop and recreate the public schema: a fleet is added to a database, never replaced."""
    code = (
        "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True);"
        "c.execute('DROP SCHEMA public CASCADE'); c.execute('CREATE SCHEMA public')"
    )
    subprocess.run([str(BIN / "python"), "-c", code, url], env=env, check=True)


def _read(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def measure(
    size: int, database_url: str | None, old_up_to: int, parts: list[str]
) -> dict[str, Any]:
    figures: dict[str, Any] = {"customers": size, "load_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="accord-bench-fleet-") as scratch:
        data = Path(scratch) / "data"
        data.mkdir()
        env = {**os.environ, "ACCORD_DATA_DIR": str(data), "ACCORD_DEBUG": "1"}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
            _empty_postgres(database_url, env)
        accord = str(BIN / "accord")
        subprocess.run([accord, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        figures["build"] = _run([accord, "demo", "--fleet", str(size), "--no-serve"], env)
        python = str(BIN / "python")
        if "reports" in parts:
            out = Path(scratch) / "reports.json"
            argv = [python, str(BENCH / "fleet_reports.py"), str(data), "--json", str(out)]
            # PDFs are made from the report data with no database: measured on SQLite only.
            argv += ["--pdfs", "0" if database_url else str(min(size, 1000))]
            if size > old_up_to:
                argv += ["--old", str(old_up_to)]
            if database_url:
                argv += ["--database-url", database_url]
            figures["reports"] = {**_run(argv, env), "figures": _read(out)}
        if "simulator" in parts:
            out = Path(scratch) / "simulator.json"
            argv = [python, str(BENCH / "fleet_simulator.py"), "--workers", "2"]
            figures["simulator"] = {**_run([*argv, "--json", str(out)], env), "figures": _read(out)}
        if "dashboard" in parts:
            env = {**os.environ}
            out = Path(scratch) / "dashboard.json"
            argv = [str(BIN / "python"), str(BENCH / "fleet_dashboard.py"), "--customers"]
            argv += [str(size), "--old-up-to", str(old_up_to), "--json", str(out)]
            argv += ["--quick-clocks"] if size > 1000 else []
            figures["dashboard"] = {**_run(argv, env), "figures": _read(out)}
    figures["load_at_end"] = os.getloadavg()
    return figures


def _cell(
    seconds: float | None,
    rss: float | None = None,
    old: float | None = None,
    old_rss: float | None = None,
) -> str:
    """ "new s (RSS MiB) · old s (RSS MiB)": one figure of the table."""

    def figure(value: float, memory: float | None) -> str:
        text = f"{value:,.2f} s" if value < 10 else f"{value:,.0f} s"
        return text + (f" ({memory:,.0f} MiB)" if memory is not None else "")

    if seconds is None:
        return "—"
    return figure(seconds, rss) + (f" · old {figure(old, old_rss)}" if old is not None else "")


def _get(figures: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def table(results: dict[str, Any]) -> str:
    """The scaling table in Markdown, from the JSON `main` writes: one column per size, each
    figure the new path's time (its peak RSS) beside the old path's, measured in the same run
    (an old figure above --old-up-to is extrapolated from a sample, as the parts say)."""
    runs = results["runs"]
    head = "| " + results["database"] + " | " + " | ".join(f"{r['customers']:,}" for r in runs)
    lines = [head + " |", "|---" * (len(runs) + 1) + "|"]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")

    def dashboard(r: Any, key: str) -> str:
        part = _get(r, "dashboard", "figures", "runs")
        part = part[0] if part else {}
        old = _get(part, "old") if key == "new" else None
        return _cell(
            _get(part, key, "seconds"),
            _get(part, key, "peak_rss_mb"),
            _get(old, "seconds"),
            _get(old, "peak_rss_mb"),
        )

    def reports(r: Any, key: str, old_key: str) -> str:
        f = _get(r, "reports", "figures") or {}
        old = _get(f, "old") if old_key == "data" else _get(f, "pdf_old")
        return _cell(
            _get(f, key, "seconds"),
            _get(f, key, "peak_rss_mib"),
            _get(old, "seconds_all" if old_key == "data" else old_key),
            _get(old, "peak_rss_mib"),
        )

    def simulator(r: Any, key: str, rss: str | None, old: str) -> str:
        f = _get(r, "simulator", "figures", "figures") or {}
        return _cell(f.get(key), f.get(rss) if rss else None, f.get(old))

    row(
        "fleet built (`accord demo --fleet N`)",
        lambda r: _cell(r["build"]["seconds"], r["build"]["peak_rss_mib"]),
    )
    row("dashboard: batch (rows, totals)", lambda r: dashboard(r, "new"))
    row("dashboard: first page served", lambda r: dashboard(r, "page"))
    row("month's report data, every customer", lambda r: reports(r, "new", "data"))
    row("PDFs (process pool; count below)", lambda r: reports(r, "pdf_new", "seconds_for_target"))
    row("PDFs rendered", lambda r: str(_get(r, "reports", "figures", "pdf_new", "pdfs") or "—"))
    row(
        "simulator: one customer-year",
        lambda r: simulator(r, "customer_year_new_s", None, "customer_year_old_s"),
    )
    row(
        "re-evaluation: the fleet's year",
        lambda r: simulator(r, "fleet_seconds", "fleet_peak_rss_mib", "fleet_old_estimate_s"),
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--old-up-to", type=int, default=1_000, help="old paths sampled above")
    parser.add_argument(
        "--parts", nargs="+", default=["reports", "simulator", "dashboard"], help="which parts"
    )
    parser.add_argument("--json", type=Path, help="default: bench/results/fleet-<database>.json")
    parser.add_argument("--table", type=Path, nargs="+", help="print the table of these JSON files")
    args = parser.parse_args(argv)
    if args.table:
        print("\n\n".join(table(json.loads(path.read_text())) for path in args.table))
        return 0
    database_url = os.environ.get("DATABASE_URL") or None
    name = "postgresql" if database_url else "sqlite"
    results = []
    out = args.json or BENCH / "results" / f"fleet-{name}.json"
    for size in args.sizes:
        print(f"== {size:,} customers on {name}", flush=True)
        results.append(measure(size, database_url, args.old_up_to, args.parts))
        results[-1]["checkout"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        print(json.dumps(results[-1], indent=2, default=str), flush=True)
        # After every size, so that a long run's first sizes survive it.
        text = json.dumps({"database": name, "runs": results}, indent=2, default=str)
        out.write_text(text + "\n")
    print(f"Figures written to {out}.")
    print(table(json.loads(out.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
