"""The SLA dashboard at fleet size (issue 16, point 2): the per-customer path
(`accord.dashboard.services.dashboard`) beside the batch path (`accord.dashboard.fleet`), time
and peak RSS, on N customers.

    .venv/bin/python bench/fleet_dashboard.py --customers 1000 10000
    .venv/bin/python bench/fleet_dashboard.py --customers 10000 --old-up-to 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_bench_fleet \\
        .venv/bin/python bench/fleet_dashboard.py --customers 1000

Each size gets a fresh database (SQLite in a temporary ACCORD_DATA_DIR, or the PostgreSQL
database named, emptied first), migrated and seeded by bench/reports_seed.py in a child process
(bulk inserts, not timed): customers in three regions on the built-in policy (one in ten
reporting in UTC, most with a fee), October 2026's shared outages per module-region and one
of its own for one customer in five, about 20 tickets a customer with event logs (a tenth
open), then every ticket's clock columns written by the engine an hour before now, as the
worker leaves them (`refresh_clocks`, saved; about 10 ms a ticket, so 10,000 customers take
half an hour: --quick-clocks writes the open tickets' only and stamps a breach straight into
one closed ticket in five). "Now" is 27 October 2026 12:00 UTC.

Each measurement runs in a child process of its own, so its peak RSS (`ru_maxrss`) is its own:

- old: `services.dashboard` over every customer (ORM objects, one `uptime_grid` per
  customer), then `services.select_rows`; once (it is slow at 10,000);
- new: `fleet.dashboard` then `fleet.select_rows` and `fleet.totals`, the best of three;
- page: the dashboard page itself (the view, first page of 50 rows, fleet totals, the
  template) as a vendor agent, the best of three.

The new path's figures are also checked against the old one's where both ran (the same rows,
credits, at-risk lists and breach counts, compared in the old path's child). Figures go to the
terminal and var/bench-fleet-dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import accord_env, child, run_checked, serve_child

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "var" / "bench-fleet-dashboard.json"
TARGET_SECONDS = 2.0


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 10, 27, 12, 0, tzinfo=UTC)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _frozen_clock() -> Any:
    """`timezone.now()` at the bench's now (the dashboard reads contracts' terms at it)."""
    from django.utils import timezone

    now = _now()
    timezone.now = lambda: now
    return now


def _fingerprint(customers: Any) -> str:
    """Every figure of every customer, as text (to compare the two paths' answers)."""
    import hashlib

    digest = hashlib.sha256()
    for c in customers:
        rows = [
            (r.module, r.region, r.uptime, r.met, r.allowed_seconds, r.remaining_seconds)
            for r in c.rows
        ]
        credit = (c.credit.lines, c.credit.total_amount, c.credit.total_percent, c.credit.problem)
        digest.update(
            repr((c.organisation.pk, c.month, c.at_risk, c.breached, credit, rows)).encode()
        )
    return digest.hexdigest()


def seed(customers: int, quick_clocks: bool = False) -> dict[str, Any]:
    """reports_seed's fleet, then every ticket's clock columns as the worker last wrote them,
    an hour before now (open tickets whose warning or due time came in that hour, or whose
    columns are older than their last event, are read again by the dashboard)."""
    from reports_seed import seed as seed_reports

    seeded = seed_reports(customers)
    seeded["clock_seconds"] = write_clocks(open_only=quick_clocks)
    if quick_clocks:
        seeded["stamped_breaches"] = stamp_breaches()
    return seeded


def stamp_breaches() -> int:
    """--quick-clocks: one closed ticket in five (with a severity) marked breached six hours
    after its report, written straight into its columns (not the engine's figure: it gives the
    dashboard as many breached tickets to read as the engine would, without the minutes that
    writing 190,000 clocks through `refresh_clocks` takes)."""
    from datetime import timedelta

    from django.db.models import F
    from django.db.models.functions import Mod

    from accord.helpdesk.models import OPEN_STATUSES, Ticket

    return (
        Ticket.objects.exclude(status__in=OPEN_STATUSES)
        .filter(severity__isnull=False)
        .annotate(fifth=Mod("pk", 5))
        .filter(fifth=0)
        .update(
            breached_at=F("reported_at") + timedelta(hours=6),
            severity_in_force=F("severity"),
            standing="breached",
        )
    )


def write_clocks(open_only: bool = False) -> float:
    """Every ticket's (or every open ticket's) clock columns as the engine has them an hour
    before now; the seconds it took."""
    from datetime import timedelta

    from django.db import transaction

    from accord.helpdesk.models import OPEN_STATUSES, Ticket
    from accord.helpdesk.services import CLOCK_FIELDS, refresh_clocks

    began = time.perf_counter()
    at = _now() - timedelta(hours=1)
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES) if open_only else Ticket.objects
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), 5000):
        batch = list(
            Ticket.objects.filter(pk__in=ids[first : first + 5000]).select_related(
                "organisation__contract", "organisation__region"
            )
        )
        refresh_clocks(batch, now=at)
        with transaction.atomic():
            Ticket.objects.bulk_update(batch, CLOCK_FIELDS, batch_size=1000)
    return time.perf_counter() - began


