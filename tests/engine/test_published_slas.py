"""The published SLAs shipped as policy files, each with its worked examples: what a customer
of AWS, Atlassian, GitHub, Slack or Google Cloud would check the figures against."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from accord.engine.availability import Outage
from accord.engine.credit_forms import period_credit
from accord.engine.error_rates import read_samples
from accord.engine.measurement import DowntimeRule, ScheduledDowntime, measure_period
from accord.engine.policy import Policy, parse_policy
from accord.engine.policy_sla import measurement_rule

FOLDER = Path(__file__).parents[2] / "src" / "accord" / "policies"
MINUTE, HOUR, DAY = 60, 3600, 86_400
PUBLISHED = (
    "aws-ec2-region",
    "aws-s3-standard",
    "atlassian-cloud-premium",
    "atlassian-cloud-enterprise",
    "github-enterprise-cloud",
    "slack",
    "google-cloud",
)


def policy(name: str) -> Policy:
    return parse_policy((FOLDER / f"{name}.toml").read_text(encoding="utf-8"), f"{name}.toml")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def down_minutes(start: int, count: int, rate_percent: int = 100, step: int = MINUTE):
    starts = [start + step * i for i in range(count)]
    return read_samples(starts, [100] * count, [rate_percent] * count, step)


@pytest.mark.parametrize("name", PUBLISHED)
def test_each_file_says_where_it_comes_from_and_that_it_was_not_re_read(name: str) -> None:
    sources = policy(name).sources
    assert sources, name
    for source in sources:
        assert source.url.startswith("https://")
        assert "as recalled, not re-read" in source.read
        assert source.sentences


# AWS Compute, region-level: 10% / 30% / 100% below 99.99% / 99.0% / 95.0%.
# October 2026 has 44,640 minutes: 1% of it is 446.4 minutes.
@pytest.mark.parametrize(
    ("down_seconds", "credit"),
    [
        (0, 0),
        (267, 0),  # 267.84 s is 0.01% of the month: 267 s leaves uptime above 99.99%
        (268, 10),  # just below 99.99%
        (446 * MINUTE + 24, 10),  # exactly 99.0%: "equal to or greater than 99.0%" -> 10%
        (446 * MINUTE + 25, 30),  # just below 99.0%
        (2232 * MINUTE, 30),  # exactly 95.0% -> 30%
        (2232 * MINUTE + 1, 100),
    ],
)
def test_aws_ec2_region_tiers_at_the_boundaries(down_seconds: int, credit: int) -> None:
    start = at("2026-10-05T00:00:00")
    outages = [Outage(start, start + down_seconds)] if down_seconds else []
    result = measure_period(measurement_rule(policy("aws-ec2-region")), "2026-10", outages=outages)
    assert result.credit is not None and result.credit.percent == credit


def test_aws_s3_is_100_minus_the_mean_five_minute_error_rate() -> None:
    # October: 8,928 five-minute intervals. 90 of them at 100% errors: 1 - 90/8928 = 98.99...%,
    # below 99.0% -> 25%; 89 of them: 99.003% -> 10%.
    rule = measurement_rule(policy("aws-s3-standard"))
    start = at("2026-10-10T00:00:00")
    for intervals, credit in ((89, 10), (90, 25)):
        samples = down_minutes(start, intervals, step=300)
        result = measure_period(rule, "2026-10", samples=samples)
        assert result.uptime_fraction == 1 - Fraction(intervals, 8928)
        assert result.credit is not None and result.credit.percent == credit


def test_atlassian_published_example_30_day_month_60_minutes_is_99_86() -> None:
    for name, target in (
        ("atlassian-cloud-premium", "99.9"),
        ("atlassian-cloud-enterprise", "99.95"),
    ):
        rule = measurement_rule(policy(name))
        samples = down_minutes(at("2026-11-03T09:00:00"), 60, rate_percent=6)
        result = measure_period(rule, "2026-11", samples=samples)
        assert result.period_days == 30
        assert result.uptime_percent == "99.861", name  # "99.86%"
        assert not result.met, f"below {target}%"
        assert result.credit is not None and result.credit.percent == 10


def test_atlassian_exactly_5_percent_is_not_downtime() -> None:
    rule = measurement_rule(policy("atlassian-cloud-premium"))
    samples = down_minutes(at("2026-11-03T09:00:00"), 60, rate_percent=5)
    assert measure_period(rule, "2026-11", samples=samples).uptime_fraction == 1


# GitHub: Q4 2026 has 132,480 minutes; 1% is 1,324.8 minutes, 0.1% is 132.48 minutes.
@pytest.mark.parametrize(
    ("outage_seconds", "credit"),
    [
        (132 * MINUTE, 0),  # above 99.9%
        (7948, 0),  # 0.1% of the quarter is 7,948.8 s: still above 99.9%
        (7949, 10),  # just below 99.9%
        (1324 * MINUTE + 48, 10),  # exactly 99.0%: not "less than 99.0%" -> 10%
        (1324 * MINUTE + 49, 25),
    ],
)
def test_github_quarter_tiers_and_exactly_99_0(outage_seconds: int, credit: int) -> None:
    rule = measurement_rule(policy("github-enterprise-cloud"))
    # Erroring minutes cannot land on a boundary to the second: the text's other downtime
    # (unavailability, given as outages) can, so the same terms are asked with outages.
    result = measure_period(
        replace(rule, downtime=DowntimeRule.OUTAGES, error_rate=None),
        "2026-Q4",
        outages=[Outage(at("2026-11-02T00:00:00"), at("2026-11-02T00:00:00") + outage_seconds)],
    )
    assert result.credit is not None and result.credit.percent == credit


def test_github_exactly_99_9_still_earns_10_percent() -> None:
    rule = measurement_rule(policy("github-enterprise-cloud"))
    # 0.1% of Q4 2026 is 7,948.8 s; erroring minutes cannot land on it, so the rule is asked
    # directly about the uptime the text names.
    assert rule.credit is not None
    result = period_credit(
        rule.credit,
        uptime_fraction=Fraction(999, 1000),
        met=True,
        downtime_seconds=Fraction(79488, 10),
        period_seconds=92 * DAY,
        period_days=92,
    )
    assert result.percent == 10


def test_github_erroring_minutes_over_a_quarter() -> None:
    rule = measurement_rule(policy("github-enterprise-cloud"))
    samples = down_minutes(at("2026-12-31T22:00:00"), 133, rate_percent=6)  # 13 run into 2027
    result = measure_period(rule, "2026-Q4", samples=samples)
    assert result.downtime_seconds == 120 * MINUTE
    assert result.credit is not None and result.credit.percent == 0


def test_slack_10x_the_fee_for_the_downtime_and_48_hours_notice() -> None:
    rule = measurement_rule(policy("slack"))
    start = at("2026-11-14T02:00:00")
    outages = [Outage(start, start + HOUR)]
    result = measure_period(rule, "2026-Q4", outages=outages)
    assert result.credit is not None
    assert result.credit.amount(Decimal("9200.00")) == Fraction(125, 3)
    announced = ScheduledDowntime(start, start + HOUR, start - 48 * HOUR)
    late = ScheduledDowntime(start, start + HOUR, start - 47 * HOUR)
    assert measure_period(rule, "2026-Q4", outages=outages, scheduled=[announced]).met
    assert not measure_period(rule, "2026-Q4", outages=outages, scheduled=[late]).met


def test_google_runs_shorter_than_five_minutes_do_not_count_and_the_cap_is_50() -> None:
    rule = measurement_rule(policy("google-cloud"))
    assert rule.credit is not None and rule.credit.cap_percent == 50
    start = at("2026-10-07T12:00:00")
    # Four erroring minutes, a good one, four more: no Downtime Period at all.
    starts = [start + MINUTE * i for i in (0, 1, 2, 3, 5, 6, 7, 8)]
    samples = read_samples(starts, [100] * 8, [11] * 8, MINUTE)
    assert measure_period(rule, "2026-10", samples=samples).uptime_fraction == 1
    # Five minutes at 11% is a Downtime Period; at exactly 10% it is not.
    five = down_minutes(start, 5, rate_percent=11)
    assert measure_period(rule, "2026-10", samples=five).downtime_seconds == 5 * MINUTE
    assert measure_period(rule, "2026-10", samples=down_minutes(start, 5, 10)).downtime_seconds == 0
    # A month mostly down earns the top tier, 50%, which the cap allows.
    long = down_minutes(at("2026-10-02T00:00:00"), 30 * 1440, rate_percent=50)
    result = measure_period(rule, "2026-10", samples=long)
    assert result.credit is not None and result.credit.percent == 50


@pytest.mark.parametrize("name", PUBLISHED)
def test_each_file_round_trips_through_stored_data(name: str) -> None:
    from accord.engine.policy import policy_from_data, policy_to_data

    assert policy_from_data(policy_to_data(policy(name)), name) == policy(name)
