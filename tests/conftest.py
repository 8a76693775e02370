"""Fixtures shared by the tests under tests/ (the engine's tests need none of them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

RunAccord = Callable[..., subprocess.CompletedProcess[str]]


def _accord_executable() -> str:
    beside_python = Path(sys.executable).with_name("accord")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("accord")
    if found is None:
        pytest.fail("the `accord` console script is not installed: run `make .venv`")
    return found


@pytest.fixture
def run_accord(tmp_path: Path) -> RunAccord:
    """Run the installed `accord` command in a subprocess, as a user would.

    The child gets a private ACCORD_DATA_DIR (so it never touches var/ of the checkout) and no
    DATABASE_URL unless the test passes one; `env` entries override, a value of None unsets.
    """

    def run(
        *args: str, env: Mapping[str, str | None] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        child_env["ACCORD_DATA_DIR"] = str(tmp_path / "accord-data")
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value
        return subprocess.run(
            [_accord_executable(), *args],
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
