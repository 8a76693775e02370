"""The pieces of the scale-out run (chaos/scale.py): its seed, the processes on their hosts, the
proxy in front of the web hosts, the service the probes watch, and the portal's readers.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from common import BIN, kill9_tree, stop
from hosts import Network

WEB_PORT = 8000
PROXY_PORT = 8080
PROBE_INTERVAL = 2  # seconds between a location's checks of the watched service


def seed(args: list[str]) -> dict[str, Any]:
    """Child: the intake customer and its token (bench/helpdesk_load.py), the clock customer and
    its tickets (chaos/worker.py), a portal reader's session, three probe locations with their
    tokens, and one health check of the watched service with a quorum of two."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from helpdesk_load import seed_api
    from worker import clock_customer

    from accord.accounts.models import User
    from accord.monitoring.models import ModuleRegion
    from accord.probes import services as probes
    from accord.probes.models import HealthCheck, ProbeLocation

    target, clock_scale, clock_tickets, hook = args[0], float(args[1]), int(args[2]), args[3]
    intake = seed_api()
    clock_customer(clock_scale, clock_tickets, hook)
    reader = User.objects.get(email="admin@bench.test")
    session = SessionStore()
    session[SESSION_KEY] = str(reader.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    session.create()
    # Only the three agents watch: the worker's built-in location is out of every quorum.
    ProbeLocation.objects.filter(pk=probes.builtin_location().pk).update(active=False)
    HealthCheck.objects.update(active=False)
    tokens = {}
    for n in (1, 2, 3):
        _, tokens[f"probe{n}"] = probes.create_location(name=f"Scale agent {n}", slug=f"agent{n}")
    watched = ModuleRegion.objects.select_related("module", "region").order_by("pk").first()
    assert watched is not None
    check = HealthCheck.objects.create(
        module_region=watched,
        name="scale run: the watched service",
        url=target,
        interval_seconds=PROBE_INTERVAL,
        timeout_seconds=1,
        quorum=2,
        failures_to_confirm=2,
    )
    return {
        **intake,
        "session": session.session_key,
        "probe_tokens": tokens,
        "check": check.pk,
        "module_region": watched.pk,
    }


def stored_results(args: list[str]) -> dict[str, Any]:
    """Child: the watched check's results the server stored, per agent location, and its
    outages (start and end as Unix seconds)."""
    from django.db.models import Sum

    from accord.monitoring.models import Outage
    from accord.probes.models import MinuteAggregate

    check = int(args[0])
    rows = (
        MinuteAggregate.objects.filter(health_check_id=check)
        .values("location__slug")
        .annotate(n=Sum("checks"))
    )
    outages = Outage.objects.filter(module_region_id=int(args[1])).order_by("start")
    return {
        "results": {r["location__slug"]: int(r["n"]) for r in rows},
        "outages": [
            [o.start.timestamp(), o.end.timestamp() if o.end else None, o.source] for o in outages
        ],
    }


class HostProcess:
    """One process on one host (gunicorn, a worker, a probe agent), started again after a kill."""

    def __init__(
        self, net: Network, host: str, argv: list[str], env: dict[str, str], logs: Path
    ) -> None:
        self.net, self.host, self.argv, self.env, self.logs = net, host, argv, env, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        log = (self.logs / f"{self.host}-{self.starts}.log").open("wb")
        self.starts += 1
        self.process = subprocess.Popen(
            self.net.argv(self.host, self.argv), env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill9(self) -> None:
        """SIGKILL the process and every process it started, at once, as a host that dies."""
        assert self.process is not None
        kill9_tree(self.process)

    def stop(self) -> None:
        stop(self.process)


def web(net: Network, host: str, env: dict[str, str], logs: Path) -> HostProcess:
    argv = [str(BIN / "gunicorn"), "accord.wsgi:application", "-w", "2"]
    argv += ["-b", f"{net.address(host)}:{WEB_PORT}", "--graceful-timeout", "5"]
    return HostProcess(net, host, argv, env, logs)


def wait_http(url: str, timeout: float = 60.0) -> float:
    """Seconds until `url` answers 200 (raises after `timeout`)."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


NGINX_CONF = """
worker_processes 1;
daemon off;
user root;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  log_format scale '$msec $request_method $status "$upstream_addr" "$upstream_status"';
  access_log {dir}/nginx-access.log scale;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream accord {{
{servers}
    keepalive 16;
  }}
  server {{
    listen {listen};
    location / {{
      proxy_pass http://accord;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      # A refused connection never reached the host: pass it on, POST included. A request
      # cut off mid-way is a 502 to the client, who retries it with its Idempotency-Key.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
    }}
  }}
}}
"""


class Proxy:
    """nginx (Debian's) in front of the web hosts, on the machine's side of the bridge."""

    def __init__(self, listen: str, upstreams: list[str], workdir: Path) -> None:
        self.dir = workdir / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=3s;" for u in upstreams)
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(NGINX_CONF.format(dir=self.dir, servers=servers, listen=listen))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.dir / "nginx.out").open("wb")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"  # root's PATH has sbin; others may not
        argv = [nginx, "-c", str(self.conf), "-p", str(self.dir)]
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def passed_on(self) -> Counter[str]:
        """Requests nginx sent to a second host after the first failed, by the first's answer
        ("502", "504" or "-" for a refused connection)."""
        counts: Counter[str] = Counter()
        for line in (self.dir / "nginx-access.log").read_text().splitlines():
            parts = line.split('"')
            if len(parts) >= 4 and "," in parts[1]:
                counts[parts[3].split(",")[0].strip()] += 1
        return counts


class Watched:
    """The service the probe agents watch: answers 200, or 503 while `failing` is set; counts
    the checks it was sent, by the agent's address."""

    def __init__(self, host: str) -> None:
        self.failing = threading.Event()
        self.seen: Counter[str] = Counter()
        watched = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    watched.seen[self.client_address[0]] += 1
                self.send_response(503 if watched.failing.is_set() else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/health"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


class Readers:
    """Customers reading the portal through the proxy: a GET that fails is retried (a person
    reloads) up to `ATTEMPTS` times; failures are counted by kind, and reads that failed even
    then."""

    ATTEMPTS = 5
    PAGES = ("/tickets/", "/status/", "/releases/", "/help/", "/reports/")

    def __init__(self, url: str, session: str) -> None:
        self.url, self.session = url, session
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.reads = 0
        self.retried = 0
        self.failed: list[str] = []
        self.failures: Counter[str] = Counter()

    def run(self, index: int) -> None:
        import httpx

        cookies = {"sessionid": self.session}
        with httpx.Client(timeout=10.0, cookies=cookies, follow_redirects=False) as client:
            n = index
            while not self.stop.is_set():
                self.read(client, self.PAGES[n % len(self.PAGES)])
                n += 1
                time.sleep(0.05)

    def read(self, client: Any, path: str) -> None:
        for attempt in range(self.ATTEMPTS):
            try:
                status = client.get(f"{self.url}{path}").status_code
                failure = "" if status == 200 else f"HTTP {status}"
            except Exception as exc:  # refused, reset, timed out
                failure = type(exc).__name__
            with self.lock:
                if not failure:
                    self.reads += 1
                    self.retried += attempt > 0
                    return
                self.failures[failure] += 1
            time.sleep(0.2)
        with self.lock:
            self.failed.append(f"{path}: {failure}")
