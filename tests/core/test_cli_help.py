"""`accord help` with no configuration at all lists Accord's own commands (issue 21, item 2):
help reads no secret, so it must not stop at the settings' "ACCORD_SECRET_KEY is not set"."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _bare(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "DJANGO_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "accord", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", [("help",), ("help", "demo"), ("demo", "--help")])
def test_help_needs_no_configuration(args: tuple[str, ...]) -> None:
    answer = _bare(*args)
    assert answer.returncode == 0, answer.stderr
    assert "ACCORD_SECRET_KEY" not in answer.stdout + answer.stderr
    assert "demo" in answer.stdout


def test_help_lists_accords_commands() -> None:
    answer = _bare("help")
    for command in ("[demo]", "worker", "mail_ingest"):
        assert command in answer.stdout, answer.stdout


def test_other_commands_still_refuse_without_a_secret() -> None:
    answer = _bare("migrate")
    assert answer.returncode == 2
    assert "configuration error: ACCORD_SECRET_KEY is not set" in answer.stderr
