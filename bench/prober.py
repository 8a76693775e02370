"""`make bench`, prober (issue 4): checks per minute on one core, lateness, memory, storage.

    .venv/bin/python bench/prober.py            # the figures for docs/performance.md (~7 min)
    .venv/bin/python bench/prober.py --quick    # short levels, to try it out

**The target.** A raw asyncio HTTP/1.1 responder (no framework) in a child process pinned to
CPU 1 answers `GET /c/<n>` (n = 0 .. monitors - 1, so thousands of distinct paths) with
`200 ok`, keeping connections alive.

**The prober.** This process, pinned to CPU 0, runs Accord's built-in probe location exactly as
`accord worker` does (`accord.probes.runner.WorkerProbes`: the httpx prober on an asyncio loop
in one thread, the database writes of `record_results` every 2 s on another, the lease) against
a throwaway SQLite database (WAL, as configured). Every monitor is a `HealthCheck` of 20-second
interval (timeout 5 s, two failures to confirm).

**Levels.** Monitor counts rise; each level runs a fresh prober for a 20-second warm-up and a
measured window (60 s). Reported per level: checks started per minute in the window, lateness
(actual start minus slot) p50/p99/max, slots skipped, failed checks, CPU used by this process
(of its one core), resident memory (VmRSS, and the peak VmHWM), and the database growth of the
window (the probes' tables, measured with SQLite's dbstat) per hour. A level is sustained when
every slot was run (none skipped) with p99 lateness under 1 s; the levels stop after the first
one that is not.

**Storage per check.** One hour of 20-second checks for 3,500 monitors (10,500 checks a minute,
the rate Uptime Kuma was measured at), with latencies drawn from the ones the prober measured,
goes through `record_results` in 2-second batches as the prober would send them, then the
hourly job packs it. Reported: the minute rows before packing and the packed hours after, in
bytes (tables and indexes, dbstat) per hour and per check.

Figures go to the terminal and to var/bench-prober.json (--quick: var/bench-prober-quick.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness import django_in_scratch

ROOT = Path(__file__).resolve().parent.parent
INTERVAL = 20
LEVELS = (5_000, 10_000, 15_000, 20_000, 25_000, 30_000)
KUMA_BYTES_PER_HOUR = 94e6
KUMA_CHECKS_PER_MINUTE = 10_500

# ---------------------------------------------------------------------------------------------
# The target server (child process)

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Responder(asyncio.Protocol):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 4 :]
            self.transport.write(RESPONSE)


def serve() -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the prober that started it is pinned to CPU 0

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Responder, "127.0.0.1", 0, backlog=4096)
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# Measurements


def rss() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) * 1024
    return values


def table_bytes() -> dict[str, int]:
    """Bytes of each probes table with its indexes (SQLite dbstat)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name FROM sqlite_schema WHERE name LIKE 'probes_%'")
        owner = dict(cursor.fetchall())
        cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
        sizes = dict(cursor.fetchall())
    out: dict[str, int] = {}
    for name, table in owner.items():
        out[table] = out.get(table, 0) + int(sizes.get(name, 0))
    # The automatic indexes of UNIQUE constraints are named sqlite_autoindex_<table>_N.
    for name, size in sizes.items():
        if name.startswith("sqlite_autoindex_probes_"):
            table = name[len("sqlite_autoindex_") :].rsplit("_", 1)[0]
            out[table] = out.get(table, 0) + int(size)
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def set_monitors(count: int, port: int) -> None:
    from accord.monitoring.models import ModuleRegion
    from accord.probes.models import HealthCheck, MinuteAggregate, PackedHour, ProbeState

    MinuteAggregate.objects.all().delete()
    PackedHour.objects.all().delete()
    ProbeState.objects.all().delete()
    regions = list(ModuleRegion.objects.all())
    existing = HealthCheck.objects.count()
    HealthCheck.objects.bulk_create(
        [
            HealthCheck(
                module_region=regions[i % len(regions)],
                name=f"bench {i}",
                url=f"http://127.0.0.1:{port}/c/{i}",
                interval_seconds=INTERVAL,
                timeout_seconds=5,
                failures_to_confirm=2,
            )
            for i in range(existing, count)
        ],
        batch_size=2000,
    )
    ids = list(HealthCheck.objects.order_by("pk").values_list("pk", flat=True))
    HealthCheck.objects.filter(pk__in=ids[:count]).update(active=True)
    HealthCheck.objects.filter(pk__in=ids[count:]).update(active=False)


