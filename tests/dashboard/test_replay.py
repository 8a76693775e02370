"""Replay under a published SLA: Acme's October 2026 measured by shipped policies.

October 2026 in UTC (both policies measure UTC months) is 31 days, 2,678,400 seconds. Acme
has two hours of Release Manager down (major outage) on Tuesday 13 October: 7,200 seconds,
uptime 1 - 7200/2678400 = 99.731% (floored), in AWS's 99.0-99.99 tier: 10% of the fee.
Atlassian Premium counts a minute whose error rate is over 5%: 30 erroring minutes of
Release Manager are 1,800 seconds, 99.932%, over its 99.9% target: no credit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.dashboard.conftest import NOW, outage, utc

from accord.engine.availability import Outage as EngineOutage
from accord.engine.error_rates import read_samples
from accord.engine.measurement import measure_period
from accord.engine.policy_sla import measurement_rule
from accord.engine.timeutil import to_epoch
from accord.monitoring.models import ErrorRateSample, ModuleRegion
from accord.policies import load_builtin
from accord.reports.build import build_report

pytestmark = pytest.mark.django_db

START, END = utc(2026, 10, 13, 10), utc(2026, 10, 13, 12)


@pytest.fixture
def october(world: Any) -> Any:
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    outage("release-manager", START, END)
    return world


def replay(client: Client, **params: str) -> Any:
    query = {"replay-customer": "acme", "replay-month": "2026-10", **params}
    return client.get(reverse("dashboard_simulator"), query)


def _row(response: Any, module_slug: str) -> Any:
    name = ModuleRegion.objects.get(module__slug=module_slug, region__code="us").module.name
    [row] = [row for row in response.context["replayed"].rows if row.module == name]
    return row


def test_october_under_aws_ec2_is_the_engines_figure(
    october: Any, frozen_now: Any, client: Client
) -> None:
    client.force_login(october.manager)
    response = replay(client, **{"replay-policy": "aws-ec2-region"})
    assert response.status_code == 200
    row = _row(response, "release-manager")
    rule = measurement_rule(load_builtin("aws-ec2-region"))
    engine = measure_period(rule, "2026-10", outages=[EngineOutage(to_epoch(START), to_epoch(END))])
    assert engine.credit is not None
    assert row.measurement == engine
    assert row.measurement.uptime_percent == "99.731"
    assert (row.credit_percent, row.credit_amount) == ("10", Decimal("100.00"))
    # Beside it, the contract's own figure for the month, from the month's report.
    report = build_report(october.acme, "2026-10", now=NOW)
    [line] = [line for line in report.uptime if line.module == "release-manager"]
    assert (row.contract_uptime, row.contract_met) == (line.uptime_percent, line.met)
    html = response.content.decode()
    assert "99.731%" in html
    assert "100.00 USD" in html
    assert "Replay under a published SLA" in html


def test_october_under_atlassian_premium_reads_error_rate_samples(
    october: Any, frozen_now: Any, client: Client
) -> None:
    mr = ModuleRegion.objects.get(module__slug="release-manager", region__code="us")
    first = to_epoch(utc(2026, 10, 20, 8))
    starts = [first + 60 * n for n in range(40)]
    # 30 minutes at 10% errors, 10 at exactly 5% (not downtime: "more than 5%").
    errors = [10] * 30 + [5] * 10
    for at, failed in zip(starts, errors, strict=True):
        ErrorRateSample.objects.create(
            module_region=mr,
            source="probes",
            start=datetime.fromtimestamp(at, UTC),
            seconds=60,
            requests=100,
            errors=failed,
            received_at=NOW,
        )
    client.force_login(october.vendor_admin)
    response = replay(client, **{"replay-policy": "atlassian-cloud-premium"})
    assert response.status_code == 200
    row = _row(response, "release-manager")
    rule = measurement_rule(load_builtin("atlassian-cloud-premium"))
    samples = read_samples(starts, [100] * 40, errors, 60)
    engine = measure_period(rule, "2026-10", samples=samples)
    assert row.measurement == engine
    assert engine.downtime_seconds == 1800
    assert row.measurement.uptime_percent == "99.932"
    assert (row.credit_percent, row.credit_amount) == ("0", Decimal("0.00"))
    # A module-region without samples says so; the outage does not count under this policy.
    others = [r for r in response.context["replayed"].rows if r is not row]
    assert others and all(r.no_samples for r in others)
    assert "no error-rate samples for this period" in response.content.decode()


def test_agents_get_404(october: Any, frozen_now: Any, client: Client) -> None:
    client.force_login(october.agent)
    assert replay(client, **{"replay-policy": "aws-ec2-region"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"replay-month": "2026-13", "replay-policy": "aws-ec2-region"}, "month", "YYYY-MM"),
        ({"replay-month": "October", "replay-policy": "aws-ec2-region"}, "month", "YYYY-MM"),
        ({"replay-month": "2027-01", "replay-policy": "aws-ec2-region"}, "month", "2026-11"),
        ({"replay-policy": "aws-lambda"}, "policy", "aws-lambda"),
        ({"replay-customer": "nobody", "replay-policy": "aws-ec2-region"}, "customer", ""),
    ],
)
def test_bad_input_is_a_form_error_naming_the_field(
    october: Any,
    frozen_now: Any,
    client: Client,
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    client.force_login(october.manager)
    response = replay(client, **params)
    assert response.status_code == 200
    form = response.context["replay_form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert response.context["replayed"] is None


def test_a_quarterly_policy_measures_the_quarter_holding_the_month(
    october: Any, frozen_now: Any, client: Client
) -> None:
    client.force_login(october.manager)
    response = replay(client, **{"replay-policy": "slack"})
    assert response.status_code == 200
    answer = response.context["replayed"]
    assert answer.period_label == "2026-Q4"
    assert answer.fee == Decimal("3000.00")  # three months of the contract's fee
    row = _row(response, "release-manager")
    assert row.measurement is not None and row.measurement.period.label == "2026-Q4"


def test_a_german_manager_reads_the_replay_in_german(
    october: Any, frozen_now: Any, client: Client
) -> None:
    october.manager.language = "de"
    october.manager.save()
    client.force_login(october.manager)
    html = replay(client, **{"replay-policy": "atlassian-cloud-premium"}).content.decode()
    assert "Unter einem veröffentlichten SLA nachrechnen" in html
    assert "keine Fehlerraten-Stichproben für diesen Zeitraum" in html
    assert "Vertragssimulator" in html
