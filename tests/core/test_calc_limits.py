"""`accord calc` with no configuration at all, and at the ends of the datetime range: every
instant, month and duration beyond what Accord accepts is an error naming the field, never an
OverflowError (issue 17, part 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accord import calc
from accord.policies import builtin_text

OFFICE = {"timezone": "UTC", "weekly": {"mon": [["08:00", "18:00"]]}}
START = "2026-03-09T08:00:00Z"


def _bare_environment() -> dict[str, str]:
    """What a fresh shell has: no ACCORD_SECRET_KEY, no ACCORD_DEBUG, no settings module."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ACCORD_SECRET_KEY", "ACCORD_SECRET_KEY_FILE", "ACCORD_DEBUG")
        and not key.startswith(("DJANGO_", "DATABASE_"))
    }
    assert "ACCORD_SECRET_KEY" not in env and "ACCORD_DEBUG" not in env
    return env


def _accord(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_bare_environment(),
        timeout=120,
        check=False,
    )


def test_engine_commands_run_without_a_secret_key_or_debug(tmp_path: Path) -> None:
    done = _accord("calc", "add", "--calendar", json.dumps(OFFICE), "--start", START, "--days", "1")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {"due": "2026-03-16T08:00:00Z"}
    helped = _accord("help", "calc")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: accord calc"), helped
    policy = tmp_path / "policy.toml"
    policy.write_text(builtin_text("plutora-standard"), encoding="utf-8")
    validated = _accord("policy", "validate", str(policy))
    assert validated.returncode == 0, validated.stderr
    assert "configuration error" not in validated.stderr


EXTREME_QUESTIONS: list[tuple[dict[str, Any], str]] = [
    ({"op": "add", "start": START, "duration": {"days": 10**20}}, "duration.days"),
    ({"op": "add", "start": START, "duration": {"seconds": 10**20}}, "duration.seconds"),
    ({"op": "add", "start": START, "duration": {"days": 3_000_000}}, "duration.days"),
    ({"op": "add", "start": "8999-12-31T00:00:00Z", "duration": {"hours": 100}}, "duration"),
    ({"op": "add", "start": "9999-12-31T23:59:59-12:00", "duration": {"days": 1}}, "start"),
    ({"op": "elapsed", "start": "0001-01-01T00:00:00+14:00", "end": START}, "start"),
    ({"op": "elapsed", "start": START, "end": "9999-12-31T23:59:59Z"}, "end"),
]


@pytest.mark.parametrize(("question", "field"), EXTREME_QUESTIONS)
def test_instants_and_durations_beyond_the_range_name_the_field(
    question: dict[str, Any], field: str
) -> None:
    answer = calc.answer({"calendar": OFFICE, **question})
    assert answer["ok"] is False
    assert answer["error"].startswith(f"{field}: "), answer


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1969-12"])
def test_months_beyond_the_range_name_the_field(month: str) -> None:
    answer = calc.answer(
        {
            "op": "uptime",
            "month": month,
            "timezone": "Pacific/Kiritimati",
            "outages": [],
            "target_percent": "99.9",
        }
    )
    assert answer["ok"] is False and answer["error"].startswith("month: "), answer


def test_the_command_line_says_which_flag(tmp_path: Path) -> None:
    done = _accord(
        "calc", "add", "--calendar", json.dumps(OFFICE), "--start", START, "--days", str(10**20)
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "CommandError: duration.days: is longer than the supported range of instants allows"
    ]
