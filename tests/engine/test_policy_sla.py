"""The measuring keys of a policy file (accord.engine.policy_sla): period, downtime rule,
scope, credit and sources; bad input named by key and line; the built-in policy unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.strategies import dates

from accord.engine.credit_forms import FeeMultipleCredit, ServiceDaysCredit, TierCredit
from accord.engine.errors import EngineError
from accord.engine.measurement import DowntimeRule
from accord.engine.periods import PeriodKind
from accord.engine.policy import PolicyError, parse_policy, policy_to_data, resolve
from accord.engine.policy_sla import credit_terms, measurement_rule
from accord.policies import DEFAULT_REGIONS

BUILTIN = Path(__file__).parents[2] / "src" / "accord" / "policies" / "plutora-standard.toml"

MINIMAL = """\
id = "example"
name = "Example SLA"
reporting_timezone = "UTC"

[availability]
target_percent = "99.9"
modules = ["Wiki", "Tracker"]
scope = "per_module"

[availability.period]
kind = "quarter"
timezone = "UTC"

[availability.downtime]
rule = "erroring_runs"
sample_seconds = 60
threshold_percent = "5"
min_run = 1

[credit]
form = "tiers"
cap_percent = "50"

[[credit.tiers]]
lower = "99.0"
lower_inclusive = true
upper = "99.9"
upper_inclusive = false
credit_percent = "10"

[[credit.tiers]]
upper = "99.0"
upper_inclusive = false
credit_percent = "25"

