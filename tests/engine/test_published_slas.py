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
def test_each_file_says_where_it_comes_from_and_when_it_was_read(name: str) -> None:
    sources = policy(name).sources
    assert sources, name
    for source in sources:
        assert source.url.startswith("https://")
        assert source.read_on == "2026-12-07"
        assert "as recalled, not re-read" not in source.read
        assert source.sentences
    # The first source is the provider's own text, with its date where the copy shows one.
    first = sources[0]
    assert first.read.startswith("read 2026-12-07 from a stored copy")
    assert first.text_date is not None or "no date" in first.read or 'no "Last' in first.read


@pytest.mark.parametrize(
    ("name", "text_date"),
    [
        ("aws-ec2-region", "2022-05-05"),
        ("aws-s3-standard", "2023-11-28"),
        ("atlassian-cloud-premium", "2024-10-07"),
        ("atlassian-cloud-enterprise", "2024-10-07"),
        ("slack", "2024-06-14"),
        ("github-enterprise-cloud", None),  # GitHub's text carries no date
        ("google-cloud", None),  # the stored Cloud Run text shows no "Last modified"
    ],
)
def test_each_file_names_the_date_of_the_text_it_encodes(name: str, text_date: str | None) -> None:
    sources = policy(name).sources
    assert sources is not None and sources[0].text_date == text_date


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


# S3 Standard: "less than 99.9% but greater than or equal to 99.0%" and so on. In October the
# mean of 8,928 interval error rates lands exactly on a bound when the rates add up to 8,928
# times the missing percent: intervals at 99.2% errors (992 of 1,000 requests) do it.
@pytest.mark.parametrize(
    ("intervals", "errors", "uptime_percent", "credit"),
    [
        (9, 992, "99.9", 0),  # exactly 99.9%: not "less than 99.9%"
        (9, 993, None, 10),  # just below 99.9%
        (90, 992, "99", 10),  # exactly 99.0%: "greater than or equal to 99.0%"
        (90, 993, None, 25),
        (450, 992, "95", 25),  # exactly 95.0%
        (450, 993, None, 100),  # "less than 95.0%"
    ],
)
def test_aws_s3_tiers_at_the_boundaries(
    intervals: int, errors: int, uptime_percent: str | None, credit: int
) -> None:
    rule = measurement_rule(policy("aws-s3-standard"))
    starts = [at("2026-10-10T00:00:00") + 300 * i for i in range(intervals)]
    samples = read_samples(starts, [1000] * intervals, [errors] * intervals, 300)
    result = measure_period(rule, "2026-10", samples=samples)
    if uptime_percent is not None:
        assert result.uptime_fraction * 100 == Fraction(uptime_percent)
    assert result.credit is not None and result.credit.percent == credit


def test_atlassian_published_example_30_day_month_60_minutes_is_99_86() -> None:
    # The text's example: 43,200 minutes, 60 Downtime Minutes, 0.138889%, 99.86%, 10%.
    for name, target in (
        ("atlassian-cloud-premium", "99.9"),
        ("atlassian-cloud-enterprise", "99.95"),
    ):
        rule = measurement_rule(policy(name))
        samples = down_minutes(at("2026-11-03T09:00:00"), 60, rate_percent=6)
        result = measure_period(rule, "2026-11", samples=samples)
        assert result.period_days == 30
        assert result.eligible_seconds == 43_200 * MINUTE
        assert result.downtime_seconds == 60 * MINUTE
        assert result.uptime_fraction == 1 - Fraction(60, 43_200)  # 100% - 0.138889%
        assert result.uptime_percent == "99.861", name  # "99.86%"
        assert not result.met, f"below {target}%"
        assert result.credit is not None and result.credit.percent == 10


@pytest.mark.parametrize(
    ("failed", "downtime"),
    [
        (100, True),  # every Covered Experience inoperable: 100%, a Downtime Minute
        (10, True),  # 10 of 100 requests: 10%, a Downtime Minute
        (1, False),  # 1 of 100: 1%, not a Downtime Minute
        (5, False),  # exactly 5% is not "greater than 5%"
        (6, True),
    ],
)
def test_atlassian_error_rate_examples_of_the_text(failed: int, downtime: bool) -> None:
    rule = measurement_rule(policy("atlassian-cloud-premium"))
    samples = down_minutes(at("2026-11-03T09:00:00"), 1, rate_percent=failed)
    result = measure_period(rule, "2026-11", samples=samples)
    assert result.downtime_seconds == (MINUTE if downtime else 0)


