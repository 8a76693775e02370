"""What the bench scripts that run Accord in child processes share (bench/helpdesk.py,
bench/reports.py): Accord's environment, a checked subprocess, a script run as its own child
in a mode, a free loopback port and the nearest-rank percentile. The machine's description and
speed index are in bench/host.py."""

from __future__ import annotations

import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accord_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of Accord's processes: only what the bench sets, never the caller's
    ACCORD_* or DATABASE_URL. Notifications are queued as jobs or go to the dummy backend:
    nothing is sent anywhere. No API rate limit."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ACCORD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_SECRET_KEY=secrets.token_urlsafe(50),
        ACCORD_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        # The load generators send far more than a person's token may (docs/api.md).
        ACCORD_API_RATE="off",
        DJANGO_SETTINGS_MODULE="accord.settings",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_checked(args: list[str], env: dict[str, str], timeout: float = 1800) -> str:
    done = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def child(
    script: Path | str, mode: str, env: dict[str, str], *args: str, timeout: float = 1800
) -> dict[str, Any]:
    """Run `script` in `mode` (`--child mode args...`) as a child process with `env`; its last
    output line (JSON)."""
    out = run_checked([sys.executable, str(script), "--child", mode, *args], env, timeout=timeout)
    return dict(json.loads(out.strip().splitlines()[-1]))


def write_figures(
    console: Any, path: Path, results: dict[str, Any], quick: str | None = None
) -> None:
    """The run's figures as JSON at `path` (var/bench-*.json), and where they went; `quick`
    says how a --quick run was made smaller (its targets do not apply)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    console.print(f"Figures written to {path}.")
    if quick:
        console.print(f"[yellow]--quick: {quick}; targets do not apply.[/]")


def serve_child(argv: list[str], modes: dict[str, Callable[[list[str]], Any]]) -> int:
    """A script's `--child mode args...`: Django set up, the mode run with its arguments, its
    result printed as the last line (JSON) for `child` to read."""
    import django

    django.setup()
    mode, *rest = argv
    if mode not in modes:
        raise SystemExit(f"unknown child mode {mode!r}")
    print(json.dumps(modes[mode](rest), default=str))
    return 0


def django_in_scratch(prefix: str, secret: str, **extra: str) -> str:
    """This process as Accord on a throwaway SQLite data directory (bench/prober.py,
    bench/status_page.py): pinned to CPU 0 where the platform allows, the caller's
    DATABASE_URL dropped, `extra` set in the environment, Django set up and the database
    migrated. Returns the data directory."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    data = tempfile.mkdtemp(prefix=prefix)
    os.environ.pop("DATABASE_URL", None)
    os.environ["ACCORD_DATA_DIR"] = data
    os.environ.setdefault("ACCORD_SECRET_KEY", secret)
    os.environ.update(extra)
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data
