"""The soak (docs/reliability.md): mixed portal, API and status-page traffic at a steady rate
for a while, against gunicorn with `accord worker` running beside it (its built-in probe
location probing a health check per module-region). Figures: errors (0), the worker's and the
web workers' memory after warm-up (growth ≤ 10%), and the database's growth next to the rows
that explain it.

    .venv/bin/python chaos/soak.py                          # SQLite, 10 minutes, 20 requests/s
    .venv/bin/python chaos/soak.py --database postgresql --seconds 60
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import BIN, Gunicorn, children, fresh_database
from harness import child, serve_child

SCRIPT = Path(__file__).resolve()
PASSWORD = "chaos-soak-password"
WARM_UP_SHARE = 0.25  # of the run: memory growth is measured from its end
MAX_GROWTH = 0.10


def seed(args: list[str]) -> dict[str, Any]:
    """Child: a customer with its admin (password and token; an admin may read the reports),
    a few tickets, and a health check per module-region probing the server's /healthz."""
    from django.utils import timezone

    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user, issue_token
    from accord.catalogue.models import Module, Region
    from accord.helpdesk import services
    from accord.monitoring.models import ModuleRegion
    from accord.probes.models import HealthCheck

    base = args[0]
    organisation = create_organisation(
        name="Soak Customer",
        slug="soak",
        region=Region.objects.get(code="us"),
        email_domains="soak.test",
    )
    admin = create_user(
        email="admin@soak.test",
        role=Role.CUSTOMER_ADMIN,
        organisation=organisation,
        password=PASSWORD,
    )
    _, token = issue_token(user=admin, name="soak")
    modules = list(Module.objects.order_by("pk"))
    tickets = [
        services.report(
            reporter=admin,
            organisation=organisation,
            new=services.NewTicket(
                module=modules[n % len(modules)], summary=f"Soak {n}", severity=3
            ),
        ).pk
        for n in range(5)
    ]
    for module_region in ModuleRegion.objects.order_by("pk"):
        HealthCheck.objects.create(
            module_region=module_region,
            name="Soak health",
            url=f"{base}/healthz",
            interval_seconds=10,
            timeout_seconds=5,
            status_since=timezone.now(),
        )
    return {"token": token, "modules": [m.slug for m in modules], "tickets": tickets}