# A 30-day month has 43,200 minutes: 99.9% leaves 43.2 Downtime Minutes, 99.95% 21.6,
# 99.0% exactly 432 and 95.0% exactly 2,160.
@pytest.mark.parametrize(
    ("name", "minutes", "credit"),
    [
        ("atlassian-cloud-premium", 43, 0),  # 99.9005%: meets 99.9%
        ("atlassian-cloud-premium", 44, 10),
        ("atlassian-cloud-enterprise", 21, 0),  # 99.9514%: meets 99.95%
        ("atlassian-cloud-enterprise", 22, 10),
        ("atlassian-cloud-premium", 432, 10),  # exactly 99.0%: the 10% tier holds 99.0%
        ("atlassian-cloud-premium", 433, 25),
        ("atlassian-cloud-enterprise", 2160, 25),  # exactly 95.0%
        ("atlassian-cloud-enterprise", 2161, 50),
    ],
)
def test_atlassian_tiers_at_the_boundaries(name: str, minutes: int, credit: int) -> None:
    rule = measurement_rule(policy(name))
    samples = down_minutes(at("2026-11-02T00:00:00"), minutes, rate_percent=100)
    result = measure_period(rule, "2026-11", samples=samples)
    assert result.credit is not None and result.credit.percent == credit


# GitHub: Q4 2026 has 132,480 minutes; 1% is 1,324.8 minutes, 0.1% is 132.48 minutes.
@pytest.mark.parametrize(
    ("outage_seconds", "credit"),
    [
        (132 * MINUTE, 0),  # above 99.9%
        (7948, 0),  # 0.1% of the quarter is 7,948.8 s: still above 99.9%
        (7949, 10),  # just below 99.9%
        (1324 * MINUTE + 47, 10),  # just above 99.0%: "greater than 99.0%"
        (1324 * MINUTE + 48, 0),  # exactly 99.0%: neither "greater than" nor "less than"
        (1324 * MINUTE + 49, 25),  # "less than 99.0%"
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


def test_github_covers_the_minute_based_features_only() -> None:
    # Actions and Packages have their own calculations in the text: not this rule.
    modules = policy("github-enterprise-cloud").availability.modules
    assert "Issues" in modules and "Pages" in modules
    assert "Actions" not in modules and "Packages" not in modules


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


def test_slack_names_the_current_text_it_does_not_encode() -> None:
    # Slack archived the 99.99% text; the current one (2024-07-11) promises best efforts only.
    sources = policy("slack").sources
    assert sources is not None
    assert [s.text_date for s in sources] == ["2024-06-14", "2019-08-15", "2024-07-11"]
    assert "not encoded" in sources[-1].title


def test_slack_a_quarter_at_99_99_percent_earns_nothing() -> None:
    # Q4 2026: 92 days, 0.01% of it is 794.88 s. Below the commitment the credit starts.
    rule = measurement_rule(policy("slack"))
    start = at("2026-11-14T02:00:00")
    met = measure_period(rule, "2026-Q4", outages=[Outage(start, start + 794)])
    assert met.met and met.credit is not None and met.credit.percent == 0
    missed = measure_period(rule, "2026-Q4", outages=[Outage(start, start + 795)])
    assert not missed.met and missed.credit is not None
    assert missed.credit.percent == Fraction(10 * 795 * 100, 92 * DAY)


# Cloud Run: "Downtime" is more than a 1% Error Rate; one minute is a "Downtime Period".
# October 2026 in US Pacific time (all PDT) has 44,640 minutes: 99.95% leaves 22.32 minutes,
# 99.0% 446.4 and 95.0% 2,232.
def test_google_one_minute_above_1_percent_is_a_downtime_period() -> None:
    rule = measurement_rule(policy("google-cloud"))
    start = at("2026-10-07T12:00:00")
    assert measure_period(rule, "2026-10", samples=down_minutes(start, 1, 2)).downtime_seconds == 60
    exactly = measure_period(rule, "2026-10", samples=down_minutes(start, 5, 1))
    assert exactly.downtime_seconds == 0  # exactly 1% is not "more than"
    # Intermittent minutes count each: one minute down, one up, one down.
    starts = [start, start + 2 * MINUTE]
    samples = read_samples(starts, [100, 100], [2, 2], MINUTE)
    assert measure_period(rule, "2026-10", samples=samples).downtime_seconds == 2 * MINUTE


@pytest.mark.parametrize(
    ("minutes", "credit"),
    [(22, 0), (23, 10), (446, 10), (447, 25), (2232, 25), (2233, 50)],
)
def test_google_tiers_at_the_boundaries(minutes: int, credit: int) -> None:
    rule = measurement_rule(policy("google-cloud"))
    assert rule.period.bounds("2026-10").end - rule.period.bounds("2026-10").start == 44_640 * 60
    samples = down_minutes(at("2026-10-07T12:00:00"), minutes, rate_percent=50)
    result = measure_period(rule, "2026-10", samples=samples)
    assert result.credit is not None and result.credit.percent == credit


def test_google_the_cap_is_50_percent() -> None:
    rule = measurement_rule(policy("google-cloud"))
    assert rule.credit is not None and rule.credit.cap_percent == 50
    # A month mostly down earns the top tier, 50%, which the cap allows.
    long = down_minutes(at("2026-10-02T00:00:00"), 30 * 1440, rate_percent=50)
    result = measure_period(rule, "2026-10", samples=long)
    assert result.credit is not None and result.credit.percent == 50


@pytest.mark.parametrize("name", PUBLISHED)
def test_each_file_round_trips_through_stored_data(name: str) -> None:
    from accord.engine.policy import policy_from_data, policy_to_data

    assert policy_from_data(policy_to_data(policy(name)), name) == policy(name)
