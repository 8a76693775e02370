"""`accord calc`: the line protocol of docs/calc.md, through the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from accord import calc

OFFICE = {
    "timezone": "America/Los_Angeles",
    "weekly": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
}
SEED_WINDOW = {
    "timezone": "America/Los_Angeles",
    "weekly": [{"day": "wed", "start": "01:00", "end": "01:30"}],
}
SEED_MONTH: dict[str, Any] = {
    "month": "2026-03",
    "timezone": "America/Los_Angeles",
    "outages": [["2026-03-11T08:15:00Z", "2026-03-11T09:40:00Z"]],
    "maintenance": SEED_WINDOW,
    "target_percent": "99.9",
}
TIERS = [
    {
        "lower": "99.0",
        "lower_inclusive": True,
        "upper": "99.9",
        "upper_inclusive": False,
        "credit_percent": "10",
    },
    {"upper": "99.0", "upper_inclusive": False, "credit_percent": "25"},
]


def run_accord(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    # No configuration at all: an engine-only command needs no secret, settings or database.
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "DJANGO_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "accord", "calc", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_batch_answers_every_line_in_order_and_exits_1_when_one_is_bad() -> None:
    lines = [
        {
            "id": "a",
            "op": "elapsed",
            "calendar": OFFICE,
            "start": "2026-03-09T15:00:00-07:00",
            "end": "2026-03-11T15:00:00-07:00",
        },
        {"id": 2, "op": "add", "calendar": OFFICE, "start": "2026-03-09T15:00:00-07:00"},
        {
            "id": 3,
            "op": "add",
            "calendar": OFFICE,
            "start": "2026-03-09T15:00:00-07:00",
            "duration": {"days": 2},
        },
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n\n{not json\n"
    finished = run_accord("batch", stdin=stdin)
    answers = [json.loads(line) for line in finished.stdout.splitlines()]
    assert answers == [
        {"id": "a", "ok": True, "seconds": 72000},
        {"id": 2, "ok": False, "error": "duration: is required"},
        {"id": 3, "ok": True, "due": "2026-03-11T22:00:00Z"},
        {"id": None, "ok": False, "error": answers[3]["error"]},
    ]
    assert answers[3]["error"].startswith("line 5: not valid JSON")
    assert finished.returncode == 1


def test_batch_exits_0_when_every_line_is_ok() -> None:
    line = {"id": 1, "op": "uptime", **SEED_MONTH}
    finished = run_accord("batch", stdin=json.dumps(line) + "\n")
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["ok"] is True


def test_single_questions_print_the_batch_answer() -> None:
    finished = run_accord(
        "add",
        "--calendar",
        json.dumps(OFFICE),
        "--start",
        "2026-03-13T17:00:00-07:00",
        "--hours",
        "1",
    )
    assert finished.returncode == 0, finished.stderr
    # Used up exactly at Friday's closing time: due at Monday's opening.
    assert json.loads(finished.stdout) == {"due": "2026-03-16T15:00:00Z"}
    bad = run_accord(
        "elapsed", "--calendar", '{"timezone": "Mars/Base"}', "--start", "x", "--end", "y"
    )
    assert bad.returncode == 1
    assert "calendar.timezone: unknown time zone 'Mars/Base'" in bad.stderr


def test_the_seed_month_counts_only_the_minutes_outside_the_window() -> None:
    answer = calc.answer({"op": "uptime", **SEED_MONTH})
    wednesdays = 4  # 4, 11, 18 and 25 March 2026
    assert answer["period_seconds"] == 44_580 * 60
    assert answer["maintenance_seconds"] == wednesdays * 30 * 60
    assert answer["eligible_seconds"] == (44_580 - wednesdays * 30) * 60
    assert answer["downtime_seconds"] == 70 * 60  # 08:30-09:40 UTC, after the window
    assert answer["uptime_fraction"] == "4439/4446"  # 1 - 70/44,460 in lowest terms
    assert answer["uptime_percent"] == "99.842"
    assert answer["met"] is False


def test_credit_matches_the_exact_fraction_not_the_displayed_one() -> None:
    # 99.8999...% displays as 99.899 but the exact value decides the tier, and 99.9 is in none.
    period = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:16:40Z"}  # 1,000 s
    just_below = calc.answer(
        {
            "op": "credit",
            "period": period,
            "outages": [["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"]],
            "target_percent": "99.9",
            "tiers": TIERS,
        }
    )
    assert just_below["uptime_fraction"] == "999/1000"
    assert just_below["met"] is True
    assert just_below["credit_percent"] == "0"
    two_seconds = calc.answer(
        {
            "op": "credit",
            "period": period,
            "outages": [["2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z"]],
            "target_percent": "99.9",
            "tiers": TIERS,
        }
    )
    assert two_seconds["uptime_percent"] == "99.800"
    assert two_seconds["credit_percent"] == "10"


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({"op": "divide"}, "op: must be one of elapsed, add, uptime, credit"),
        (
            {"op": "elapsed", "calendar": OFFICE, "start": "2026-03-09T15:00:00", "end": "x"},
            "start: needs a UTC offset",
        ),
        (
            {"op": "elapsed", "calendar": OFFICE, "strat": "2026-03-09T15:00:00Z"},
            "strat: is not a field",
        ),
        (
            {
                "op": "add",
                "calendar": OFFICE,
                "start": "2026-03-09T15:00:00Z",
                "duration": {"hours": -1},
            },
            "duration.hours: must be a whole number",
        ),
        (
            {"op": "uptime", **SEED_MONTH, "target_percent": 99.9},
            "target_percent: must be written as a string",
        ),
        ({"op": "uptime", **SEED_MONTH, "maintenance_mode": "ignore"}, "maintenance_mode:"),
        (
            {"op": "uptime", **SEED_MONTH, "outages": [["2026-03-11T09:00:00Z"]]},
            "outages[0]: must be a pair",
        ),
        ({"op": "credit", **SEED_MONTH, "tiers": [TIERS[0], TIERS[0]]}, "tiers"),
    ],
)
def test_bad_lines_name_the_field(request_: dict[str, Any], error: str) -> None:
    answer = calc.answer(request_ | {"id": 9})
    assert answer["ok"] is False and answer["id"] == 9
    assert answer["error"].startswith(error), answer["error"]