def census(_: list[str]) -> dict[str, Any]:
    """Child: the rows of every table and the database's size in bytes."""
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    rows = {m._meta.db_table: m.objects.count() for m in apps.get_models()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
    else:
        path = Path(settings.DATABASES["default"]["NAME"])
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {"rows": rows, "bytes": size}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Traffic:
    """Requests at `rate` a second in all, from a few threads, each a user of its own kind."""

    def __init__(self, url: str, seeded: dict[str, Any], rate: float, seconds: float) -> None:
        self.url, self.seeded, self.seconds = url, seeded, seconds
        self.interval = 3 / rate  # three threads
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.created = 0
        self.tickets = list(seeded["tickets"])

    def check(self, what: str, response: Any, *expected: int) -> None:
        with self.lock:
            self.counts[what] += 1
            if response.status_code not in expected:
                self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")

    def api(self, client: Any, rng: random.Random, n: int) -> None:
        headers = {"Authorization": f"Bearer {self.seeded['token']}"}
        choice = rng.random()
        if choice < 0.3:
            body = {
                "module": rng.choice(self.seeded["modules"]),
                "summary": f"Soak fault {n}",
                "severity": rng.randint(1, 4),
            }
            key = {"Idempotency-Key": f"soak-{n}-{rng.random()}"}
            response = client.post(f"{self.url}/api/tickets", json=body, headers=headers | key)
            self.check("api create", response, 201)
            if response.status_code == 201:
                with self.lock:
                    self.created += 1
                    self.tickets.append(response.json()["id"])
        elif choice < 0.6:
            response = client.get(f"{self.url}/api/tickets?limit=20", headers=headers)
            self.check("api list", response, 200)
        elif choice < 0.8:
            ticket = rng.choice(self.tickets)
            response = client.get(f"{self.url}/api/tickets/{ticket}", headers=headers)
            self.check("api read", response, 200)
        else:
            ticket = rng.choice(self.tickets)
            response = client.post(
                f"{self.url}/api/tickets/{ticket}/comments",
                json={"body": f"Soak comment {n}"},
                headers=headers,
            )
            self.check("api comment", response, 201)

    def portal(self, client: Any, rng: random.Random, n: int) -> None:
        if n == 0:
            client.get(f"{self.url}/accounts/login/")
            response = client.post(
                f"{self.url}/accounts/login/",
                data={
                    "email": "admin@soak.test",
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
                },
                headers={"Referer": f"{self.url}/accounts/login/"},
            )
            self.check("portal sign-in", response, 302)
            if response.status_code == 302:
                with self.lock:
                    self.counts[f"signed in, to {response.headers.get('location')}"] += 1
            return
        page = rng.choice(["/tickets/", "/tickets/<id>/", "/reports/", "/"])
        path = page.replace("<id>", str(rng.choice(self.tickets)))
        response = client.get(f"{self.url}{path}", follow_redirects=True)
        self.check(f"portal {page}", response, 200)

    def status(self, client: Any, rng: random.Random, n: int) -> None:
        path = rng.choice(["/status/", "/status/feed.atom", "/status/us/", "/help/"])
        self.check("status page", client.get(f"{self.url}{path}"), 200)

    def run(self, kind: str, seed: int) -> None:
        import httpx

        rng = random.Random(seed)
        act = {"api": self.api, "portal": self.portal, "status": self.status}[kind]
        deadline = time.monotonic() + self.seconds
        n = 0
        with httpx.Client(timeout=30.0) as client:
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    act(client, rng, n)
                except Exception as exc:  # the connection failed: an error of the run
                    with self.lock:
                        self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                n += 1
                time.sleep(max(0.0, self.interval - (time.monotonic() - started)))


def run(database: str, seconds: float, rate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-chaos-soak-") as scratch:
        workdir = Path(scratch)
        with fresh_database(database, workdir, "soak") as base:
            server = Gunicorn(base, workdir)
            env = {**base, "ACCORD_BASE_URL": server.url}
            server.env = env
            seeded = child(SCRIPT, "seed", env, server.url)
            server.start()
            with (workdir / "worker.log").open("wb") as log:
                worker = subprocess.Popen(
                    [str(BIN / "accord"), "worker", "--idle-seconds", "0.5"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            traffic = Traffic(server.url, seeded, rate, seconds)
            threads = [
                threading.Thread(target=traffic.run, args=(kind, i), daemon=True)
                for i, kind in enumerate(["api", "portal", "status"])
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            samples: list[tuple[float, int, int]] = []  # (seconds, worker KiB, web workers KiB)
            warm: dict[str, Any] | None = None
            while any(t.is_alive() for t in threads):
                elapsed = time.monotonic() - started
                web = sum(rss_kib(pid) for pid in children(server.process.pid))
                samples.append((elapsed, rss_kib(worker.pid), web))
                if warm is None and elapsed >= seconds * WARM_UP_SHARE:
                    warm = child(SCRIPT, "census", env)
                time.sleep(2)
            end = child(SCRIPT, "census", env)
            worker.terminate()
            worker.wait(timeout=60)
            server.stop()
    assert warm is not None
    return figures(database, seconds, rate, traffic, samples, warm, end)


def _growth(samples: list[tuple[float, int, int]], column: int, seconds: float) -> dict[str, Any]:
    """Memory at the end of warm-up and at the end (medians of a few samples each)."""
    after = [s[column] for s in samples if s[0] >= seconds * WARM_UP_SHARE]
    at_warm, at_end = statistics.median(after[:5]), statistics.median(after[-5:])
    return {
        "after_warm_up_mib": round(at_warm / 1024, 1),
        "end_mib": round(at_end / 1024, 1),
        "growth": round(at_end / at_warm - 1, 4) if at_warm else None,
    }


def figures(
    database: str,
    seconds: float,
    rate: float,
    traffic: Traffic,
    samples: list[tuple[float, int, int]],
    warm: dict[str, Any],
    end: dict[str, Any],
) -> dict[str, Any]:
    grown = {
        table: end["rows"][table] - warm["rows"].get(table, 0)
        for table in end["rows"]
        if end["rows"][table] != warm["rows"].get(table, 0)
    }
    new_rows = sum(grown.values())
    growth = end["bytes"] - warm["bytes"]
    return {
        "database": database,
        "seconds": seconds,
        "rate_per_second": rate,
        "requests": sum(traffic.counts.values()),
        "by_kind": dict(traffic.counts),
        "errors": len(traffic.errors),
        "first_errors": traffic.errors[:5],
        "tickets_created": traffic.created,
        "worker_rss": _growth(samples, 1, seconds),
        "web_workers_rss": _growth(samples, 2, seconds),
        "database_bytes_after_warm_up": warm["bytes"],
        "database_bytes_end": end["bytes"],
        "database_growth_bytes": growth,
        "rows_added_after_warm_up": dict(sorted(grown.items(), key=lambda kv: -kv[1])),
        "bytes_per_added_row": round(growth / new_rows) if new_rows else None,
    }


def passed(f: dict[str, Any]) -> bool:
    return f["errors"] == 0 and f["worker_rss"]["growth"] <= MAX_GROWTH


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return serve_child(argv[1:], {"seed": seed, "census": census})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=float, default=20, help="requests a second, in all")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.database, args.seconds, args.rate)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    worker = result["worker_rss"]
    print(
        f"soak ({args.database}, {args.seconds:.0f} s): {result['requests']} requests, "
        f"{result['errors']} errors; worker RSS {worker['after_warm_up_mib']} -> "
        f"{worker['end_mib']} MiB ({worker['growth']:+.1%}) after warm-up; database "
        f"+{result['database_growth_bytes'] / 1024:.0f} KiB for "
        f"{sum(result['rows_added_after_warm_up'].values())} rows"
    )
    return 0 if passed(result) else 1


if __name__ == "__main__":
    raise SystemExit(main())
