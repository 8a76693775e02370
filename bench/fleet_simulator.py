"""The contract simulator and the fleet re-evaluation (issue 16), old path against new, on a
fleet database made by `accord demo --fleet N`.

    cp /work/fleet/f1000/accord.sqlite3 /tmp/sim/         # never measure on a shared copy
    ACCORD_DATA_DIR=/tmp/sim ACCORD_DEBUG=1 .venv/bin/python bench/fleet_simulator.py
    ... bench/fleet_simulator.py --sample 5 --months 2025-12..2026-11 --skip-fleet

In one process, in this order (peak RSS is the process's, so the fleet pass comes first):

A. **Fleet re-evaluation**: every customer's months under its contract's terms and under the
   built-in policy for every contract (`dashboard.reevaluation.re_evaluate`, what `accord simulate
   --fleet` runs; --workers N: N forked processes), wall-clock time and the peak RSS after it
   (`ru_maxrss`, of this process and of the largest worker), and the CPU seconds of this
   process and its workers over the pass (`fleet_cpu_seconds`). Target: a fleet's
   year (10,000 customers) in 30 s, peak RSS 2 GB. The old path for the same answer is
   `simulate_by_reports` per customer (two `build_report` a month); it is timed on a sample
   (B) and scaled to the fleet, since running it takes hours at 10,000.
B. **One customer-year in the simulator** on SAMPLE customers (every TEMPLATES-th, so each
   kind of contract): the old path (`simulator.simulate_by_reports`) and the new
   (`simulator.simulate`, one batch), the same changed terms (24x7 severity 1, a 99.95%
   target); the first new run (calendars compiled) and the median of the others. Target:
   0.2 s. Each answer is checked equal to the old one.

Figures go to the terminal and to var/bench-fleet-simulator.json (or --json).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import host

ROOT = Path(__file__).resolve().parent.parent
CHANGES = {"severity_calendars": {1: "always"}, "target_percent": "99.95"}


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User and system CPU of this process and of its ended workers: a figure other
    sessions' load changes less than the wall clock's."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def measure(
    months: list[str] | None = None,
    *,
    sample: int = 5,
    fleet: bool = True,
    limit: int | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """The figures, on the database the settings point at (call with Django set up)."""
    from django.utils import timezone

    from accord.accounts.models import Organisation
    from accord.dashboard import reevaluation, simulator
    from accord.policies import load_builtin

    now = timezone.now()
    if months is None:
        from accord.dashboard.management.commands.simulate import months_option

        months = months_option(None, f"{now:%Y-%m}")
    customers = list(
        Organisation.objects.filter(contract__isnull=False)
        .select_related("contract", "region")
        .order_by("slug")[:limit]
    )
    figures: dict[str, Any] = {
        "customers": len(customers),
        "months": [months[0], months[-1]],
        "rss_mib_before": round(_rss_mib(), 1),
    }
    if fleet:
        started, cpu = time.perf_counter(), _cpu_seconds()
        result = reevaluation.re_evaluate(
            customers, months, reevaluation.policy_terms(load_builtin()), now=now, workers=workers
        )
        figures["fleet_seconds"] = round(time.perf_counter() - started, 2)
        figures["fleet_cpu_seconds"] = round(_cpu_seconds() - cpu, 2)
        figures["fleet_workers"] = workers
        figures["fleet_peak_rss_mib"] = round(_rss_mib(), 1)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        figures["fleet_peak_rss_worker_mib"] = round(children, 1)
        figures["fleet_rows"] = len(result.rows)
        figures["fleet_totals"] = {
            c: {"current": str(t.current), "proposed": str(t.proposed)}
            for c, t in result.totals.items()
        }
        del result
    step = max(1, len(customers) // max(sample, 1))
    chosen = customers[::step][:sample]
    old, new, first = [], [], []
    changes = simulator.Changes(**CHANGES)  # type: ignore[arg-type]
    for organisation in chosen:
        terms = simulator.changed_terms(organisation, changes)
        started = time.perf_counter()
        reference = simulator.simulate_by_reports(organisation, months, terms, now=now)
        old.append(time.perf_counter() - started)
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            batch = simulator.simulate(organisation, months, terms, now=now)
            runs.append(time.perf_counter() - started)
        first.append(runs[0])
        new.append(statistics.median(runs[1:]))
        same = [(m.credit_amount, m.credit_percent, len(m.tickets)) for m in batch.months] == [
            (m.credit_amount, m.credit_percent, len(m.tickets)) for m in reference.months
        ]
        if not same:
            raise SystemExit(f"{organisation.slug}: the batch differs from the reports")
    if chosen:
        figures["customer_year_old_s"] = round(statistics.median(old), 3)
        figures["customer_year_new_s"] = round(statistics.median(new), 3)
        figures["customer_year_new_first_s"] = round(max(first), 3)
        figures["sampled"] = [o.slug for o in chosen]
        figures["fleet_old_estimate_s"] = round(statistics.mean(old) * len(customers), 0)
    figures["peak_rss_mib"] = round(_rss_mib(), 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", help="YYYY-MM..YYYY-MM (default the last twelve)")
    parser.add_argument("--sample", type=int, default=5, help="customers timed one by one")
    parser.add_argument("--limit", type=int, help="only the first N customers")
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="processes for the fleet pass")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench-fleet-simulator.json"))
    args = parser.parse_args(argv)
    env = host.describe(host.unpin())
    _setup()
    months = None
    if args.months:
        from accord.dashboard.simulator import month_range

        first, _, last = args.months.partition("..")
        months = month_range(first, last or first)
    figures = measure(
        months,
        sample=args.sample,
        fleet=not args.skip_fleet,
        limit=args.limit,
        workers=args.workers,
    )
    host.finish(env)
    figures["database"] = os.environ.get("ACCORD_DATA_DIR", "")
    for key, value in figures.items():
        print(f"{key:28} {value}")
    print(host.summary(env))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"figures": figures, "host": env}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
