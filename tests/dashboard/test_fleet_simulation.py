"""The batch simulator equals the per-customer one: on a small fleet (`accord demo --fleet`),
every customer's every month, under changed terms and under one policy for every contract,
gives the figures `build_report` gives twice per month (`simulator.simulate_by_reports`).

One test, because making the fleet takes half a minute (tests/demo/test_fleet.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from accord.accounts.models import Contract, Organisation
from accord.dashboard import reevaluation, simulator
from accord.demo.fleet import SLUG_PREFIX
from accord.policies import BUILTIN_POLICY, builtin_text, load_builtin

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
COUNT, TEMPLATES = 12, 4
MONTHS = simulator.month_range("2025-12", "2026-11")  # the last one provisional
CHANGES = simulator.Changes(
    severity_calendars={1: "always"},
    severity_targets={2: {"hours": 6}},
    target_percent="99.95",
    penalties={
        "currency": "USD",
        "uptime_tiers": [
            {"upper": "99.95", "upper_inclusive": False, "credit_percent": "10"},
        ],
        "breach_penalties": [{"severity": 1, "percent": "2"}, {"severity": 2, "amount": "150"}],
        "cap": {"percent": "30"},
    },
)


def _figures(result: simulator.Simulation) -> list[Any]:
    """Everything the simulator's page shows, month by month."""
    months = [
        (
            month.month,
            month.provisional,
            [(r.severity, r.breached, r.met) for r in month.severities],
            [
                (t.id, t.summary, t.module, t.reported_at, side.outcome, side.used_seconds)
                + (side.target_seconds, side.breached_at, side.severity)
                for t in month.tickets
                for side in (t.current, t.simulated)
            ],
            [(m.module, m.uptime, m.target, m.met) for m in month.modules],
            month.credit_percent,
            month.credit_amount,
            month.currency,
            [(name, statement) for name, statement in month.statements],
            month.current.period.timezone,
        )
        for month in result.months
    ]
    totals = [
        [(r.severity, r.breached, r.met) for r in result.severities],
        result.tickets_changed,
        result.credit_percent,
        result.credit_amount,
        result.currency,
    ]
    return [months, totals]


def test_the_batch_gives_every_customer_and_month_the_reports_figures(
    db: None, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    call_command(
        "demo",
        "--fleet",
        str(COUNT),
        "--templates",
        str(TEMPLATES),
        "--no-serve",
        stdout=StringIO(),
    )
    customers = list(
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX)
        .select_related("contract", "region")
        .order_by("slug")
    )
    assert len(customers) == COUNT

    # The simulator's changed terms, customer by customer: the page's figures are equal.
    changed_tickets = 0
    for organisation in customers:
        terms = simulator.changed_terms(organisation, CHANGES)
        batch = simulator.simulate(organisation, MONTHS, terms, now=NOW)
        reference = simulator.simulate_by_reports(organisation, MONTHS, terms, now=NOW)
        assert _figures(batch) == _figures(reference), organisation.slug
        changed_tickets += batch.tickets_changed
    assert changed_tickets > 0  # the changes change outcomes: the comparison is not idle

    # Every contract on the built-in policy: the fleet's rows, one per customer and month.
    proposed = reevaluation.policy_terms(load_builtin())
    result = reevaluation.re_evaluate(customers, MONTHS, proposed, now=NOW)
    assert [(r.customer, r.month) for r in result.rows] == [
        (o.slug, month) for o in customers for month in MONTHS
    ]
    rows = {(r.customer, r.month): r for r in result.rows}
    expected = {"current": Decimal(0), "proposed": Decimal(0)}
    for organisation in customers:
        reference = simulator.simulate_by_reports(
            organisation, MONTHS, proposed(organisation), now=NOW
        )
        for month in reference.months:
            row = rows[(organisation.slug, month.month)]
            assert (row.current_amount, row.proposed_amount) == (
                month.credit_amount.current,
                month.credit_amount.simulated,
            )
            assert (row.current_percent, row.proposed_percent) == (
                month.credit_percent.current,
                month.credit_percent.simulated,
            )
            assert (row.current_currency, row.proposed_currency) == (
                month.currency.current,
                month.currency.simulated,
            )
            assert (row.current_breaches, row.proposed_breaches) == (
                sum(s.breached.current for s in month.severities),
                sum(s.breached.simulated for s in month.severities),
            )
            assert row.provisional is month.provisional
            expected["current"] += Decimal(row.current_amount or 0)
            expected["proposed"] += Decimal(row.proposed_amount or 0)
    assert any(r.current_amount != r.proposed_amount for r in result.rows)
    [total] = result.totals.values()  # the fleet's contracts are all in US dollars
    assert total.months == COUNT * len(MONTHS)
    assert (total.current, total.proposed) == (expected["current"], expected["proposed"])
    assert total.current != total.proposed

    # The command: the same totals as JSON, and CSV rows.
    policy = tmp_path / "policy.toml"
    policy.write_text(builtin_text(BUILTIN_POLICY))
    out = StringIO()
    call_command(
        "simulate",
        "--fleet",
        "--policy",
        str(policy),
        "--months",
        "2025-12..2026-11",
        "--format",
        "json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["totals"][0]["current"] == str(total.current)
    assert data["totals"][0]["proposed"] == str(total.proposed)
    assert len(data["rows"]) == COUNT * len(MONTHS)
    out = StringIO()
    slugs = f"{customers[0].slug},{customers[1].slug}"
    call_command(
        "simulate",
        "--customers",
        slugs,
        "--policy",
        str(policy),
        "--months",
        "2026-10..2026-11",
        "--format",
        "csv",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("customer,month,provisional,current_currency,current_amount")
    assert [line.split(",")[:2] for line in lines[1:]] == [
        [o.slug, m] for o in customers[:2] for m in ("2026-10", "2026-11")
    ]


def test_a_contract_with_broken_terms_is_a_row_that_says_so(world: Any) -> None:
    """One broken contract does not stop the fleet: its months say why, the others count."""
    Contract.objects.filter(organisation=world.acme).update(penalties={"currency": 5})
    customers = list(
        Organisation.objects.filter(pk__in=[world.acme.pk, world.globex.pk])
        .select_related("contract", "region")
        .order_by("slug")
    )
    result = reevaluation.re_evaluate(
        customers, ["2026-10"], reevaluation.policy_terms(load_builtin()), now=NOW
    )
    broken, fine = result.rows
    assert (broken.customer, fine.customer) == ("acme", "globex")
    assert "penalties" in broken.error and broken.current_amount is None
    assert (fine.error, fine.current_amount, fine.proposed_amount) == ("", "0", "0")