def analyze() -> dict[str, bool]:
    """PostgreSQL's statistics of the seeded rows (autovacuum would gather them later)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"analyzed": True}


def reset_postgres() -> dict[str, bool]:
    """An empty PostgreSQL database (`flush` would also empty the rows migrations write, such
    as the regions, and a second `migrate` would not write them again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    return {"reset": True}


def old_path() -> dict[str, Any]:
    from accord.accounts.models import Organisation
    from accord.dashboard import services

    now = _frozen_clock()
    started = time.perf_counter()
    organisations = services.customers_with_contracts(Organisation.objects.all())
    usable, _broken = services.split_by_terms(organisations)
    customers = services.dashboard(usable, now=now)
    rows = services.select_rows(customers, sort="uptime", descending=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": len(rows),
        "customers": len(customers),
        "fingerprint": _fingerprint(customers),
        "peak_rss_mb": _rss_mb(),
    }


def new_path(runs: int) -> dict[str, Any]:
    from accord.accounts.models import Organisation
    from accord.dashboard import fleet

    now = _frozen_clock()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with fleet.paused_gc():  # as the page does
            computed = fleet.dashboard(Organisation.objects.all(), now=now)
            rows = fleet.select_rows(computed.customers, sort="uptime", descending=True)
            totals = fleet.totals(rows)
        times.append(time.perf_counter() - started)
    return {
        "seconds": min(times),
        "runs": times,
        "rows": len(rows),
        "customers": len(computed.customers),
        "totals": totals.__dict__,
        "fingerprint": _fingerprint(computed.customers),
        "peak_rss_mb": _rss_mb(),
    }


def page(runs: int) -> dict[str, Any]:
    from django.contrib.auth.models import AnonymousUser  # noqa: F401 (the auth app loaded)
    from django.test import RequestFactory

    from accord.accounts.models import User
    from accord.dashboard.views import dashboard

    _frozen_clock()
    agent = User.objects.get(email="agent@vendor.test")
    times = []
    size = 0
    for _ in range(runs):
        request = RequestFactory().get("/dashboard/", {"sort": "-uptime"})
        request.user = agent
        started = time.perf_counter()
        response = dashboard(request)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        size = len(response.content)
    return {"seconds": min(times), "runs": times, "bytes": size, "peak_rss_mb": _rss_mb()}


def measure(
    customers: int, run_old: bool, runs: int, database_url: str | None, quick: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-bench-fleet-") as scratch:
        env = accord_env(Path(scratch) / "data", database_url, ACCORD_ALLOWED_HOSTS="testserver")
        Path(env["ACCORD_DATA_DIR"]).mkdir()
        if database_url:
            child(__file__, "reset", env)
        run_checked([str(BIN / "accord"), "migrate", "--no-input"], env)
        seeded = child(
            __file__, "seed", env, str(customers), *(["quick"] if quick else []), timeout=3600
        )
        if database_url:  # the planner's statistics of the bulk-loaded rows, as a DBA would
            child(__file__, "analyze", env)
        new = child(__file__, "new", env, str(runs))
        shown = child(__file__, "page", env, str(runs))
        old = child(__file__, "old", env, timeout=3600) if run_old else None
    return {
        "customers": customers,
        "database": "postgresql" if database_url else "sqlite",
        "seed": seeded,
        "new": new,
        "page": shown,
        "old": old,
        "equal": None if old is None else old["fingerprint"] == new["fingerprint"],
    }


def main(argv: list[str]) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--old-up-to", type=int, default=10_000, help="skip the old path above")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--quick-clocks",
        action="store_true",
        help="write the open tickets' clocks only, and stamp a breach on 1 closed ticket in 5",
    )
    parser.add_argument("--json", default=str(RESULTS), help="where the figures go")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return serve_child(
            args.child,
            {
                "seed": lambda rest: seed(int(rest[0]), rest[1:] == ["quick"]),
                "clocks": lambda rest: write_clocks(open_only=rest == ["open"]),
                "reset": lambda rest: reset_postgres(),
                "analyze": lambda rest: analyze(),
                "stamp": lambda rest: {"stamped": stamp_breaches()},
                "old": lambda rest: old_path(),
                "new": lambda rest: new_path(int(rest[0])),
                "page": lambda rest: page(int(rest[0])),
            },
        )
    database_url = os.environ.get("DATABASE_URL")
    results = []
    for n in args.customers:
        print(f"{n:,} customers: seeding, then measuring ...", flush=True)
        result = measure(n, n <= args.old_up_to, args.runs, database_url, args.quick_clocks)
        results.append(result)
        old = result["old"]
        print(
            f"  seeded in {result['seed']['seed_seconds']:.0f} s "
            f"({result['seed']['tickets']:,} tickets, {result['seed']['outages']:,} outages)\n"
            f"  new path: {result['new']['seconds']:.2f} s, peak RSS "
            f"{result['new']['peak_rss_mb']:.0f} MB ({result['new']['rows']:,} rows)\n"
            f"  page (first of {result['new']['rows']:,} rows, totals): "
            f"{result['page']['seconds']:.2f} s, peak RSS {result['page']['peak_rss_mb']:.0f} MB"
            + (
                f"\n  old path: {old['seconds']:.2f} s, peak RSS {old['peak_rss_mb']:.0f} MB; "
                f"answers equal: {result['equal']}"
                if old
                else "\n  old path: not run"
            ),
            flush=True,
        )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target_seconds": TARGET_SECONDS, "runs": results}, indent=2))
    print(f"Figures written to {out}.")
    return 0 if all(r["equal"] in (None, True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