def run_level(
    monitors: int, port: int, warmup: float, window: float, options: dict[str, Any]
) -> dict[str, Any]:
    from django.db import connection

    from accord.probes.runner import WorkerProbes

    set_monitors(monitors, port)
    connection.close()
    stop = threading.Event()
    probes = WorkerProbes(
        stop, "bench", flush_seconds=2.0, refresh_seconds=3600, prober_options=options
    )
    probes.start()
    time.sleep(warmup)
    prober = probes.prober
    assert prober is not None, "the prober did not start"
    before_tables = table_bytes()
    started0, skipped0, overlapped0 = (
        prober.started,
        prober.schedule.skipped,
        prober.overlapped,
    )
    prober.lateness.clear()
    failures_before = failed_results()
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(window)
    cpu1, wall1 = time.process_time(), time.monotonic()
    lateness = list(prober.lateness)
    started = prober.started - started0
    skipped = prober.schedule.skipped - skipped0
    overlapped = prober.overlapped - overlapped0
    memory = rss()
    stop.set()
    probes.join(60)
    after_tables = table_bytes()
    elapsed = wall1 - wall0
    growth = sum(after_tables.values()) - sum(before_tables.values())
    p99 = percentile(lateness, 0.99)
    return {
        "monitors": monitors,
        "target_checks_per_minute": monitors * 60 / INTERVAL,
        "checks_per_minute": started * 60 / elapsed,
        "lateness_p50_s": percentile(lateness, 0.50),
        "lateness_p99_s": p99,
        "lateness_max_s": max(lateness) if lateness else float("nan"),
        "skipped": skipped,
        "overlapped": overlapped,
        "failed_checks": failed_results() - failures_before,
        "cpu_fraction": (cpu1 - cpu0) / elapsed,
        "cpu_ms_per_check": (cpu1 - cpu0) * 1000 / max(started, 1),
        "load_average_1min": os.getloadavg()[0],
        "rss_bytes": memory.get("VmRSS", 0),
        "peak_rss_bytes": memory.get("VmHWM", 0),
        "db_growth_bytes_per_hour_unpacked": growth * 3600 / elapsed,
        "sustained": skipped == 0 and overlapped == 0 and p99 < 1.0,
    }


def failed_results() -> int:
    from django.db.models import Sum

    from accord.probes.models import MinuteAggregate

    return int(MinuteAggregate.objects.aggregate(n=Sum("failures"))["n"] or 0)


