"""The contract simulator: October 2026 re-run under changed terms, worked by hand.

October 2026 in Pacific time is PDT throughout (DST ends on 1 November): 44,640 minutes, less
the Wednesday windows of 7, 14, 21 and 28 October (120 minutes) = 44,520 eligible minutes.
Now is 20 November 2026, after October's cut-off (3 November), so both sides are final.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.dashboard.conftest import NOW, outage, pdt, restore, ticket, utc

from accord.accounts.models import Contract
from accord.dashboard import simulator
from accord.helpdesk.models import Ticket
from accord.reports.models import ReportVersion

pytestmark = pytest.mark.django_db

NEW_TIERS = """\
currency = "USD"

[[uptime_tiers]]
lower = "99.0"
lower_inclusive = true
upper = "99.9"
upper_inclusive = false
credit_percent = "10"
"""

BAD_TIERS = (
    NEW_TIERS
    + """
[[uptime_tiers]]
upper = "99.0"
upper_inclusive = false
credit_percent = "lots"
"""
)


@pytest.fixture
def october(world: Any) -> Any:
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    return world


@pytest.fixture
def saturday_ticket(october: Any) -> Any:
    """Severity 1 (4 hours) reported Saturday 17 October 10:00 PDT, restored the same day at
    20:00. In support hours (Monday-Friday) the clock never ran: met with 0 used. Counted 24x7
    it used 10 hours: breached at 14:00 PDT."""
    item = ticket(october, october.acme, pdt(2026, 10, 17, 10), 1, "Everything is down")
    restore(october, item, pdt(2026, 10, 17, 20))
    return item


def run(client: Client, **params: str) -> Any:
    return client.get(reverse("dashboard_simulator"), {"customer": "acme", **params})


def test_a_24x7_severity_1_turns_a_saturday_ticket_into_a_breach(
    saturday_ticket: Any, frozen_now: Any
) -> None:
    acme = saturday_ticket.organisation
    terms = simulator.changed_terms(acme, simulator.Changes(severity_calendars={1: "always"}))
    result = simulator.simulate(acme, ["2026-10"], terms, now=NOW)
    [month] = result.months
    assert not month.provisional
    [change] = month.tickets
    assert change.id == saturday_ticket.pk
    assert (change.current.outcome, change.current.used_seconds) == ("met", 0)
    assert (change.simulated.outcome, change.simulated.used_seconds) == ("breached", 10 * 3600)
    assert change.simulated.breached_at == "2026-10-17T21:00:01Z"  # 14:00:01 PDT
    severity_1 = month.severities[0]
    assert (severity_1.breached.current, severity_1.breached.simulated) == (0, 1)
    assert severity_1.breached.delta == 1
    # A severity 1 breach costs 2% of the 1,000.00 fee.
    assert month.current.statement.lines == []
    assert [(line.rule, line.amount) for line in month.simulated.statement.lines] == [
        ("breach", "20.00")
    ]
    assert (month.credit_amount.current, month.credit_amount.simulated) == ("0", "20.00")
    assert month.credit_amount.delta == Decimal("20.00")
    assert result.tickets_changed == 1
    assert result.credit_amount.delta == Decimal("20.00")


def test_the_page_shows_the_difference_and_saves_nothing(
    saturday_ticket: Any, october: Any, frozen_now: Any, client: Client
) -> None:
    client.force_login(october.manager)
    contract_before = Contract.objects.values().get(organisation=saturday_ticket.organisation)
    ticket_before = Ticket.objects.values().get(pk=saturday_ticket.pk)
    response = run(client, month_from="2026-10", calendar="contract", calendar_1="always")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Everything is down" in html
    assert reverse("ticket_detail", args=[saturday_ticket.pk]) in html
    assert "Breached" in html and "Met" in html
    assert "20.00 USD" in html and "+20.00" in html
    assert 'href="/reports/acme/2026-10/"' in html
    # Reported Saturday 17 October 10:00 PDT, shown in the viewer's zone (the vendor's), named.
    assert "Sat 17 Oct 2026 10:00 PDT" in html
    assert Contract.objects.values().get(organisation=saturday_ticket.organisation) == (
        contract_before
    )
    assert Ticket.objects.values().get(pk=saturday_ticket.pk) == ticket_before
    assert not ReportVersion.objects.exists()


def test_a_24x7_calendar_for_every_severity_also_breaches_it(
    saturday_ticket: Any, october: Any, frozen_now: Any, client: Client
) -> None:
    client.force_login(october.manager)
    html = run(client, month_from="2026-10", calendar="always").content.decode()
    assert "No ticket changes outcome" not in html
    assert "+20.00" in html


def test_business_hours_in_another_zone_reverses_a_breach(october: Any, frozen_now: Any) -> None:
    """Severity 2 with a 6-hour target, reported Friday 9 October 11:00 PDT (19:00 BST) and
    restored Monday 12 October 05:30 PDT (13:30 BST). The contract's hours (Monday-Friday
    08:00-18:00 Pacific) count Friday 11:00-18:00 = 7 h: breached. Monday-Friday 08:00-18:00
    in Europe/London count nothing on Friday (closed at 19:00 BST) and Monday 08:00-13:30 BST
    = 5.5 h: met. The severity 2 penalty (1% of 1,000.00) is no longer owed."""
    item = ticket(october, october.acme, pdt(2026, 10, 9, 11), 2, "Slow pages")
    restore(october, item, pdt(2026, 10, 12, 5) + timedelta(minutes=30))
    acme = october.acme
    current = simulator.changed_terms(acme, simulator.Changes(severity_targets={2: {"hours": 6}}))
    london = simulator.changed_terms(
        acme,
        simulator.Changes(
            support_hours=simulator.business_hours("Europe/London", region_holidays=False),
            severity_targets={2: {"hours": 6}},
        ),
    )
    from accord.reports.build import build_report

    before = build_report(acme, "2026-10", now=NOW, terms=current)
    after = build_report(acme, "2026-10", now=NOW, terms=london)
    [line_before] = before.tickets
    [line_after] = after.tickets
    assert (line_before.outcome, line_before.used_seconds) == ("breached", 7 * 3600)
    assert (line_after.outcome, line_after.used_seconds) == ("met", 5 * 3600 + 1800)
    comparison = simulator.compare(before, after)
    assert [t.id for t in comparison.tickets] == [item.pk]
    assert comparison.credit_amount.delta == Decimal("-10.00")  # 1% of 1,000.00 no longer owed


def test_a_changed_tier_table_changes_the_credit(
    october: Any, frozen_now: Any, client: Client
) -> None:
    # 60 minutes down in October: 1 - 60 / 44,520 = 99.865%: the 5% tier now, 10% simulated.
    outage("release-manager", utc(2026, 10, 13, 18), utc(2026, 10, 13, 19))
    client.force_login(october.manager)
    response = run(client, month_from="2026-10", calendar="contract", penalties=NEW_TIERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "99.865%" in html
    assert "50.00 USD" in html and "100.00 USD" in html and "+50.00" in html

    acme = october.acme
    terms = simulator.changed_terms(
        acme, simulator.Changes(penalties=simulator.parse_document(NEW_TIERS, "penalties"))
    )
    [month] = simulator.simulate(acme, ["2026-10"], terms, now=NOW).months
    assert [
        (line.subject, line.percent, line.amount) for line in month.current.statement.lines
    ] == [("Release Manager", "5", "50.00")]
    assert [(line.subject, line.amount) for line in month.simulated.statement.lines] == [
        ("Release Manager", "100.00")
    ]
    assert month.modules[0].met.current is False
    assert not month.tickets


def test_another_uptime_target_changes_met_not_the_uptime(october: Any, frozen_now: Any) -> None:
    outage("release-manager", utc(2026, 10, 13, 18), utc(2026, 10, 13, 19))
    acme = october.acme
    terms = simulator.changed_terms(acme, simulator.Changes(target_percent="99.8"))
    [month] = simulator.simulate(acme, ["2026-10"], terms, now=NOW).months
    release = month.modules[0]
    assert (release.uptime.current, release.uptime.simulated) == ("99.865", "99.865")
    assert (release.met.current, release.met.simulated) == (False, True)
    assert (release.target.current, release.target.simulated) == ("99.9", "99.8")


def test_bad_penalty_toml_names_the_field_and_the_line(
    october: Any, frozen_now: Any, client: Client
) -> None:
    client.force_login(october.vendor_admin)
    response = run(client, month_from="2026-10", calendar="contract", penalties=BAD_TIERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "line 13: penalties.uptime_tiers[1].credit_percent" in html
    assert "current and simulated" not in html  # no result
    broken = 'currency = "USD"\ncap = { percent = }\n'
    response = run(client, month_from="2026-10", calendar="contract", penalties=broken)
    assert response.status_code == 200
    assert "line 2: not valid TOML or JSON" in response.content.decode()
    response = run(client, month_from="2026-10", calendar="contract", penalties="currency =")
    assert "at the end: not valid TOML or JSON" in response.content.decode()
    json_error = run(
        client,
        month_from="2026-10",
        calendar="contract",
        penalties='{"uptime_tiers": [{"upper": "99", "credit_percent": "5"}]}',
    )
    assert "penalties.uptime_tiers[0].upper_inclusive" in json_error.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"month_from": "2026-13"}, "month_from", "is not a month YYYY-MM"),
        ({"month_from": "2025-01", "month_to": "2026-10"}, "month_to", "at most 12 months"),
        ({"month_from": "2026-10", "month_to": "2026-09"}, "month_to", "or later"),
        ({"month_from": "2026-12"}, "month_from", "2026-11 or earlier"),
        ({"month_from": "2026-10", "target_1": "soon"}, "target_1", "is not a duration"),
        ({"month_from": "2026-10", "target_percent": "101"}, "target_percent", "100"),
        ({"month_from": "2026-10", "calendar": "custom"}, "calendar_json", "give the calendar"),
        (
            {"month_from": "2026-10", "calendar": "custom", "calendar_json": '{"weekly": 3}'},
            "calendar_json",
            "support_hours.weekly",
        ),
        (
            {"month_from": "2026-10", "calendar": "business", "calendar_timezone": "Mars/Base"},
            "calendar_timezone",
            "unknown time zone",
        ),
    ],
)
def test_bad_input_is_named_never_a_500(
    october: Any, frozen_now: Any, client: Client, params: dict[str, str], field: str, message: str
) -> None:
    client.force_login(october.manager)
    response = run(client, **{"calendar": "contract", **params})
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert response.context["result"] is None


def test_a_range_of_months_is_totalled(saturday_ticket: Any, frozen_now: Any) -> None:
    acme = saturday_ticket.organisation
    terms = simulator.changed_terms(acme, simulator.Changes(severity_calendars={1: "always"}))
    result = simulator.simulate(acme, simulator.month_range("2026-08", "2026-11"), terms, now=NOW)
    assert [m.month for m in result.months] == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert result.months[-1].provisional
    assert result.severities[0].breached.delta == 1
    assert result.credit_amount.delta == Decimal("20.00")
    assert simulator.month_range("2025-12", "2026-02") == ["2025-12", "2026-01", "2026-02"]


def test_custom_calendar_json_and_targets(saturday_ticket: Any, frozen_now: Any) -> None:
    acme = saturday_ticket.organisation
    weekend = {
        "timezone": "region",
        "weekly": {"sat": [["09:00", "12:00"]], "sun": [["09:00", "12:00"]]},
        "region_holidays": False,
    }
    terms = simulator.changed_terms(
        acme, simulator.Changes(support_hours=weekend, severity_targets={1: {"hours": 1}})
    )
    [month] = simulator.simulate(acme, ["2026-10"], terms, now=NOW).months
    [change] = month.tickets
    # Saturday 10:00-12:00 counts 2 h against a 1-hour target: breached at 11:00:01 PDT.
    assert (change.simulated.used_seconds, change.simulated.outcome) == (2 * 3600, "breached")


def test_parse_target_and_locate() -> None:
    assert simulator.parse_target("4h") == {"hours": 4}
    assert simulator.parse_target("1d 4h") == {"days": 1, "hours": 4}
    assert simulator.parse_target("90 min") == {"minutes": 90}
    assert simulator.parse_target("2 days") == {"days": 2}
    for bad in ("", "4", "4x", "h4", "0h", "4h 2h"):
        with pytest.raises(ValueError):
            simulator.parse_target(bad)
    assert simulator.locate(BAD_TIERS, "penalties.uptime_tiers[1].credit_percent") == 13
    inline = 'uptime_tiers = [\n  { upper = "99" },\n  { upper = "95", credit_percent = "x" },\n]\n'
    assert simulator.locate(inline, "penalties.uptime_tiers[1].credit_percent") == 3
    assert simulator.locate(inline, "penalties.uptime_tiers[0].credit_percent") == 2
    assert simulator.locate(BAD_TIERS, "penalties.currency") == 1
    tables = (
        '[[uptime_tiers]]\nupper = "99"\n\n[[uptime_tiers]]\nupper = "95"\ncredit_percent = "x"\n'
    )
    assert simulator.locate(tables, "penalties.uptime_tiers[1].credit_percent") == 6
    assert simulator.locate(tables, "penalties.uptime_tiers[1].label") == 4


def test_a_restoration_just_after_a_cut_off_is_not_the_months(
    october: Any, frozen_now: Any
) -> None:
    """Severity 4 (7 support days) reported Tuesday 29 September, restored half a second after
    September's cut-off (3 October 00:00 PDT): September's report lists it open, not met. The
    batch compares the recorded instants as the reports' queries do (a restoration within the
    second after the cut-off is after it), so its tickets are the reports'."""
    item = ticket(october, october.acme, pdt(2026, 9, 29, 10), 4, "Exports are slow")
    restore(october, item, pdt(2026, 10, 3) + timedelta(microseconds=500_000))
    acme = item.organisation
    terms = simulator.changed_terms(acme, simulator.Changes(target_percent="99.95"))
    months = ["2026-09", "2026-10"]
    batch = simulator.simulate(acme, months, terms, now=NOW)
    reference = simulator.simulate_by_reports(acme, months, terms, now=NOW)

    def listed(result: simulator.Simulation) -> list[list[tuple[int, str, str]]]:
        return [
            [
                (t.id, t.outcome, s.outcome)
                for t, s in zip(m.current.tickets, m.simulated.tickets, strict=True)
            ]
            for m in result.months
        ]

    assert listed(batch) == listed(reference) == [[(item.pk, "open", "open")], []]


