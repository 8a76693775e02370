"""The example systemd units in deploy/systemd pass `systemd-analyze verify` (unknown keys,
bad values, commands that do not exist), with /opt/accord (the installed virtualenv) pointed
at this Python's environment, which has the same `accord` and `gunicorn` commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
NAMES = ["accord-web.service", "accord-worker.service", "accord-probe.service"]


def test_the_units_name_the_installed_commands() -> None:
    for name in NAMES:
        text = (UNITS / name).read_text()
        assert "ExecStart=/opt/accord/bin/" in text and "EnvironmentFile=" in text


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
@pytest.mark.parametrize("name", NAMES)
def test_systemd_analyze_verifies_the_unit(name: str, tmp_path: Path) -> None:
    venv = Path(sys.executable).parent.parent
    unit = tmp_path / name
    unit.write_text((UNITS / name).read_text().replace("/opt/accord", str(venv)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    # Unknown keys are only warnings (exit 0): any message at all is a failure here.
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