def storage_hour(
    monitors: int, latencies: list[int], interval: int = INTERVAL, seed: int = 7
) -> dict[str, Any]:
    """One hour of checks of `monitors` every `interval` seconds, recorded in 2-second
    batches as the prober sends them, then packed by the hourly job's `compact`."""
    from django.db import transaction

    from accord.engine.timeutil import from_epoch
    from accord.probes import services
    from accord.probes.models import HealthCheck, MinuteAggregate, PackedHour, ProbeState
    from accord.probes.prober import Result, next_slot

    rng = random.Random(seed)
    ids = list(HealthCheck.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    ids = ids[:monitors]
    assert len(ids) == monitors
    MinuteAggregate.objects.all().delete()
    PackedHour.objects.all().delete()
    ProbeState.objects.all().delete()
    start = (int(time.time()) // 3600 - 3) * 3600  # a whole past hour
    slots = sorted(
        (int(next_slot(i, interval, start)) + k * interval, i)
        for i in ids
        for k in range(3600 // interval)
    )
    location = services.builtin_location()
    began = time.perf_counter()
    batch: list[Any] = []
    edge = start + 2
    for at, check_id in slots:
        if at >= edge and batch:
            with transaction.atomic():
                services.record_results(location, batch, now=from_epoch(edge))
            batch, edge = [], edge + 2
        latency = latencies[rng.randrange(len(latencies))] if latencies else 1
        batch.append(Result(check_id, at, True, latency, 200))
    with transaction.atomic():
        services.record_results(location, batch, now=from_epoch(edge))
    recorded = time.perf_counter() - began
    hot = table_bytes().get("probes_minuteaggregate", 0)
    hot_rows = MinuteAggregate.objects.filter(minute__lt=(start + 3600) // 60).count()
    began = time.perf_counter()
    packed_rows = services.compact(
        now=from_epoch(start + 3600 + 120), before_minute=(start + 3600) // 60
    )
    packing_seconds = time.perf_counter() - began
    packed = table_bytes().get("probes_packedhour", 0)
    checks = len(slots)
    return {
        "monitors": monitors,
        "interval_seconds": interval,
        "checks_in_hour": checks,
        "record_seconds": recorded,
        "minute_rows": hot_rows,
        "minute_rows_bytes": hot,
        "packed_minute_rows": packed_rows,
        "packing_seconds": packing_seconds,
        "packed_hours": PackedHour.objects.count(),
        "packed_bytes": packed,
        "packed_bytes_per_check": packed / checks,
        "minute_rows_bytes_per_check": hot / checks,
        "kuma_bytes_per_check": KUMA_BYTES_PER_HOUR / (KUMA_CHECKS_PER_MINUTE * 60),
    }


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short levels, to try it out")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--levels", help="comma-separated monitor counts")
    parser.add_argument(
        "--per-origin", type=int, help="connections per origin (default: the prober's)"
    )
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    data = django_in_scratch("accord-prober-bench-", "prober-benchmark-not-secret")

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        levels = [int(x) for x in args.levels.split(",")] if args.levels else list(LEVELS)
        warmup, window = (5.0, 15.0) if args.quick else (20.0, 60.0)
        if args.quick and not args.levels:
            levels = levels[:3]
        print(f"SQLite in {data}; target on 127.0.0.1:{port} (CPU 1); prober on CPU 0")
        print(f"interval {INTERVAL} s; warm-up {warmup:g} s, window {window:g} s per level\n")
        header = (
            f"{'monitors':>8} {'target/min':>10} {'ran/min':>9} {'p50 s':>7} {'p99 s':>7} "
            f"{'max s':>6} {'skip':>5} {'fail':>5} {'CPU':>5} {'ms/chk':>6} {'RSS MB':>7} "
            f"{'raw MB/h':>8} {'load':>5}"
        )
        print(header)
        results = []
        for monitors in levels:
            options = {"per_origin": args.per_origin} if args.per_origin else {}
            level = run_level(monitors, port, warmup, window, options)
            results.append(level)
            print(
                f"{monitors:>8} {level['target_checks_per_minute']:>10.0f} "
                f"{level['checks_per_minute']:>9.0f} {level['lateness_p50_s']:>7.3f} "
                f"{level['lateness_p99_s']:>7.3f} {level['lateness_max_s']:>6.2f} "
                f"{level['skipped']:>5} {level['failed_checks']:>5} "
                f"{level['cpu_fraction']:>5.0%} {level['cpu_ms_per_check']:>6.2f} "
                f"{level['rss_bytes'] / 1e6:>7.0f} "
                f"{level['db_growth_bytes_per_hour_unpacked'] / 1e6:>8.1f} "
                f"{level['load_average_1min']:>5.2f}"
                + ("" if level["sustained"] else "  not sustained"),
                flush=True,
            )
            if not level["sustained"]:
                break
        sustained = [r for r in results if r["sustained"]]
        best = max(sustained, key=lambda r: r["checks_per_minute"]) if sustained else None
        if best:
            print(
                f"\nsustained: {best['checks_per_minute']:.0f} checks/min "
                f"(p99 lateness {best['lateness_p99_s']:.3f} s, "
                f"RSS {best['rss_bytes'] / 1e6:.0f} MB)"
            )
        latencies = sample_latencies()
        storage = storage_hour(3_500 if not args.quick else 500, latencies)
        per_hour_at_kuma_rate = storage["packed_bytes_per_check"] * KUMA_CHECKS_PER_MINUTE * 60
        print(
            f"\nstorage, one hour of {storage['monitors']} monitors at {INTERVAL} s "
            f"({storage['checks_in_hour']} checks):"
            f"\n  minute rows before packing {storage['minute_rows_bytes'] / 1e6:.1f} MB "
            f"({storage['minute_rows_bytes_per_check']:.1f} B/check)"
            f"\n  packed hours {storage['packed_bytes'] / 1e6:.2f} MB "
            f"({storage['packed_bytes_per_check']:.2f} B/check; Uptime Kuma "
            f"{storage['kuma_bytes_per_check']:.0f} B/check)"
            f"\n  at 10,500 checks/min: {per_hour_at_kuma_rate / 1e6:.2f} MB/hour kept "
            f"(Uptime Kuma 94 MB/hour)"
        )
        yearly = storage_hour(1_000 if not args.quick else 200, latencies, interval=60)
        scale = 1_000 / yearly["monitors"]
        retained = yearly["packed_bytes"] * scale * 24 * 90
        print(
            f"\none-minute checks, one hour of {yearly['monitors']} monitors: "
            f"packed {yearly['packed_bytes'] / yearly['monitors']:.0f} B per monitor-hour; "
            f"1,000 monitors x 90 days kept: {retained / 1e6:.0f} MB"
        )
        out = ROOT / "var" / ("bench-prober-quick.json" if args.quick else "bench-prober.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "quick": args.quick,
                    "interval_seconds": INTERVAL,
                    "levels": results,
                    "best": best,
                    "storage": storage,
                    "one_minute_checks": yearly,
                    "one_minute_1000_monitors_90_days_bytes": retained,
                    "packed_bytes_per_hour_at_10500_per_minute": per_hour_at_kuma_rate,
                    "cpus": os.cpu_count(),
                    "load_average_at_end": list(os.getloadavg()),
                },
                indent=2,
            )
        )
        print(f"\nfigures in {out.relative_to(ROOT)}")
        return 0
    finally:
        server.terminate()
        server.wait(10)


def sample_latencies() -> list[int]:
    """Latencies the prober measured in the last level (from the worker's last results)."""
    from accord.probes.models import ProbeState

    values = list(ProbeState.objects.values_list("last_latency_ms", flat=True)[:20_000])
    return [v for v in values if v is not None] or [1]


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