def test_a_german_manager_reads_the_results_in_german(
    saturday_ticket: Any, october: Any, frozen_now: Any, client: Client
) -> None:
    october.manager.language = "de"
    october.manager.save(update_fields=["language"])
    client.force_login(october.manager)
    html = run(client, month_from="2026-10", calendar="contract", calendar_1="always")
    html = html.content.decode()
    assert "Acme" in html and "1 Monat, aktuell und simuliert" in html
    assert "Schweregrad 1 Critical: verletzt" in html  # the policy's name, as written
    assert "Verfehlt" in html and "Erreicht" in html  # the ticket's outcomes
    assert "Sa., 17. Okt 2026, 10:00 PDT" in html  # reported, German order
    assert "Summe: 20.00 USD (2,00 %)" in html  # money keeps the engine's digits
    assert "Änderung: +20.00 USD (+2,00 Prozentpunkte)" in html
    assert "100,000 %" in html and "99,9 %" in html and "erreicht" in html  # uptime, target
    assert "Im Vertrag: 4 Std. 0 Min." in html and "gezählt in" in html  # the form
    assert "current and simulated" not in html and "percentage points" not in html
    assert "Total:" not in html and "Breached" not in html
    # A refusal of the form, in German.
    refused = run(client, month_from="2026-10", calendar="contract", target_1="soon")
    assert "&#x27;soon&#x27; ist keine Dauer wie 4h, 12h, 2d oder 1d 4h" in (
        refused.content.decode()
    )
