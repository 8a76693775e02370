"""`accord calc period`: any policy file's period from the shell, with no configuration."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.test_calc import run_accord

from accord import calc

FOLDER = Path(__file__).parents[2] / "src" / "accord" / "policies"


def test_slack_quarter_from_the_shell_with_no_configuration() -> None:
    done = run_accord(
        "period",
        "--policy",
        "slack",
        "--period",
        "2026-Q4",
        "--outage",
        "2026-11-14T02:00:00Z/2026-11-14T03:00:00Z",
        "--fee",
        "9200.00",
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["uptime_percent"] == "99.954" and answer["met"] is False
    assert answer["credit_amount"] == "41.67"  # 10 x the 4.17 paid for the hour


def test_scheduled_downtime_announced_48_hours_ahead_is_excluded() -> None:
    done = run_accord(
        "period",
        "--policy",
        str(FOLDER / "slack.toml"),
        "--period",
        "2026-Q4",
        "--outage",
        "2026-11-14T02:00:00Z/2026-11-14T03:00:00Z",
        "--scheduled",
        "2026-11-14T02:00:00Z/2026-11-14T03:00:00Z@2026-11-12T02:00:00Z",
    )
    answer = json.loads(done.stdout)
    assert answer["met"] is True and answer["credit_percent"] == "0"
    assert answer["scheduled_excluded"] == 1


def test_atlassian_samples_from_a_csv(tmp_path: Path) -> None:
    lines = ["start,requests,errors"]
    lines += [f"{1793955600 + 60 * i},100,6" for i in range(60)]  # 2026-11-06 09:00 UTC on
    csv = tmp_path / "samples.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_accord(
        "period",
        "--policy",
        "atlassian-cloud-premium",
        "--period",
        "2026-11",
        "--module",
        "Confluence",
        "--samples",
        str(csv),
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["uptime_percent"] == "99.861" and answer["credit_percent"] == "10"
    assert answer["module"] == "Confluence"


def test_a_bad_csv_line_is_named(tmp_path: Path) -> None:
    csv = tmp_path / "samples.csv"
    csv.write_text("start,requests,errors\n1793955600,100,6\n1793955660,lots,6\n", "utf-8")
    done = run_accord(
        "period", "--policy", "google-cloud", "--period", "2026-11", "--samples", str(csv)
    )
    assert done.returncode == 1
    assert f"samples: {csv}: line 3: requests 'lots' is not a whole number" in done.stderr


def test_the_batch_answers_the_same_and_names_bad_fields() -> None:
    good = {
        "op": "period",
        "id": 1,
        "policy": "github-enterprise-cloud",
        "label": "2026-Q4",
        "samples": [[1793955600 + 60 * i, 10, 1] for i in range(133)],
    }
    answer = calc.answer(good)
    assert answer["ok"] and answer["credit_percent"] == "10"  # 133 minutes > 0.1% of Q4
    bad_label = calc.answer(good | {"label": "2026-11"})
    assert bad_label["error"].startswith("period: '2026-11' is not a quarter label")
    assert calc.answer(good | {"module": "Wiki"})["error"].startswith("module: 'Wiki' is not")
    assert calc.answer(good | {"policy": "nope"})["error"].startswith("policy: 'nope' is neither")
    outages = calc.answer({**good, "samples": None} | {"outages": []})
    assert not outages["ok"]
    region = calc.answer({"op": "period", "policy": "plutora-standard", "label": "2026-03"})
    assert region["error"].startswith("timezone: policy plutora-standard measures")
    seed = calc.answer(
        {
            "op": "period",
            "policy": "plutora-standard",
            "label": "2026-03",
            "timezone": "America/Los_Angeles",
            "outages": [["2026-03-11T08:15:00Z", "2026-03-11T09:40:00Z"]],
        }
    )
    # The seed's month as `accord calc uptime` gives it (docs/calc.md),, its 5% tier.
    assert seed["uptime_fraction"] == "4439/4446" and seed["credit_percent"] == "5"


def test_a_broken_policy_file_is_named_with_its_line(tmp_path: Path) -> None:
    text = (
        (FOLDER / "slack.toml")
        .read_text(encoding="utf-8")
        .replace('multiple = "10"', "multiple = 10")
    )
    path = tmp_path / "slack.toml"
    path.write_text(text, encoding="utf-8")
    answer = calc.answer({"op": "period", "policy": str(path), "label": "2026-Q4"})
    assert answer["error"].startswith(f"policy: {path}:")
    assert "credit.multiple" in answer["error"]


def test_an_epoch_sample_outside_the_supported_range_is_named() -> None:
    answer = calc.answer(
        {"op": "period", "policy": "google-cloud", "label": "2026-11", "samples": [[-5, 1, 0]]}
    )
    assert answer["error"].startswith("samples[0][0]: is outside the supported range")
