"""The status page's server time: 15 module-regions x 90 days of bars (docs/performance.md).

    .venv/bin/python bench/status_page.py            # 200 requests of each page
    .venv/bin/python bench/status_page.py --requests 50

A throwaway SQLite database (in a temporary directory, WAL as configured) gets the default
catalogue (5 modules x 3 regions), 90 days of public outages (about two a day per
module-region, a few running into the weekly maintenance window, a few partial or degraded),
one customer's private outages, ad-hoc maintenance windows and an outage open now. Then the
Django test client requests the overall page, a region page and a signed-in customer's page
(with its month-to-date panel) in turn, after a warm-up, and the time from request to
response (the whole Django stack: middleware, queries, engine, templates; no network) is
reported as median, p95 and max. One process, pinned to one core like `make bench`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

from harness import django_in_scratch

SINGLE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    args = parser.parse_args()
    for name in SINGLE_THREAD:
        os.environ[name] = "1"
    data = django_in_scratch(
        "accord-status-bench-",
        "status-page-benchmark-not-secret",
        ACCORD_ALLOWED_HOSTS="testserver",
    )
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    login = seed(now)

    pages = {"overall /status/": ("/status/", None), "region /status/us/": ("/status/us/", None)}
    pages["customer's /status/ (signed in)"] = ("/status/", login)
    print(f"database: SQLite in {data}; {args.requests} requests per page after 20 warm-ups")
    print(f"load average before: {os.getloadavg()[0]:.2f}; times are wall (CPU) per request")
    print(f"{'page':31} {'median':>16} {'p95':>16} {'max':>9} {'queries':>8} {'bytes':>8}")
    for label, (url, user) in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for _ in range(20):
            assert client.get(url).status_code == 200
        times, cpu = [], []
        for _ in range(args.requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            size = len(client.get(url).content)
        times.sort()
        cpu.sort()
        p95 = int(len(times) * 0.95) - 1
        print(
            f"{label:31} {statistics.median(times):6.1f} ({statistics.median(cpu):5.1f}) ms "
            f"{times[p95]:6.1f} ({cpu[p95]:5.1f}) ms {times[-1]:7.1f}ms "
            f"{len(queries):8d} {size:8d}"
        )
    return 0


def seed(now):  # type: ignore[no-untyped-def]
    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user
    from accord.catalogue.models import Region
    from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source

    rng = random.Random(20261127)
    staff = create_user(email="bench@vendor.test", role=Role.VENDOR_ADMIN, password="x" * 20)
    us = Region.objects.get(code="us")
    acme = create_organisation(name="Bench Customer", slug="bench", region=us)
    customer = create_user(
        email="rita@bench.test", role=Role.CUSTOMER_ADMIN, organisation=acme, password="x" * 20
    )
    rows = []
    for mr in ModuleRegion.objects.all():
        mr.deployed_version = f"2026.11.{rng.randint(1, 9)}"
        mr.save()
        for day in range(92):
            for _ in range(2):
                start = now - timedelta(days=day, seconds=rng.randint(0, 86_400))
                impact = rng.choice([Impact.MAJOR_OUTAGE] * 6 + [Impact.PARTIAL_OUTAGE, "degraded"])
                rows.append(
                    Outage(
                        module_region=mr,
                        source=Source.PROBE,
                        impact=impact,
                        start=start,
                        end=start + timedelta(seconds=rng.randint(30, 3_600)),
                    )
                )
            if day % 7 == 0:
                rows.append(
                    Outage(
                        module_region=mr,
                        organisation=acme,
                        source=Source.TICKET,
                        start=now - timedelta(days=day, hours=3),
                        end=now - timedelta(days=day, hours=2),
                    )
                )
    rows.append(
        Outage(
            module_region=ModuleRegion.objects.first(),
            source=Source.PROBE,
            start=now - timedelta(minutes=5),
        )
    )
    Outage.objects.bulk_create(rows)
    for region in Region.objects.all():
        for weeks in (-6, -2, 1, 3):
            start = now + timedelta(weeks=weeks)
            MaintenanceWindow.objects.create(
                region=region,
                title=f"Database upgrade ({weeks:+d} weeks)",
                start=start,
                end=start + timedelta(hours=1),
                announced_at=start - timedelta(days=3),
                created_by=staff,
            )
    print(f"seeded {len(rows)} outages, {MaintenanceWindow.objects.count()} maintenance windows")
    return customer


if __name__ == "__main__":
    sys.exit(main())
