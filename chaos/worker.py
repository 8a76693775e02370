"""Workers under kill -9 (docs/reliability.md): tickets whose 50/75/90% warnings and breaches
fall due during the run, two `accord worker` processes, one of them killed with SIGKILL again
and again and started again. Every warning and breach must be decided exactly once, and every
notification reach its receiver (SMTP, webhook) at least once, each copy with the same id.

    .venv/bin/python chaos/worker.py                        # SQLite, 40 tickets, targets 60-150 s
    .venv/bin/python chaos/worker.py --database postgresql --tickets 20 --scale 0.5

The tickets' contract measures every severity around the clock with targets of 60, 90, 120 and
150 seconds (times --scale), so their warnings and breaches fall due a few seconds apart while
the workers run. A killed worker's jobs wait for its lease (ACCORD_JOB_LEASE_SECONDS, 10 here)
and are then claimed again by a worker that lives.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import BIN, fresh_database, kill9
from harness import child, serve_child
from receivers import SmtpSink, WebhookSink, duplicates

SCRIPT = Path(__file__).resolve()
NOTICE_KINDS = ("clock_warning", "clock_breach", "notify", "send_email", "webhook")
LEASE_SECONDS = 10
MID_JOB_WAIT = 5.0  # seconds a kill waits for the victim to hold a job
BASE_TARGET = 30  # seconds: a Severity N ticket's target is (N + 1) * BASE_TARGET * scale


def seed(args: list[str]) -> dict[str, Any]:
    """Child: a customer whose clocks run around the clock with targets of seconds, two agents
    (who get the staff's notices), the vendor's webhook endpoint, and the tickets."""
    from accord.accounts.models import Role
    from accord.accounts.services import create_user

    for n in range(2):
        create_user(email=f"agent{n}@vendor.test", role=Role.AGENT)
    return clock_customer(float(args[0]), int(args[1]), args[2])


def clock_customer(scale: float, count: int, hook: str) -> dict[str, Any]:
    """The customer of `seed` without the agents (chaos/scale.py has its own), its tickets and
    the vendor's webhook endpoint `hook`."""
    from accord.accounts.models import Contract, Organisation, Role
    from accord.accounts.services import create_user
    from accord.accounts.terms import first_version_of
    from accord.catalogue.models import Module, Region
    from accord.engine.policy import policy_to_data
    from accord.helpdesk import services
    from accord.policies import BUILTIN_POLICY, builtin_text, load_builtin
    from accord.work.models import WebhookEndpoint

    policy = policy_to_data(load_builtin(BUILTIN_POLICY))
    for severity in policy["severities"]:
        seconds = round((severity["level"] + 1) * BASE_TARGET * scale)
        severity["target"] = {"days": 0, "hours": 0, "minutes": 0, "seconds": seconds}
        severity["calendar"] = "always"
    organisation = Organisation.objects.create(
        name="Chaos Clocks",
        slug="chaos",
        region=Region.objects.get(code="us"),
        email_domains="chaos.test",
    )
    contract = Contract.objects.create(
        organisation=organisation, policy_id=BUILTIN_POLICY, policy_data=policy
    )
    first_version_of(contract, policy_text=builtin_text(BUILTIN_POLICY))
    reporter = create_user(
        email="reporter@chaos.test", role=Role.REPORTER, organisation=organisation
    )
    WebhookEndpoint.objects.create(name="chaos receiver", url=hook)
    module = Module.objects.order_by("pk").first()
    for n in range(count):
        services.report(
            reporter=reporter,
            organisation=organisation,
            new=services.NewTicket(module=module, summary=f"Chaos clock {n}", severity=n % 4 + 1),
        )
    return {"tickets": count}


def _notice_jobs(args: list[str]) -> Any:
    """The notice jobs; with args ["due"] only those due by now (chaos/scale.py's other
    tickets have warnings due hours later)."""
    from django.utils import timezone

    from accord.work.models import Job

    jobs = Job.objects.filter(kind__in=NOTICE_KINDS)
    if args[:1] == ["due"]:
        jobs = jobs.filter(due_at__lte=timezone.now())
    return jobs


def status(args: list[str]) -> dict[str, Any]:
    """Child: notice jobs not finished yet."""
    from accord.work.models import JobState

    left = _notice_jobs(args).filter(state__in=[JobState.PENDING, JobState.RUNNING])
    return {"left": left.count()}


def outcome(args: list[str]) -> dict[str, Any]:
    """Child: every notice job as it ended."""
    from accord.helpdesk.models import Ticket

    jobs = _notice_jobs(args)
    return {
        "jobs": [
            [
                j.kind,
                j.key,
                j.state,
                j.attempts,
                f"{j.payload.get('to', '').lower()} {j.payload.get('message_id')}",
                j.payload.get("outcome"),
            ]
            for j in jobs
        ],
        "breached": Ticket.objects.filter(breached_at__isnull=False).count(),
    }


def running_jobs(env: dict[str, str], pid: int) -> int:
    """Jobs the worker `pid` holds right now (claimed, not finished): read with the database's
    own driver, at once, so that a kill can be counted as mid-job or not."""
    query = "SELECT count(*) FROM work_job WHERE state = 'running' AND locked_by LIKE %s"
    pattern = f"%:{pid}"
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as connection:
            return int(connection.execute(query, (pattern,)).fetchone()[0])
    import sqlite3

    path = Path(env["ACCORD_DATA_DIR"]) / "accord.sqlite3"
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return int(connection.execute(query.replace("%s", "?"), (pattern,)).fetchone()[0])


class Worker:
    """One `accord worker` process, started again after every kill."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        argv = [str(BIN / "accord"), "worker", "--no-probes", "--idle-seconds", "0.2"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(argv, env=self.env, stdout=log, stderr=log)
        self.starts += 1

    def kill9(self) -> None:
        assert self.process is not None
        kill9([self.process.pid])
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


def run(database: str, tickets: int, scale: float, seed_value: int, limit: float) -> dict[str, Any]:
    smtp, hooks = SmtpSink(), WebhookSink()
    smtp.start()
    hooks.start()
    chance = random.Random(seed_value)
    with tempfile.TemporaryDirectory(prefix="accord-chaos-worker-") as scratch:
        workdir = Path(scratch)
        with fresh_database(database, workdir, "worker") as base:
            env = {
                **base,
                "ACCORD_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "ACCORD_EMAIL_HOST": "127.0.0.1",
                "ACCORD_EMAIL_PORT": str(smtp.port),
                "ACCORD_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            }
            child(SCRIPT, "seed", env, str(scale), str(tickets), hooks.url)
            steady, victim = (
                Worker(env, workdir / "steady.log"),
                Worker(env, workdir / "victim.log"),
            )
            steady.start()
            victim.start()
            started = time.monotonic()
            kills, next_kill, left = 0, started + chance.uniform(2, 6), -1
            kills_mid_job = jobs_held_at_kills = 0
            last_check = 0.0
            while time.monotonic() - started < limit:
                now = time.monotonic()
                if now >= next_kill:
                    assert victim.process is not None
                    # Wait (a few seconds at most) for the victim to hold a job: a kill mid-job.
                    holding = running_jobs(env, victim.process.pid)
                    while not holding and time.monotonic() < now + MID_JOB_WAIT:
                        time.sleep(0.02)
                        holding = running_jobs(env, victim.process.pid)
                    victim.kill9()
                    kills += 1
                    kills_mid_job += holding > 0
                    jobs_held_at_kills += holding
                    victim.start()
                    next_kill = now + chance.uniform(2, 6)
                if now - last_check >= 5:
                    left = child(SCRIPT, "status", env)["left"]
                    last_check = time.monotonic()
                    if left == 0:
                        break
                time.sleep(0.1)
            seconds = time.monotonic() - started
            steady.stop()
            victim.stop()
            ended = child(SCRIPT, "outcome", env)
    smtp.stop()
    hooks.stop()
    result = figures(
        database, tickets, kills, seconds, left, ended, smtp.message_ids, hooks.deliveries
    )
    return {**result, "kills_mid_job": kills_mid_job, "jobs_held_at_kills": jobs_held_at_kills}


def figures(
    database: str,
    tickets: int,
    kills: int,
    seconds: float,
    left: int,
    ended: dict[str, Any],
    emails: Counter[str],
    deliveries: Counter[str],
) -> dict[str, Any]:
    jobs = ended["jobs"]
    by_kind = Counter(kind for kind, *_ in jobs)
    states = Counter(f"{kind}:{state}" for kind, _, state, *_ in jobs)
    clock = [j for j in jobs if j[0] in ("clock_warning", "clock_breach")]
    sent_ids = {message_id for kind, _, _, _, message_id, _ in jobs if kind == "send_email"}
    hook_keys = {key for kind, key, *_ in jobs if kind == "webhook"}
    return {
        "database": database,
        "tickets": tickets,
        "worker_kills": kills,
        "seconds": round(seconds, 1),
        "unfinished_jobs": left,
        "jobs": dict(by_kind),
        "states": dict(sorted(states.items())),
        "clock_jobs": len(clock),
        "clock_jobs_decided_once": sum(1 for j in clock if j[2] == "done"),
        "clock_jobs_redone_after_a_kill": sum(1 for j in clock if j[3] > 1),
        "warnings_sent": sum(1 for j in clock if j[0] == "clock_warning" and not j[5]),
        "warnings_skipped": sum(1 for j in clock if j[0] == "clock_warning" and j[5]),
        "tickets_breached": ended["breached"],
        "emails_enqueued": len(sent_ids),
        "emails_received_distinct": len(emails),
        "emails_missing": len(sent_ids - set(emails)),
        "emails_unknown": len(set(emails) - sent_ids),
        "email_duplicates_a_receiver_drops": duplicates(emails),
        "webhooks_enqueued": len(hook_keys),
        "webhooks_received_distinct": len(deliveries),
        "webhooks_missing": len(hook_keys - set(deliveries)),
        "webhooks_unknown": len(set(deliveries) - hook_keys),
        "webhook_duplicates_a_receiver_drops": duplicates(deliveries),
    }


def passed(f: dict[str, Any]) -> bool:
    return (
        f["unfinished_jobs"] == 0
        and f["clock_jobs_decided_once"] == f["clock_jobs"]
        and f["emails_missing"] == f["emails_unknown"] == 0
        and f["webhooks_missing"] == f["webhooks_unknown"] == 0
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return serve_child(argv[1:], {"seed": seed, "status": status, "outcome": outcome})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0, help="of the 60-150 s targets")
    parser.add_argument("--seed", type=int, default=20261207, help="of the kill times")
    parser.add_argument("--limit", type=float, default=900, help="seconds before giving up")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.database, args.tickets, args.scale, args.seed, args.limit)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(
        f"workers under kill -9 ({args.database}): {result['clock_jobs']} warnings and breaches, "
        f"{result['clock_jobs_decided_once']} decided once; {result['worker_kills']} kills "
        f"({result['kills_mid_job']} mid-job); "
        f"{result['emails_missing']} emails and {result['webhooks_missing']} webhooks missing; "
        f"duplicates a receiver drops: {result['email_duplicates_a_receiver_drops']} emails, "
        f"{result['webhook_duplicates_a_receiver_drops']} webhooks"
    )
    return 0 if passed(result) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
