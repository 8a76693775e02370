"""Policy fields that have their effect or are refused, and errors that name the line."""

from __future__ import annotations

import tomllib

import pytest

from accord.engine.policy import PolicyError, parse_policy, policy_to_data
from accord.engine.tomltext import field_lines, line_of, to_toml
from accord.policies import builtin_text

TEXT = builtin_text("plutora-standard")


def refused(old: str, new: str) -> PolicyError:
    assert old in TEXT
    with pytest.raises(PolicyError) as caught:
        parse_policy(TEXT.replace(old, new, 1), "acme.toml")
    return caught.value


def line_holding(fragment: str) -> int:
    return next(n for n, line in enumerate(TEXT.splitlines(), 1) if fragment in line)


def test_a_release_cadence_nothing_keeps_is_refused_naming_the_field() -> None:
    error = refused('minor = "weekly"', 'minor = "every blue moon"')
    assert error.field == "releases.minor" and "'weekly'" in error.problem
    assert error.located == f"acme.toml:{line_holding('minor = ')}: releases.minor: {error.problem}"
    assert refused('major = "monthly"', 'major = "quarterly"').field == "releases.major"
    assert refused("in_maintenance_window = true", 'in_maintenance_window = "yes"').field == (
        "releases.in_maintenance_window"
    )


def test_a_policy_defines_its_own_severity_levels() -> None:
    # Whole numbers from 1 to 9, distinct, most urgent first; the built-in policy's are 1 to 4.
    assert parse_policy(TEXT, "acme.toml").levels == (1, 2, 3, 4)
    assert parse_policy(TEXT.replace("level = 4", "level = 9"), "acme.toml").levels == (1, 2, 3, 9)
    text = TEXT.split("[[severities]]")
    without_4 = (
        "[[severities]]".join(text[:4]) + "\n[support_hours]" + TEXT.split("[support_hours]")[1]
    )
    assert parse_policy(without_4, "acme.toml").levels == (1, 2, 3)
    assert refused("level = 4", "level = 10").field == "severities.3.level"
    assert refused("level = 4", "level = 0").field == "severities.3.level"
    with pytest.raises(PolicyError, match="severities: .*distinct and in order"):
        parse_policy(TEXT.replace("level = 4", "level = 2"), "acme.toml")


def test_an_error_names_the_line_of_the_field() -> None:
    error = refused("target = { hours = 4 }", "target = { hours = -4 }")
    assert error.field == "severities.0.target.hours"
    assert error.line == line_holding("target = { hours = -4 }".replace("-4", "4"))
    hours = refused('mon = [["08:00", "18:00"]]', 'mon = [["08:00", "28:00"]]')
    assert hours.field == "support_hours" and hours.line == line_holding("mon = [[")
    broken = refused('name = "Plutora Standard SLA"', "name = ")
    assert broken.line == line_holding("name = ") and broken.located.startswith("acme.toml:7: ")


def test_field_lines_follow_tables_arrays_of_tables_and_inline_values() -> None:
    text = (
        'a = 1\n[t]\nx = { y = 2, z = [3, 4] }\nlist = [\n  "one",\n  "two",\n]\n'
        "[[rows]]\nk = 1\n[[rows]]\nk = 2\n[rows.sub]\nq = 'x'\n"
    )
    lines = field_lines(text)
    assert lines[("a",)] == 1 and lines[("t", "x", "z", 1)] == 3
    assert lines[("t", "list", 1)] == 6
    assert lines[("rows", 1, "k")] == 11 and lines[("rows", 1, "sub", "q")] == 13
    assert line_of(text, ("rows", 1, "sub", "missing")) == 12
    assert line_of(text, ("nowhere",)) is None


def test_data_written_as_toml_reads_back_the_same() -> None:
    data = policy_to_data(parse_policy(TEXT))
    assert tomllib.loads(to_toml(data)) == data
    assert parse_policy(to_toml(data)) == parse_policy(TEXT)
