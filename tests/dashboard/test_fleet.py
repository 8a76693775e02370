"""The batch dashboard (accord.dashboard.fleet) gives exactly what the per-customer reference
(services.dashboard) gives, on a fleet of 50 varied contracts (tests/dashboard/fleet_seed.py),
and its page pages, sorts, filters and totals over the whole fleet."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.dashboard.conftest import NOW
from tests.dashboard.fleet_seed import seed_fleet
from tests.dashboard.test_dashboard import rows_of

from accord.accounts.models import Organisation
from accord.dashboard import fleet, services
from accord.dashboard.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

FLEET = 50


@pytest.fixture
def fleet_of_50(world: Any, frozen_now: Any) -> Any:
    seed_fleet(FLEET, NOW)
    return world


def row_fields(row: services.ModuleRow) -> tuple[Any, ...]:
    return (
        row.customer.organisation.pk,
        row.module,
        row.module_slug,
        row.region,
        row.region_code,
        row.uptime,
        row.uptime_percent,
        row.target,
        row.target_percent,
        row.met,
        row.allowed_seconds,
        row.used_seconds,
        row.remaining_seconds,
        row.position,
    )


def customer_fields(customer: services.Customer) -> tuple[Any, ...]:
    return (
        customer.organisation.pk,
        customer.organisation.name,
        customer.organisation.slug,
        customer.month,
        customer.month_label,
        customer.timezone,
        customer.at_risk,
        list(customer.breached.items()),  # in order: the page lists them so
        customer.credit,
        [row_fields(row) for row in customer.rows],
    )


def both() -> tuple[list[services.Customer], fleet.Fleet]:
    everyone = Organisation.objects.all()
    reference = services.dashboard(services.customers_with_contracts(everyone), now=NOW)
    return reference, fleet.dashboard(everyone, now=NOW)


def test_the_batch_equals_the_per_customer_path(
    fleet_of_50: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, batch = both()
    assert len(reference) == FLEET + 2 - 1  # Acme, Globex and the fleet but the broken one
    expected = [customer_fields(c) for c in reference]
    assert [customer_fields(c) for c in batch.customers] == expected
    # The events read by ids in chunks of 2, or (beyond 3 chunks) those of every open ticket.
    for chunks in (1_000, 3):
        monkeypatch.setattr("accord.dashboard.fleet_tickets._CHUNK", 2)
        monkeypatch.setattr("accord.dashboard.fleet_tickets._CHUNKS", chunks)
        again = fleet.dashboard(Organisation.objects.all(), now=NOW)
        assert [customer_fields(c) for c in again.customers] == expected
    _, broken = services.split_by_terms(
        services.customers_with_contracts(Organisation.objects.all())
    )
    assert [(e.slug, e.field, e.problem) for e in batch.broken] == [
        (e.slug, e.field, e.problem) for e in broken
    ]
    assert [e.slug for e in batch.broken] == ["fleet-001"]
    # The fleet exercises what it should: every kind of figure differs somewhere.
    assert sum(len(c.at_risk) for c in reference) >= 3
    assert sum(c.breached_total for c in reference) >= 10
    assert {c.credit.currency for c in reference} == {"USD", "EUR"}
    assert any(c.credit.total_amount is None for c in reference)  # no fee
    assert any(not row.met for c in reference for row in c.rows)
    assert len({c.timezone for c in reference}) >= 4
    # The customers with an outage of their own differ from their neighbours.
    own = {c.organisation.slug: c for c in batch.customers}
    assert own["fleet-003"].rows[0].uptime < own["fleet-000"].rows[0].uptime or (
        own["fleet-003"].rows[0].region != own["fleet-000"].rows[0].region
    )
    # Rows are set without `ModuleRow.__init__`: each has every field and nothing else.
    fields = {f.name for f in dataclasses.fields(services.ModuleRow)}
    assert all(set(vars(r)) == fields for c in batch.customers for r in c.rows)
    # The contract whose latest version starts next month is measured by the older one.
    assert own["fleet-002"].rows[0].target_percent == "98"


def test_sorting_and_filtering_equal_the_reference(fleet_of_50: Any) -> None:
    reference, batch = both()
    for sort, descending in [(s, d) for s in services.SORTS for d in (False, True)]:
        for options in (
            {},
            {"module": "stryka"},
            {"at_risk_only": True},
            {"below_target_only": True},
        ):
            expected = services.select_rows(reference, sort=sort, descending=descending, **options)
            found = fleet.select_rows(batch.customers, sort=sort, descending=descending, **options)
            assert [row_fields(r) for r in found] == [row_fields(r) for r in expected]
    with pytest.raises(ValueError, match="sort"):
        fleet.select_rows(batch.customers, sort="sideways")


def test_the_totals_add_up_the_whole_selection(fleet_of_50: Any) -> None:
    reference, batch = both()
    rows = fleet.select_rows(batch.customers)
    totals = fleet.totals(rows)
    assert totals.customers == len(reference)
    assert totals.module_regions == sum(len(c.rows) for c in reference)
    assert totals.below_target == sum(not r.met for c in reference for r in c.rows)
    assert totals.at_risk == sum(len(c.at_risk) for c in reference)
    assert totals.breached == sum(c.breached_total for c in reference)
    money: dict[str, Decimal] = {}
    for c in reference:
        if c.credit.total_amount is not None and not c.credit.problem:
            money[c.credit.currency] = money.get(c.credit.currency, Decimal(0)) + (
                c.credit.total_amount
            )
    assert totals.credits == sorted(money.items())
    assert totals.percent_only == sum(c.credit.total_amount is None for c in reference)


def test_the_page_is_paginated_with_totals_over_every_page(
    fleet_of_50: Any, client: Client
) -> None:
    client.force_login(fleet_of_50.agent)
    url = reverse("dashboard")
    reference, _ = both()
    everything = services.select_rows(reference, sort="-uptime".lstrip("-"), descending=True)
    count = len(everything)
    assert count > 2 * PAGE_SIZE
    last = -(-count // PAGE_SIZE)
    seen: list[str] = []
    for number in range(1, last + 1):
        html = client.get(url, {"sort": "-uptime", "page": number}).content.decode()
        rows = rows_of(html)
        seen.extend(rows)
        assert len(rows) == (PAGE_SIZE if number < last else count - PAGE_SIZE * (last - 1))
        assert f"Page {number} of {last}" in html
        # The totals are the fleet's, on every page.
        assert f"<dt>Customers</dt><dd>{len(reference)}</dd>" in html
        assert f"<dt>Module-regions</dt><dd>{count}</dd>" in html
    assert len(seen) == count
    # Rows come in the order of the whole fleet's sort, one page after another.
    for row, expected in zip(seen, everything, strict=True):
        assert expected.customer.organisation.name in row and expected.module in row
    html = client.get(url, {"sort": "-uptime", "page": 2}).content.decode()
    assert 'href="?sort=-uptime&amp;page=3" rel="next"' in html
    assert 'href="?sort=-uptime&amp;page=1" rel="prev"' in html
    assert "page=" not in html.split("<thead>", 1)[1].split("</thead>", 1)[0]  # sorting: page 1
    # A page out of range shows the last; a filter narrows the totals too.
    html = client.get(url, {"sort": "-uptime", "page": 999}).content.decode()
    assert f"Page {last} of {last}" in html
    below = client.get(url, {"below_target": "on"}).content.decode()
    expected_below = sum(not r.met for c in reference for r in c.rows)
    assert f"<dt>Module-regions</dt><dd>{expected_below}</dd>" in below
    assert len(rows_of(below)) == min(expected_below, PAGE_SIZE)
    # The broken contract is named above the table.
    assert "Contracts that cannot be measured" in below and "fleet-001" in below


def test_a_fleet_filters_by_a_typed_slug(
    fleet_of_50: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("accord.dashboard.forms.CUSTOMER_CHOICES", 10)
    client.force_login(fleet_of_50.manager)
    html = client.get(reverse("dashboard"), {"customer": "fleet-007"}).content.decode()
    assert '<input type="text" name="customer" value="fleet-007"' in html
    assert "<option" not in html.split('name="customer"', 1)[1].split("</div>", 1)[0]
    rows = rows_of(html)
    assert len(rows) == 5 and all("Fleet 007" in row for row in rows)
    assert "<dt>Customers</dt><dd>1</dd>" in html
    wrong = client.get(reverse("dashboard"), {"customer": "nobody"}).content.decode()
    assert "Select a valid choice" in wrong
