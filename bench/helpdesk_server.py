"""The help desk bench's databases (a fresh, migrated one per run) and the server processes
(gunicorn or granian) that serve Accord to the load generator."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import helpdesk_config as config
import host
from harness import accord_env, free_port, run_checked
from helpdesk_config import BIN, POSTGRES_DB, POSTGRES_SERVER, WORKERS


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5) as c:
        c.execute(sql)


def postgres_reachable() -> str | None:
    """None if the server answers, else why not."""
    try:
        postgres_admin("SELECT 1")
    except Exception as exc:  # any failure means "skip PostgreSQL, and say why"
        return f"{type(exc).__name__}: {exc}".strip()
    return None


@contextlib.contextmanager
def fresh_database(kind: str, scratch: Path, label: str) -> Iterator[dict[str, str]]:
    """A migrated, empty Accord database; the environment that selects it."""
    data_dir = scratch / label
    data_dir.mkdir(parents=True)
    url = None
    if kind == "postgresql":
        url = f"{POSTGRES_SERVER}/{POSTGRES_DB}"
        postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
        postgres_admin(f"CREATE DATABASE {POSTGRES_DB}")
    env = accord_env(data_dir, url, ACCORD_ALLOWED_HOSTS="127.0.0.1,testserver")
    try:
        run_checked([str(BIN / "accord"), "migrate", "--no-input"], env, timeout=600)
        yield env
    finally:
        if kind == "postgresql":
            postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")


class Server:
    """Accord's WSGI application served by two processes on a free loopback port: gunicorn
    (`-w 2`, sync workers by default) or granian (`--interface wsgi --workers 2
    --blocking-threads 1`). Unless ACCESS_LOG is off, an access log holds each request's
    method, path, status and its time in the server process (gunicorn's `%(D)s`, granian's
    `dt_ms`)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        if config.SERVER == "gunicorn":
            args = [
                str(BIN / "gunicorn"),
                "accord.wsgi:application",
                "-w",
                str(WORKERS),
                "--worker-class",
                config.WORKER_CLASS,
                "--threads",
                str(config.THREADS),
                "-b",
                f"127.0.0.1:{self.port}",
                *(
                    [
                        "--access-logfile",
                        str(self.access_log),
                        "--access-logformat",
                        "%(m)s %(U)s %(s)s %(D)s",
                    ]
                    if config.ACCESS_LOG
                    else []
                ),
                *(["-c", extra] if (extra := os.environ.get("BENCH_GUNICORN_CONFIG")) else []),
                "--error-logfile",
                str(self.error_log),
            ]
            self.process = subprocess.Popen(args, env=env, cwd=workdir)
        else:
            args = [
                str(BIN / "granian"),
                "--interface",
                "wsgi",
                "--workers",
                str(WORKERS),
                "--blocking-threads",
                str(config.THREADS),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *(
                    # Only the access lines start with "ACCESS"; the rest of the log is
                    # granian's own (start, stop).
                    [
                        "--access-log",
                        "--access-log-fmt",
                        "ACCESS %(method)s %(path)s %(status)d %(dt_ms).3f",
                    ]
                    if config.ACCESS_LOG
                    else []
                ),
                "accord.wsgi:application",
            ]
            with self.error_log.open("wb") as log:
                self.process = subprocess.Popen(
                    args, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
                )
            self.access_log = self.error_log

    def wait_ready(self, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{config.SERVER} did not start:\n{self.error_log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a graceful stop, for both servers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def workers_cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server has used so far, its main process and every
        process under it (gunicorn's arbiter and workers; granian's main process and workers)
        (Linux /proc), or None."""
        total = 0.0
        pending = [self.process.pid]
        try:
            while pending:
                pid = int(pending.pop())
                total += host.process_cpu_seconds(pid)
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending += (task / "children").read_text().split()
        except (OSError, ValueError, IndexError, AttributeError):
            return None
        return total

    def log_lines(self) -> int:
        return len(self.access_log.read_text().splitlines()) if self.access_log.exists() else 0

    def server_times_ms(self, skip: int) -> list[float]:
        """The server's time for each POST /api/tickets after the first `skip` log lines."""
        if not config.ACCESS_LOG:
            return []
        times = []
        for line in self.access_log.read_text().splitlines()[skip:]:
            if config.SERVER == "gunicorn":
                method, path, _status, micros = line.split()
                ms = int(micros) / 1000
            elif line.startswith("ACCESS "):
                _, method, path, _status, millis = line.split()
                ms = float(millis)
            else:
                continue
            if method == "POST" and path == "/api/tickets":
                times.append(ms)
        return times
