"""The vendor's SLA dashboard: November 2026 worked by hand (tests/dashboard/conftest.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.dashboard.conftest import NOW, Month

from accord.accounts.models import Organisation
from accord.dashboard import services
from accord.reports.build import build_report

pytestmark = pytest.mark.django_db


def customers(world: Any) -> list[services.Customer]:
    return services.dashboard(
        services.customers_with_contracts(Organisation.objects.all()), now=NOW
    )


def by_slug(world: Any) -> dict[str, services.Customer]:
    return {c.organisation.slug: c for c in customers(world)}


def test_figures_of_the_month_so_far(november: Month) -> None:
    world = november.world
    acme, globex = by_slug(world)["acme"], by_slug(world)["globex"]
    assert (acme.month, acme.month_label, acme.timezone) == (
        "2026-11",
        "November 2026",
        "America/Los_Angeles",
    )
    assert [row.module for row in acme.rows] == [
        "Release Manager",
        "Test Environment Manager",
        "Deployment Manager",
        "Reporting",
        "Stryka",
    ]
    release = acme.rows[0]
    # So far: 1 Nov 07:00 UTC to 20 Nov 20:00 UTC is 28,140 minutes, less the windows of 4, 11
    # and 18 November (90 minutes): 28,050 eligible; 60 down: 27,990 / 28,050 = 99.7860...%.
    assert release.uptime == 1 - Fraction(60, 28_050)
    assert release.uptime_percent == "99.786"
    assert not release.met
    # Budget: 0.1% of the whole month's eligible time (43,260 - 4 x 30 = 43,140 minutes) is
    # 43.14 minutes; 60 used: overrun by 16.86 (shown rounded up), allowed shown rounded down.
    assert release.allowed_seconds == Fraction(4314, 100) * 60
    assert release.used_seconds == 3600
    assert release.overrun
    assert (release.overrun_minutes, release.allowed_minutes) == ("16.9", "43.1")
    assert release.budget_left_percent == 0
    for row in acme.rows[1:] + globex.rows:
        assert (row.uptime_percent, row.met, row.remaining_minutes) == ("100.000", True, "43.1")
        assert row.budget_left_percent == 100
        assert row.target_percent == "99.9"

    assert [t.pk for t in acme.at_risk] == [november.at_risk.pk]
    assert acme.at_risk[0].remaining_seconds == 3600  # 12 h target, 11 h used
    assert acme.breached == {3: 1}
    assert globex.at_risk == [] and globex.breached == {}

    # Release Manager in the 5% tier (50.00) and one severity 3 breach at 0.5% (5.00).
    lines = [(line.rule, line.subject, line.amount) for line in acme.credit.lines]
    assert lines == [
        ("uptime_tier", "Release Manager", Decimal("50.00")),
        ("breach", "severity 3", Decimal("5.00")),
    ]
    assert (acme.credit.total_amount, acme.credit.total_percent) == (
        Decimal("55.00"),
        Decimal("5.50"),
    )
    assert globex.credit.lines == []
    assert globex.credit.total_percent == 0
    assert acme.report_url == "/reports/acme/2026-11/"


def test_breaches_are_counted_as_the_months_report_counts_them(november: Month) -> None:
    world = november.world
    report = build_report(world.acme, "2026-11", now=NOW)
    from_report: dict[int, int] = {}
    for line in report.breached_tickets:
        from_report[line.severity] = from_report.get(line.severity, 0) + 1  # type: ignore[index]
    assert by_slug(world)["acme"].breached == from_report == {3: 1}


def keys(rows: list[services.ModuleRow]) -> list[tuple[str, str]]:
    return [(row.customer.organisation.slug, row.module_slug) for row in rows]


def test_sorting_and_filtering(november: Month) -> None:
    world = november.world
    everyone = customers(world)
    by_uptime = services.select_rows(everyone, sort="uptime")
    assert keys(by_uptime)[0] == ("acme", "release-manager")
    assert keys(services.select_rows(everyone, sort="uptime", descending=True))[-1] == (
        "acme",
        "release-manager",
    )
    # Ties keep customer then module order, whichever way the column goes.
    descending = services.select_rows(everyone, sort="uptime", descending=True)
    assert keys(descending)[:2] == [
        ("acme", "test-environment-manager"),
        ("acme", "deployment-manager"),
    ]
    assert [r.customer.organisation.slug for r in services.select_rows(everyone)][:5] == [
        "acme"
    ] * 5
    by_customer_desc = services.select_rows(everyone, sort="customer", descending=True)
    assert by_customer_desc[0].customer.organisation.slug == "globex"
    credit = services.select_rows(everyone, sort="credit", descending=True)
    assert credit[0].customer.organisation.slug == "acme"
    at_risk = services.select_rows(everyone, sort="at_risk", descending=True)
    assert at_risk[0].customer.organisation.slug == "acme"
    assert at_risk[-1].customer.organisation.slug == "globex"
    budget = services.select_rows(everyone, sort="budget")
    assert keys(budget)[0] == ("acme", "release-manager")

    assert keys(services.select_rows(everyone, below_target_only=True)) == [
        ("acme", "release-manager")
    ]
    risky = services.select_rows(everyone, at_risk_only=True)
    assert {row.customer.organisation.slug for row in risky} == {"acme"}
    assert keys(services.select_rows(everyone, module="release-manager")) == [
        ("acme", "release-manager"),
        ("globex", "release-manager"),
    ]
    with pytest.raises(ValueError, match="sort"):
        services.select_rows(everyone, sort="nonsense")


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", row) for row in body.split("<tr")[1:]]


def test_the_page_lists_both_customers_with_their_figures(
    november: Month, frozen_now: Any, client: Client
) -> None:
    world = november.world
    client.force_login(world.agent)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = rows_of(html)
    assert len(rows) == 10
    assert "Acme Corp" in rows[0] and "Release Manager" in rows[0]
    assert "99.786%" in rows[0] and "below target" in rows[0]
    assert "None left" in rows[0] and "16.9 min over the 43.1 min" in rows[0]
    assert "55.00 USD" in rows[0] and "5.50% of the fee" in rows[0]
    assert any("Globex" in row and "100.000%" in row and "43.1 of 43.1 min" in row for row in rows)
    assert 'href="/reports/acme/2026-11/"' in html
    assert 'href="/reports/globex/2026-11/"' in html
    ticket_url = reverse("ticket_detail", args=[november.at_risk.pk])
    assert f'href="{ticket_url}"' in html
    assert "Approvals hang" in html  # the at-risk list
    assert f'href="{reverse("ticket_detail", args=[november.on_track.pk])}"' not in html
    # Instants in the viewer's zone (the vendor's for staff without one), the zone named.
    assert "Fri 20 Nov 2026 12:00 PST" in html
    assert "Fri 20 Nov 2026 13:00 PST" in html  # the at-risk ticket's due time


def test_the_page_sorts_and_filters_by_its_query(
    november: Month, frozen_now: Any, client: Client
) -> None:
    client.force_login(november.world.manager)
    url = reverse("dashboard")
    first = rows_of(client.get(url, {"sort": "-customer"}).content.decode())
    assert "Globex" in first[0] and "Acme Corp" in first[-1]
    html = client.get(url, {"sort": "uptime"}).content.decode()
    assert "Release Manager" in rows_of(html)[0] and "Acme Corp" in rows_of(html)[0]
    assert 'aria-sort="ascending"' in html
    assert "?sort=-uptime" in html  # the heading sorts the other way next
    only = rows_of(client.get(url, {"customer": "globex"}).content.decode())
    assert len(only) == 5 and all("Globex" in row for row in only)
    below = rows_of(client.get(url, {"below_target": "on"}).content.decode())
    assert len(below) == 1 and "Acme Corp" in below[0]
    risky = rows_of(client.get(url, {"at_risk": "on", "module": "stryka"}).content.decode())
    assert len(risky) == 1 and "Acme Corp" in risky[0] and "Stryka" in risky[0]
    # The filter keeps the sort, the sort keeps the filter.
    html = client.get(url, {"region": "us", "sort": "-credit"}).content.decode()
    assert 'name="sort" value="-credit"' in html
    assert "region=us" in html
    # A bad filter is shown on the form, never a 500.
    response = client.get(url, {"customer": "nobody", "sort": "sideways"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_customers_get_404_and_strangers_sign_in(
    november: Month, frozen_now: Any, client: Client
) -> None:
    world = november.world
    for person in world.customers():
        client.force_login(person)
        assert client.get(reverse("dashboard")).status_code == 404
        assert client.get(reverse("dashboard_simulator")).status_code == 404
    client.logout()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for person in world.staff():
        client.force_login(person)
        assert client.get(reverse("dashboard")).status_code == 200
    client.force_login(world.agent)
    assert client.get(reverse("dashboard_simulator")).status_code == 404  # managers only


def test_staff_see_the_link_and_customers_do_not(november: Month, client: Client) -> None:
    client.force_login(november.world.agent)
    assert 'href="/dashboard/"' in client.get(reverse("ticket_list")).content.decode()
    client.force_login(november.world.acme_admin)
    assert 'href="/dashboard/"' not in client.get(reverse("ticket_list")).content.decode()