[[sources]]
title = "Example SLA"
url = "https://example.com/sla"
read = "read from a stored copy"
sentences = ["Uptime is measured per calendar quarter."]
text_date = "2024-06-14"
read_on = "2026-12-07"
"""


def refused(old: str, new: str) -> PolicyError:
    assert old in MINIMAL
    with pytest.raises(PolicyError) as caught:
        parse_policy(MINIMAL.replace(old, new, 1), "example.toml")
    return caught.value


def test_a_published_sla_reads_into_a_measurement_rule() -> None:
    policy = parse_policy(MINIMAL, "example.toml")
    rule = measurement_rule(policy)
    assert rule.period.kind is PeriodKind.QUARTER
    assert rule.downtime is DowntimeRule.ERRORING_RUNS
    assert rule.error_rate is not None and rule.error_rate.threshold_percent == 5
    assert rule.credit is not None and isinstance(rule.credit.form, TierCredit)
    assert rule.credit.cap_percent == 50
    assert policy.availability.scope == "per_module"
    assert policy.sources is not None and policy.sources[0].url == "https://example.com/sla"
    assert (policy.sources[0].text_date, policy.sources[0].read_on) == ("2024-06-14", "2026-12-07")
    # No [availability.maintenance] table: no scheduled downtime is excluded, whatever notice.
    assert rule.notice_hours is None


def test_an_availability_only_policy_is_no_contracts_terms() -> None:
    policy = parse_policy(MINIMAL, "example.toml")
    with pytest.raises(EngineError, match="^severities: policy example defines no severities"):
        resolve(policy, DEFAULT_REGIONS["us"])


def test_the_builtin_policy_keeps_its_data_and_measures_as_before() -> None:
    policy = parse_policy(BUILTIN.read_text(encoding="utf-8"), "plutora-standard.toml")
    data = policy_to_data(policy)
    for key in ("credit", "sources"):
        assert key not in data
    for key in ("period", "downtime", "scope"):
        assert key not in data["availability"]
    with pytest.raises(EngineError, match="^timezone: policy plutora-standard measures"):
        measurement_rule(policy)
    rule = measurement_rule(policy, "America/Los_Angeles")
    assert rule.period.kind is PeriodKind.MONTH
    assert rule.period.timezone == "America/Los_Angeles"
    assert rule.maintenance is not None and len(rule.maintenance.weekly) == 1
    assert rule.notice_hours == 48
    terms = credit_terms(policy)
    assert terms is not None and terms.cap_percent == 30  # the penalty schedule's tiers and cap


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "problem"),
    [
        ('kind = "quarter"', 'kind = "fortnight"', "availability.period.kind", 11, "Input should"),
        (
            'quarter"\ntimezone = "UTC"',
            'quarter"\ntimezone = "Mars/Base"',
            "availability.period.timezone",
            12,
            "",
        ),
        ('rule = "erroring_runs"', 'rule = "sometimes"', "availability.downtime.rule", 15, ""),
        (
            "sample_seconds = 60\n",
            "",
            "availability.downtime.sample_seconds",
            14,
            "is required when",
        ),
        (
            'threshold_percent = "5"',
            'threshold_percent = "105"',
            "availability.downtime.threshold_percent",
            17,
            "between 0 and 100",
        ),
        (
            'threshold_percent = "5"',
            "threshold_percent = 5",
            "availability.downtime.threshold_percent",
            17,
            "string",
        ),
        ('scope = "per_module"', 'scope = "per_region"', "availability.scope", 8, ""),
        ('form = "tiers"', 'form = "coupons"', "credit.form", 21, ""),
        (
            'form = "tiers"',
            'form = "fee_multiple"',
            "credit.tiers",
            24,
            "not used when form is fee_multiple",
        ),
        (
            'credit_percent = "25"',
            'credit_percent = "250"',
            "credit.tiers[1].credit_percent",
            34,
            "at most 100",
        ),
        (
            'upper = "99.0"\nupper_inclusive = false',
            'upper = "99.0"',
            "credit.tiers[1].upper_inclusive",
            31,
            "is required with upper",
        ),
        (
            'cap_percent = "50"',
            'cap_percent = "150"',
            "credit.cap_percent",
            22,
            "between 0 and 100",
        ),
        ('url = "https://example.com/sla"', 'url = "example.com"', "sources.0.url", 38, "pattern"),
        (
            'sentences = ["Uptime is measured per calendar quarter."]',
            "sentences = []",
            "sources.0.sentences",
            40,
            "",
        ),
        ('read = "read from a stored copy"\n', "", "sources.0.read", 36, "Field required"),
        (
            'text_date = "2024-06-14"',
            'text_date = "14 June 2024"',
            "sources.0.text_date",
            41,
            "is not a date YYYY-MM-DD",
        ),
        (
            'text_date = "2024-06-14"',
            'text_date = "2024-02-30"',
            "sources.0.text_date",
            41,
            "is not a calendar date",
        ),
        ('read_on = "2026-12-07"', "read_on = 2026-12-07", "sources.0.read_on", 42, "string"),
        (
            'read_on = "2026-12-07"',
            'read_on = "2024-06-13"',
            "sources.0.read_on",
            42,
            "2024-06-13 is before text_date 2024-06-14",
        ),
    ],
)
def test_bad_measuring_keys_are_named_with_their_line(
    old: str, new: str, field: str, line: int, problem: str
) -> None:
    error = refused(old, new)
    # A table's own validator names the key inside it at the start of the problem.
    assert field in error.located.replace(": ", "."), error.located
    assert error.line == line, error.located
    assert problem in error.problem, error.located
    assert error.located.startswith(f"example.toml:{line}: ")


def test_fee_multiple_and_service_days() -> None:
    slack = MINIMAL.replace(
        MINIMAL[MINIMAL.index("[credit]") : MINIMAL.index("[[sources]]")],
        '[credit]\nform = "fee_multiple"\nmultiple = "10"\n\n',
    )
    terms = credit_terms(parse_policy(slack, "slack.toml"))
    assert terms is not None and terms.form == FeeMultipleCredit(Fraction(10))
    days = (
        MINIMAL.replace('form = "tiers"', 'form = "service_days"')
        .replace('credit_percent = "10"', "credit_days = 3")
        .replace('credit_percent = "25"', "credit_days = 7")
    )
    terms = credit_terms(parse_policy(days, "days.toml"))
    assert terms is not None and isinstance(terms.form, ServiceDaysCredit)
    assert terms.form.days == (3, 7)
    with pytest.raises(PolicyError, match=r"credit: tiers\[1\].credit_days"):
        parse_policy(days.replace("credit_days = 7", "credit_days = -7"), "days.toml")


def test_a_source_may_leave_its_dates_out() -> None:
    # A text that shows no date of its own (GitHub's, Cloud Run's) says so in `read` instead.
    text = MINIMAL.replace('text_date = "2024-06-14"\n', "").replace('read_on = "2026-12-07"\n', "")
    sources = parse_policy(text, "example.toml").sources
    assert sources is not None and (sources[0].text_date, sources[0].read_on) == (None, None)


@settings(max_examples=60, deadline=None)
@given(dated=dates(date(2000, 1, 1), date(2099, 12, 31)), later=st.integers(-400, 400))
def test_a_source_is_read_on_or_after_its_date(dated: date, later: int) -> None:
    read = dated + timedelta(days=later)
    text = MINIMAL.replace("2024-06-14", dated.isoformat()).replace("2026-12-07", read.isoformat())
    if later >= 0:
        sources = parse_policy(text, "example.toml").sources
        assert sources is not None and sources[0].read_on == read.isoformat()
    else:
        with pytest.raises(PolicyError, match="sources.0: read_on: .* is before text_date"):
            parse_policy(text, "example.toml")
