"""What the chaos runs share: a fresh database, Accord's processes and how they are killed.

Every address is on 127.0.0.1 and every loop is bounded. The runs reuse the benchmarks'
harness (bench/harness.py: the environment, free ports, child processes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from harness import accord_env, free_port, run_checked  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"

__all__ = ["accord_env", "free_port", "run_checked", "BIN", "ROOT", "fresh_database", "Gunicorn"]


def _postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5) as c:
        c.execute(sql)


@contextlib.contextmanager
def postgres_scratch(name: str) -> Iterator[str]:
    """An empty PostgreSQL database `accord_chaos_<name>`, dropped afterwards; its name."""
    database = f"accord_chaos_{name}"
    _postgres_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _postgres_admin(f"CREATE DATABASE {database}")
    try:
        yield database
    finally:
        _postgres_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@contextlib.contextmanager
def fresh_database(kind: str, scratch: Path, name: str) -> Iterator[dict[str, str]]:
    """A migrated, empty Accord database (SQLite in `scratch`, or the PostgreSQL database
    `accord_chaos_<name>`, dropped afterwards); the environment that selects it."""
    data = scratch / "data"
    data.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        url = None
        if kind == "postgresql":
            url = f"{POSTGRES_SERVER}/{stack.enter_context(postgres_scratch(name))}"
        env = accord_env(data, url, ACCORD_ALLOWED_HOSTS="127.0.0.1,localhost")
        run_checked([str(BIN / "accord"), "migrate", "--no-input", "-v0"], env, timeout=600)
        yield env


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc), not recursively."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, killed and waiting for its parent to reap it, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def kill9(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Gunicorn:
    """Accord served as docs/deployment.md says (`gunicorn accord.wsgi:application -w 2`, sync
    workers) on one loopback port, which survives the server's restarts."""

    def __init__(self, env: dict[str, str], workdir: Path, workers: int = 2) -> None:
        self.env, self.workdir, self.workers = env, workdir, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        log = (self.workdir / f"gunicorn-{self.starts}.log").open("wb")
        self.starts += 1
        argv = [str(BIN / "gunicorn"), "accord.wsgi:application", "-w", str(self.workers)]
        argv += ["-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5"]
        self.process = subprocess.Popen(
            argv, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz")

    def kill9(self) -> int:
        """SIGKILL the master and every worker at once (no graceful anything); how many."""
        assert self.process is not None
        return kill9_tree(self.process)

    def stop(self) -> None:
        stop(self.process)


def kill9_tree(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL a process and the processes it started, at once, and wait until they are gone
    (a port they held is free again); how many were killed."""
    pids = [process.pid, *children(process.pid)]
    kill9(pids)
    process.wait()
    for pid in pids[1:]:
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.05)
    return len(pids)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL after 30 s: a process's graceful stop, bounded."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
