"""Contract policies: the built-in policy encodes the seed; bad files name file and field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from accord.engine.calendar import Duration
from accord.engine.policy import (
    PolicyError,
    Region,
    parse_policy,
    policy_from_data,
    policy_to_data,
    resolve,
)
from accord.engine.timeutil import parse_instant
from accord.policies import DEFAULT_REGIONS, builtin_text, load_builtin, load_file

US = DEFAULT_REGIONS["us"]


def test_the_builtin_policy_encodes_the_seed() -> None:
    policy = load_builtin("plutora-standard")
    assert policy.availability.modules == [
        "Release Manager",
        "Test Environment Manager",
        "Deployment Manager",
        "Reporting",
        "Stryka",
    ]
    assert policy.target == Fraction(999, 1000)
    window = policy.availability.maintenance
    assert window.timezone == "America/Los_Angeles"
    assert [(w.day, w.start, w.end) for w in window.weekly] == [("wed", "01:00", "01:30")]
    assert {s.level: (s.name, s.target.to_duration()) for s in policy.severities} == {
        1: ("Critical", Duration(seconds=4 * 3600)),
        2: ("High", Duration(seconds=12 * 3600)),
        3: ("Medium", Duration(days=2)),
        4: ("Normal", Duration(days=7)),
    }
    assert policy.severity(1).description.startswith("Total inability")
    # Where the seed is silent, the policy says so.
    assert any("Support hours are not defined" in line for line in policy.assumptions)
    assert any("Penalties are left to each contract" in line for line in policy.assumptions)


def test_resolving_for_a_region_uses_its_time_zone_and_public_holidays() -> None:
    terms = resolve(load_builtin(), US)
    calendar = terms.support_calendar
    assert calendar.timezone == "America/Los_Angeles"
    assert terms.reporting_timezone == "America/Los_Angeles"
    assert calendar.hours_on(date(2026, 11, 25)) == ((8 * 3600, 18 * 3600),)
    # Thanksgiving (26 November 2026) is a public holiday in California: no support time.
    wednesday, thursday, friday = (
        parse_instant(f"2026-11-{day}T00:00:00-08:00", "day") for day in (25, 26, 27)
    )
    days = np.asarray([wednesday, thursday], dtype=np.int64)
    ends = np.asarray([thursday, friday], dtype=np.int64)
    assert calendar.elapsed_epoch(days, ends).tolist() == [36_000, 0]
    assert terms.clock_rules.targets[3] == Duration(days=2)
    assert terms.target == Fraction(999, 1000)
    assert terms.impact_weights == {"major_outage": Fraction(1), "partial_outage": Fraction(1, 2)}
    uk = resolve(load_builtin(), DEFAULT_REGIONS["uk"])
    assert uk.support_calendar.timezone == "Europe/London"
    # The maintenance window stays in Pacific time whatever the customer's region.
    assert uk.maintenance.timezone == "America/Los_Angeles"


def test_a_contract_overrides_support_hours_penalties_and_reporting_zone() -> None:
    terms = resolve(
        load_builtin(),
        US,
        support_hours={"always": True},
        penalties={
            "currency": "EUR",
            "uptime_tiers": [
                {"upper": "99.9", "upper_inclusive": False, "credit_percent": "10"},
            ],
            "breach_penalties": [],
        },
        reporting_timezone="Etc/GMT+8",
    )
    assert terms.support_calendar.always
    assert terms.reporting_timezone == "Etc/GMT+8"
    assert terms.penalties.currency == "EUR"
    assert terms.penalties.uptime_tiers.tiers[0].credit_percent == Decimal("10")


def test_policy_data_round_trips() -> None:
    policy = load_builtin()
    assert policy_from_data(policy_to_data(policy)) == policy


INVALID = [
    # (text in the built-in policy, its replacement, field named, words in the problem)
    ('target_percent = "99.9"', "target_percent = 99.9", "availability.target_percent", ""),
    (
        'target_percent = "99.9"',
        'target_percent = "101"',
        "availability.target_percent",
        "between 0 and 100",
    ),
    (
        'timezone = "America/Los_Angeles"',
        'timezone = "America/Las_Vegas"',
        "availability.maintenance.timezone",
        "unknown time zone",
    ),
    ('day = "wed"', 'day = "wednesday"', "availability.maintenance.weekly.0.day", ""),
    ("target = { hours = 4 }", "target = { hours = -4 }", "severities.0.target.hours", ""),
    ("allow_pause = false", "allow_pause = false\npause = true", "clock.pause", "Extra inputs"),
    (
        'mon = [["08:00", "18:00"]]',
        'mon = [["08:00", "28:00"]]',
        "support_hours",
        "weekly.mon[0][1]",
    ),
    (
        'credit_percent = "10" }',
        'credit_percent = "10" }, { lower = "99.5", lower_inclusive = true, credit_percent = "1" }',
        "penalties",
        "overlap",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), INVALID)
def test_an_invalid_policy_names_the_file_the_field_and_the_problem(
    old: str, new: str, field: str, problem: str
) -> None:
    text = builtin_text("plutora-standard")
    assert old in text
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.replace(old, new, 1), "contracts/acme.toml")
    message = str(caught.value)
    assert message.startswith(f"contracts/acme.toml: {field}"), message
    assert problem in message


def test_a_file_that_is_not_toml_or_missing_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "x"\nname = \n')
    with pytest.raises(PolicyError, match=r"broken\.toml: not valid TOML"):
        load_file(broken)
    with pytest.raises(PolicyError, match=r"absent\.toml: cannot be read"):
        load_file(tmp_path / "absent.toml")


def test_a_region_with_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="region.timezone: unknown time zone"):
        Region("mars", "Mars", "Mars/Olympus_Mons")
