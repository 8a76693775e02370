"""The wheel `python -m build` makes installs outside the checkout and runs: `accord migrate`,
`accord check --deploy` with production settings, and `/healthz` served by gunicorn
(docs/deployment.md, "Installing the package").

Offline: the wheel is built with --no-isolation (build and setuptools are dev dependencies)
and installed with --no-deps into a fresh virtualenv without system site packages; its
dependencies come from the development virtualenv's site-packages on PYTHONPATH, which holds
no copy of Accord itself (the checkout's src is never on the path).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy of the tracked files, so the checkout gets no build/ or egg-info.
    tree = tmp_path_factory.mktemp("tree")
    files = _run(["git", "ls-files", "-z", "pyproject.toml", "README.md", "src"], cwd=ROOT)
    for name in filter(None, files.stdout.split("\0")):
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=tree,
    )
    (built,) = out.glob("accord-*.whl")
    return built


def test_the_wheel_holds_templates_static_files_policies_migrations_and_german(
    wheel: Path,
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "accord/templates/base.html",
        "accord/core/static/accord/accord.css",
        "accord/policies/plutora-standard.toml",
        "accord/helpdesk/migrations/0001_initial.py",
        "accord/locale/de/LC_MESSAGES/django.mo",
    ):
        assert expected in names
    assert any(n.startswith("accord/helpdesk/templates/") for n in names)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_installed_wheel_migrates_passes_deploy_checks_and_serves_healthz(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        # The dependencies only: the development venv's site-packages (no Accord in it).
        PYTHONPATH=sysconfig.get_paths()["purelib"],
        ACCORD_SECRET_KEY="packaging-test-" + "k" * 50,
        ACCORD_ALLOWED_HOSTS="127.0.0.1,sla.example.com",
        ACCORD_BASE_URL="https://sla.example.com",
        ACCORD_TRUSTED_PROXIES="1",
        ACCORD_DATA_DIR=str(tmp_path / "data"),
    )
    where = _run(
        [str(python), "-c", "import accord; print(accord.__file__)"], env=env, cwd=tmp_path
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    accord = str(venv / "bin" / "accord")
    _run([accord, "migrate", "--no-input", "-v0"], env=env, cwd=tmp_path)
    checked = _run([accord, "check", "--deploy", "--fail-level", "ERROR"], env=env, cwd=tmp_path)
    # Only the two HSTS choices left to the operator (docs/deployment.md).
    issues = set(re.findall(r"\((security\.\w+)\)", checked.stdout + checked.stderr))
    assert issues <= {"security.W005", "security.W021"}, checked.stderr

    port = _free_port()
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "accord.wsgi:application",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)  # not yet listening: poll again
        assert answer is not None, server.stdout.read() if server.poll() is not None else ""
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok", "database": "sqlite"}
    finally:
        server.terminate()
        server.wait(timeout=30)
