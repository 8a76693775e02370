"""Intake under kill -9 (docs/reliability.md): ticket POSTs from concurrent clients while the
web server's master and workers are killed with SIGKILL and restarted; then every ticket the
server acknowledged must be in the database, and no retried key may have made two.

    .venv/bin/python chaos/intake.py                          # SQLite, 1,000 POSTs, 16 clients
    .venv/bin/python chaos/intake.py --database postgresql --requests 300 --kills 1

Half the requests (the even ones) are retried after a failure with the same Idempotency-Key,
as docs/api.md tells a client to; the other half never retry (each attempt a new key), so a
failure of theirs is a ticket the client does not know about: counted apart, never "missing".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import Gunicorn, fresh_database
from harness import child, serve_child

SCRIPT = Path(__file__).resolve()
RETRY_DELAY = 0.2  # seconds between a keyed request's attempts
MAX_ATTEMPTS = 200  # a keyed request gives up after this many (a bound, never reached)


def seed(_: list[str]) -> dict[str, Any]:
    """Child: the help desk benchmark's customer, its reporter and an API token."""
    from helpdesk_load import seed_api

    return seed_api()


def tickets(args: list[str]) -> dict[str, Any]:
    """Child: the id and summary of every ticket whose summary starts with args[0]."""
    from accord.helpdesk.models import Ticket

    rows = Ticket.objects.filter(summary__startswith=args[0]).values_list("pk", "summary")
    return {"rows": list(rows)}


class Clients:
    """`total` ticket creations from `clients` threads, each its own HTTP connection."""

    def __init__(self, url: str, token: str, modules: list[str], total: int, prefix: str) -> None:
        self.url, self.token, self.modules, self.prefix = url, token, modules, prefix
        self.total = total
        self.key = prefix.replace(" ", "-")
        self.lock = threading.Lock()
        self.acknowledged: dict[int, int] = {}  # request number -> ticket id in the answer
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.gave_up: list[int] = []  # unkeyed requests that failed (not retried)
        self.retries = 0
        self.refused: list[str] = []  # answers that are neither a ticket nor a failure

    def body(self, n: int) -> dict[str, Any]:
        return {
            "module": self.modules[n % len(self.modules)],
            "summary": f"{self.prefix}-{n}",
            "description": "Chaos: the release calendar does not load.",
            "severity": n % 4 + 1,
        }

    def post(self, client: Any, n: int) -> None:
        keyed = n % 2 == 0
        for attempt in range(MAX_ATTEMPTS):
            key = f"{self.key}-{n}" if keyed else f"{self.key}-{n}-try{attempt}"
            headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
            try:
                response = client.post(
                    f"{self.url}/api/tickets", json=self.body(n), headers=headers
                )
            except Exception as exc:  # connection refused, reset, timeout: the server was killed
                failure = type(exc).__name__
            else:
                with self.lock:
                    self.statuses[response.status_code] += 1
                if response.status_code in (200, 201):
                    with self.lock:
                        self.acknowledged[n] = response.json()["id"]
                    return
                failure = f"HTTP {response.status_code}"
                if response.status_code < 500:  # refused: a retry would be refused again
                    with self.lock:
                        self.refused.append(f"{n}: {response.status_code} {response.text[:300]}")
                    return
            with self.lock:
                self.failures[failure] += 1
                if keyed:
                    self.retries += 1
                else:
                    self.gave_up.append(n)
            time.sleep(RETRY_DELAY)  # a client backs off after a failure, retrying or not
            if not keyed:
                return
        with self.lock:
            self.refused.append(f"{n}: no answer after {MAX_ATTEMPTS} attempts")

    def run(self, index: int, clients: int) -> None:
        import httpx

        with httpx.Client(timeout=10.0) as client:
            for n in range(index, self.total, clients):
                self.post(client, n)

    def done(self) -> int:
        with self.lock:
            return len(self.acknowledged) + len(self.gave_up) + len(self.refused)


def run(database: str, requests: int, clients: int, kills: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-chaos-intake-") as scratch:
        workdir = Path(scratch)
        with fresh_database(database, workdir, "intake") as env:
            seeded = child(SCRIPT, "seed", env)
            server = Gunicorn(env, workdir)
            server.start()
            prefix = f"Chaos intake {int(time.time())}"
            load = Clients(server.url, seeded["token"], seeded["modules"], requests, prefix)
            threads = [
                threading.Thread(target=load.run, args=(i, clients), daemon=True)
                for i in range(clients)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            killed, downtime = 0, 0.0
            for k in range(kills):  # at evenly spaced points of the run
                mark = requests * (k + 1) // (kills + 1)
                while load.done() < mark and any(t.is_alive() for t in threads):
                    time.sleep(0.01)
                down = time.monotonic()
                killed += server.kill9()
                server.start()
                downtime += time.monotonic() - down
            for thread in threads:
                thread.join(timeout=600)
            seconds = time.monotonic() - started
            server.stop()
            rows = child(SCRIPT, "tickets", env, prefix)["rows"]
    return {
        "database": database,
        "requests": requests,
        "clients": clients,
        "server_kills": kills,
        "processes_killed": killed,
        "seconds": round(seconds, 1),
        "seconds_restarting": round(downtime, 1),
        **outcome(load, rows, requests),
    }


def outcome(load: Clients, rows: list[tuple[int, str]], requests: int) -> dict[str, Any]:
    """What the clients' first `requests` requests left in the database (`rows`: every
    ticket of the run's prefix): acknowledged tickets missing, keys that made two tickets."""
    prefix = load.prefix
    ids = {pk for pk, _ in rows}
    by_summary = Counter(summary for _, summary in rows)
    keyed = [n for n in range(requests) if n % 2 == 0]
    lost_answers = [n for n in load.gave_up if by_summary[f"{prefix}-{n}"]]
    return {
        "acknowledged": len(load.acknowledged),
        "acknowledged_missing": sum(1 for pk in load.acknowledged.values() if pk not in ids),
        "retried_key_duplicates": sum(1 for n in keyed if by_summary[f"{prefix}-{n}"] > 1),
        "keyed_retries": load.retries,
        "unkeyed_failed": len(load.gave_up),
        "unkeyed_failed_but_created": len(lost_answers),
        "failures": dict(load.failures),
        "statuses": {str(k): v for k, v in sorted(load.statuses.items())},
        "tickets_in_database": len(rows),
        "refused": load.refused[:5],
        "refused_count": len(load.refused),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return serve_child(argv[1:], {"seed": seed, "tickets": tickets})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kills", type=int, default=2, help="times the server is killed")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.database, args.requests, args.clients, args.kills)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    ok = (
        figures["acknowledged_missing"] == 0
        and figures["retried_key_duplicates"] == 0
        and figures["refused_count"] == 0
    )
    print(
        f"intake under kill -9 ({args.database}): {figures['acknowledged']} acknowledged, "
        f"{figures['acknowledged_missing']} missing, {figures['retried_key_duplicates']} "
        f"duplicates from retried keys; {figures['processes_killed']} processes killed"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
