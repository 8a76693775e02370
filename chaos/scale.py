"""The scale-out run (`make scale`, docs/scale-out.md): Accord as docs/scale-out.md draws it, on
one machine, with hosts that fail.

    .venv/bin/python chaos/scale.py            # `make scale`: about three minutes
    .venv/bin/python chaos/scale.py --quick    # what .ci/run runs: the same, shorter
    .venv/bin/python chaos/scale.py --loopback # no namespaces: hosts on 127.0.77.x

PostgreSQL; two web hosts (gunicorn) behind nginx; two `accord worker` hosts; three
`accord probe` agent hosts, each in its own network namespace with its own address (or on a
loopback address of its own where namespaces cannot be made). While API clients create
tickets, customers read the portal and the agents watch a service, the run kills one web host,
one worker and one probe agent with SIGKILL and brings each back; the watched service fails
for a while as the agent is down. Then it counts: requests that failed while a host was down
and how they were retried, tickets and probe results lost, warnings decided twice, whether the
outage was still confirmed by quorum, and how long each host took to recover.

Figures go to stdout and to var/scale.json (var/scale-quick.json with --quick); exit status 1
when a figure that must be 0 is not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import intake
import worker as clocks
from common import BIN, ROOT, free_port, fresh_database
from harness import child, serve_child
from hosts import Network, Relay
from receivers import SmtpSink, WebhookSink
from scale_parts import (
    PROXY_PORT,
    WEB_PORT,
    HostProcess,
    Proxy,
    Readers,
    Watched,
    seed,
    stored_results,
    wait_http,
    web,
)

SCRIPT = Path(__file__).resolve()
HOSTS = ["web1", "web2", "worker1", "worker2", "probe1", "probe2", "probe3"]
LEASE_SECONDS = 10


@dataclass(frozen=True)
class Plan:
    """When each thing happens, in seconds from the start of the traffic."""

    kill_web: float
    web_down: float
    kill_worker: float
    worker_down: float
    fail_start: float  # the watched service starts failing; an agent is killed just after
    fail_for: float
    agent_back_after: float  # after the service recovers
    clients: int
    clock_tickets: int
    clock_scale: float
    drain_limit: float  # seconds the workers may take to send the due notices, at most

    @property
    def fail_end(self) -> float:
        return self.fail_start + self.fail_for


FULL = Plan(10, 15, 30, 5, 45, 40, 10, 3, 12, 0.6, 300)
QUICK = Plan(6, 8, 16, 3, 24, 24, 6, 3, 6, 0.3, 180)


class PacedClients(intake.Clients):
    """The intake clients of chaos/intake.py, paced and running until told to stop."""

    PAUSE = 0.4  # seconds between a client's requests

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.stop = threading.Event()
        self.started = 0  # the highest request number begun, plus one (for intake.outcome)
        self.sent = 0

    def run(self, index: int, clients: int) -> None:
        import httpx

        with httpx.Client(timeout=10.0) as client:
            n = index
            while not self.stop.is_set() and n < self.total:
                with self.lock:
                    self.started = max(self.started, n + 1)
                    self.sent += 1
                self.post(client, n)
                n += clients
                time.sleep(self.PAUSE)


def _wait(until: float, started: float) -> None:
    while time.monotonic() - started < until:
        time.sleep(0.05)


def run(plan: Plan, loopback: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-scale-") as scratch:
        workdir = Path(scratch)
        logs = workdir / "logs"
        logs.mkdir()
        with (
            Network.create(HOSTS, loopback=loopback) as net,
            fresh_database("postgresql", workdir, "scale") as local,
        ):
            return _run(plan, net, local, workdir, logs)


def _run(
    plan: Plan, net: Network, local: dict[str, str], workdir: Path, logs: Path
) -> dict[str, Any]:
    hub = net.hub
    relay = None
    database = local["DATABASE_URL"]
    if net.namespaced:  # PostgreSQL listens on 127.0.0.1: the hosts reach it through a relay
        relay = Relay((hub, 5432), ("127.0.0.1", 5432))
        relay.start()
        database = database.replace("127.0.0.1", hub)
    # On the bridge the proxy's port is the run's own; on loopback another may hold it.
    proxy_port = PROXY_PORT if net.namespaced else free_port()
    proxy_url = f"http://{hub}:{proxy_port}"
    smtp, hooks, watched = SmtpSink(hub), WebhookSink(hub), Watched(hub)
    for receiver in (smtp, hooks, watched):
        receiver.start()
    seeded = child(
        SCRIPT,
        "seed",
        local,
        watched.url,
        str(plan.clock_scale),
        str(plan.clock_tickets),
        hooks.url,
    )
    hosts_env = {
        **local,
        "DATABASE_URL": database,
        "ACCORD_ALLOWED_HOSTS": ",".join([hub, "127.0.0.1", *net.addresses.values()]),
        "ACCORD_BASE_URL": proxy_url,
        "ACCORD_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ACCORD_EMAIL_HOST": hub,
        "ACCORD_EMAIL_PORT": str(smtp.port),
        "ACCORD_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    webs = {h: web(net, h, hosts_env, logs) for h in ("web1", "web2")}
    worker_argv = [str(BIN / "accord"), "worker", "--no-probes", "--idle-seconds", "0.2"]
    workers = {h: HostProcess(net, h, worker_argv, hosts_env, logs) for h in ("worker1", "worker2")}
    agent_env = {k: v for k, v in hosts_env.items() if k != "DATABASE_URL"}  # an agent has none
    agents = {
        h: HostProcess(
            net,
            h,
            [
                str(BIN / "accord"),
                "probe",
                "--server",
                proxy_url,
                "--token",
                token,
                "--batch-seconds",
                "1",
                "--refresh-seconds",
                "5",
            ],
            agent_env,
            logs,
        )
        for h, token in seeded["probe_tokens"].items()
    }
    proxy = Proxy(f"{hub}:{proxy_port}", [f"{net.address(h)}:{WEB_PORT}" for h in webs], workdir)
    # Stopped in this order: agents send what they hold through web hosts still serving.
    every = [*agents.values(), *workers.values(), *webs.values()]
    recovery: dict[str, float] = {}
    try:
        for host in webs.values():
            host.start()
        for name in webs:
            wait_http(f"http://{net.address(name)}:{WEB_PORT}/healthz")
        proxy.start()
        wait_http(f"{proxy_url}/healthz")
        for host in [*workers.values(), *agents.values()]:
            host.start()
        prefix = f"Scale intake {int(time.time())}"
        api = PacedClients(proxy_url, seeded["token"], seeded["modules"], 1_000_000, prefix)
        readers = Readers(proxy_url, seeded["session"])
        threads = [
            threading.Thread(target=api.run, args=(i, plan.clients)) for i in range(plan.clients)
        ]
        threads += [threading.Thread(target=readers.run, args=(i,)) for i in range(3)]
        started = time.monotonic()
        for thread in threads:
            thread.start()

        _wait(plan.kill_web, started)
        webs["web1"].kill9()
        _wait(plan.kill_web + plan.web_down, started)
        back = time.monotonic()
        webs["web1"].start()
        wait_http(f"http://{net.address('web1')}:{WEB_PORT}/healthz")
        recovery["web1_healthz_after_restart"] = time.monotonic() - back

        _wait(plan.kill_worker, started)
        workers["worker1"].kill9()
        _wait(plan.kill_worker + plan.worker_down, started)
        workers["worker1"].start()

        _wait(plan.fail_start, started)
        watched.failing.set()
        failed_at = time.time()
        _wait(plan.fail_start + 2, started)
        agents["probe1"].kill9()
        _wait(plan.fail_end, started)
        watched.failing.clear()
        recovered_at = time.time()
        _wait(plan.fail_end + plan.agent_back_after, started)
        seen_before = watched.seen[net.address("probe1")]
        back = time.monotonic()
        agents["probe1"].start()
        if net.namespaced:  # on loopback every agent's checks come from 127.0.0.1
            while watched.seen[net.address("probe1")] == seen_before:
                if time.monotonic() - back > 60:
                    break
                time.sleep(0.1)
            recovery["probe1_first_check_after_restart"] = time.monotonic() - back

        # The traffic stops a little after the last host is back (the outage has ended by
        # then); the workers then finish the notices that are due, bounded.
        _wait(plan.fail_end + plan.agent_back_after + 8, started)
        api.stop.set()
        readers.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        traffic_stopped, left = time.monotonic(), -1
        while time.monotonic() - traffic_stopped < plan.drain_limit:
            left = child(clocks.SCRIPT, "status", local, "due")["left"]
            if left == 0:
                break
            time.sleep(1)
        recovery["notices_due_all_sent_after_the_traffic"] = time.monotonic() - traffic_stopped
        seconds = time.monotonic() - started
    finally:
        for host in every:
            host.stop()  # SIGTERM: agents send what they hold, workers finish their job
        proxy.stop()
        for receiver in (smtp, hooks, watched):
            receiver.stop()
        if relay is not None:
            relay.stop()
    rows = child(intake.SCRIPT, "tickets", local, prefix)["rows"]
    ended = child(clocks.SCRIPT, "outcome", local, "due")
    stored = child(
        SCRIPT, "stored_results", local, str(seeded["check"]), str(seeded["module_region"])
    )
    return figures(
        net,
        plan,
        seconds,
        api,
        readers,
        proxy,
        rows,
        ended,
        left,
        smtp,
        hooks,
        watched,
        stored,
        recovery,
        (failed_at, recovered_at),
    )


def figures(
    net: Network,
    plan: Plan,
    seconds: float,
    api: PacedClients,
    readers: Readers,
    proxy: Proxy,
    rows: list[Any],
    ended: dict[str, Any],
    left: int,
    smtp: SmtpSink,
    hooks: WebhookSink,
    watched: Watched,
    stored: dict[str, Any],
    recovery: dict[str, float],
    failing: tuple[float, float],
) -> dict[str, Any]:
    clock = clocks.figures(
        "postgresql",
        plan.clock_tickets,
        1,
        seconds,
        left,
        ended,
        smtp.message_ids,
        hooks.deliveries,
    )
    agents = {}
    for n, host in enumerate(("probe1", "probe2", "probe3"), start=1):
        made = watched.seen[net.address(host)] if net.namespaced else None
        kept = stored["results"].get(f"agent{n}", 0)
        agents[host] = {
            "checks_the_service_saw": made,
            "results_stored": kept,
            "lost": None if made is None else made - kept,
            "killed": host == "probe1",
        }
    start, end = failing
    during = [o for o in stored["outages"] if o[0] <= end + 10 and (o[1] is None or o[1] >= start)]
    outage = during[0] if len(during) == 1 else None
    return {
        "hosts": net.describe(),
        "seconds": round(seconds, 1),
        "api": {
            "requests": api.sent,
            **intake.outcome(api, [tuple(r) for r in rows], api.started),
        },
        "proxy_passed_on_to_the_other_web_host": dict(proxy.passed_on()),
        "portal": {
            "reads": readers.reads,
            "reads_retried": readers.retried,
            "reads_failed_after_retries": len(readers.failed),
            "failures": dict(readers.failures),
        },
        "workers": {
            k: clock[k]
            for k in (
                "clock_jobs",
                "clock_jobs_decided_once",
                "clock_jobs_redone_after_a_kill",
                "unfinished_jobs",
                "emails_missing",
                "email_duplicates_a_receiver_drops",
                "webhooks_missing",
                "webhook_duplicates_a_receiver_drops",
            )
        },
        "probe_agents": agents,
        "outage": {
            "service_failed_for_seconds": round(end - start, 1),
            "outages_recorded": len(during),
            "confirmed_with_one_agent_down": outage is not None,
            "started_after_failure_seconds": None
            if outage is None
            else round(outage[0] - start, 1),
            "ended_after_recovery_seconds": (
                None if outage is None or outage[1] is None else round(outage[1] - end, 1)
            ),
        },
        "recovery_seconds": {k: round(v, 1) for k, v in recovery.items()},
    }


def passed(f: dict[str, Any]) -> list[str]:
    """The figures that are wrong (empty when the run passed)."""
    wrong = []
    api, workers = f["api"], f["workers"]
    for key in ("acknowledged_missing", "retried_key_duplicates", "refused_count"):
        if api[key]:
            wrong.append(f"api.{key} = {api[key]}")
    if f["portal"]["reads_failed_after_retries"]:
        wrong.append(f"portal: {f['portal']['reads_failed_after_retries']} reads failed")
    if workers["clock_jobs_decided_once"] != workers["clock_jobs"] or workers["unfinished_jobs"]:
        wrong.append(f"workers: {workers}")
    if workers["emails_missing"] or workers["webhooks_missing"]:
        wrong.append("workers: a notification never arrived")
    for host, agent in f["probe_agents"].items():
        if not agent["killed"] and agent["lost"]:
            wrong.append(f"{host}: {agent['lost']} results lost")
    if not f["outage"]["confirmed_with_one_agent_down"]:
        wrong.append(f"outage: {f['outage']}")
    return wrong


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return serve_child(argv[1:], {"seed": seed, "stored_results": stored_results})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the short run .ci/run makes")
    parser.add_argument("--loopback", action="store_true", help="no network namespaces")
    args = parser.parse_args(argv)
    result = run(QUICK if args.quick else FULL, args.loopback)
    wrong = passed(result)
    result["wrong"] = wrong
    text = json.dumps(result, indent=2)
    print(text)
    out = ROOT / "var" / ("scale-quick.json" if args.quick else "scale.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    print(f"scale-out run: {'passed' if not wrong else 'FAILED: ' + '; '.join(wrong)}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
