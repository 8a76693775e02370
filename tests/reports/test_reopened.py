"""No breach lost: a ticket met before a month's cut-off, reopened after it (docs/reports.md,
"Which report counts a ticket").

Acme is in the US region on the built-in policy: months in America/Los_Angeles, support hours
Monday-Friday 08:00-18:00 Pacific, cut-off 00:00 on the 3rd of the next month; severity 2 is
due in 12 support hours, and each severity 2 breach costs 1% of the 1,000.00 USD fee.

October 2026 is PDT (UTC-7) and closes on 3 November 00:00 PST (08:00 UTC); November is PST
(UTC-8) and closes on 3 December 08:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string

from accord.dashboard.services import dashboard
from accord.helpdesk import restoration
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status
from accord.reports import schema
from accord.reports.build import build_report
from accord.reports.delivery import summarise
from accord.reports.exports import report_csv
from accord.reports.render import context as report_context
from accord.reports.render import report_html
from accord.reports.services import content_hash, freeze, report_for

pytestmark = pytest.mark.django_db

OCTOBER_CLOSED = datetime(2026, 11, 3, 9, tzinfo=UTC)  # an hour after October's cut-off
NOVEMBER_CLOSED = datetime(2026, 12, 3, 9, tzinfo=UTC)
DECEMBER_CLOSED = datetime(2027, 1, 3, 9, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def acme(world: Any) -> Any:
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    return world.acme


def ticket(world: Any, at: datetime, severity: int, summary: str = "Fault") -> Any:
    return helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary=summary, severity=severity),
        now=at,
    )


def restore(world: Any, item: Any, at: datetime) -> None:
    item.refresh_from_db()
    helpdesk.change_status(item, Status.RESTORED, actor=world.agent, repair="temporary", now=at)


def reopen(world: Any, item: Any, at: datetime) -> None:
    item.refresh_from_db()
    helpdesk.reopen(item, actor=world.acme_reporter, reason="The fault came back", now=at)


def line(report: schema.Report, item: Any) -> schema.TicketLine:
    [found] = [t for t in report.tickets if t.id == item.pk]
    return found


def ids(report: schema.Report) -> list[int]:
    return [t.id for t in report.tickets]


def breach_lines(report: schema.Report) -> list[tuple[str, str, int, str | None]]:
    return [
        (s.rule, s.subject, s.quantity, s.amount)
        for s in report.statement.lines
        if s.rule == "breach"
    ]


def met_in_october(world: Any) -> Any:
    """Severity 2 reported Wednesday 14 October 09:00 PDT, restored at 12:00: 3 support hours
    of 12, met in October."""
    item = ticket(world, utc(2026, 10, 14, 16), 2, "Deployments fail")
    restore(world, item, utc(2026, 10, 14, 19))
    return item


def test_met_in_october_reopened_after_the_cut_off_and_breached_in_november_is_charged_once(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED)
    assert october.version is not None and october.version.version == 1
    frozen_hash = october.version.content_hash
    assert (line(october.report, item).outcome, line(october.report, item).used_seconds) == (
        "met",
        3 * 3600,
    )
    assert breach_lines(october.report) == []

    # Reopened Monday 16 November 09:00 PST: 9 hours left, used up at 18:00; breached at
    # Tuesday's opening, 08:00:01 PST. Restored Tuesday 10:00: 14 support hours.
    reopen(world, item, utc(2026, 11, 16, 17))
    restore(world, item, utc(2026, 11, 17, 18))

    november = report_for(acme, "2026-11", now=NOVEMBER_CLOSED)
    assert november.version is not None
    counted = line(november.report, item)
    assert counted.outcome == "breached"
    assert counted.used_seconds == 14 * 3600
    assert counted.breached_at == "2026-11-17T16:00:01Z"
    assert counted.carried_over is False
    assert counted.reopened_from == "2026-10"
    assert ids(november.report) == [item.pk]
    summary = next(s for s in november.report.severities if s.severity == 2)
    assert (summary.tickets, summary.met, summary.breached) == (1, 0, 1)
    # The credit, once, in November.
    assert breach_lines(november.report) == [("breach", "severity 2", 1, "10.00")]
    assert november.report.statement.total_amount == "10.00"

    # October's frozen report is untouched: same version, same hash, even regenerated now.
    assert freeze(acme, "2026-10", now=DECEMBER_CLOSED) == (october.version, False)
    again = report_for(acme, "2026-10", now=DECEMBER_CLOSED)
    assert again.version == october.version and again.version.content_hash == frozen_hash
    assert content_hash(again.report) == frozen_hash
    assert line(again.report, item).outcome == "met"
    assert breach_lines(again.report) == []

    # And not again in December.
    december = report_for(acme, "2026-12", now=DECEMBER_CLOSED)
    assert item.pk not in ids(december.report) and breach_lines(december.report) == []

    # What a reader sees: the breached-tickets table says where it came from, and the CSV.
    context = report_context(november.report, november.version)
    [shown] = context["breached"]
    assert shown["line"].id == item.pk
    assert "reopened after the 2026-10 report" in shown["note"]
    assert "reported Wed 14 Oct 2026 09:00 PDT" in shown["note"]
    october_csv = report_csv(again.report)
    november_csv = report_csv(november.report)
    ticket_rows = [r for r in november_csv.splitlines() if r.startswith("ticket,")]
    [row] = ticket_rows
    assert f",{item.pk}," in row and ",breached," in row and "reopened after the 2026-10" in row
    assert "penalty,2026-11,,,,severity 2," in november_csv
    assert "penalty," not in october_csv
    [october_row] = [r for r in october_csv.splitlines() if r.startswith("ticket,")]
    assert ",met," in october_row and "reopened" not in october_row

    # The page and the email say so too.
    html = report_html(november.report, november.version)
    assert "Reopened after an earlier report" in html
    assert "reopened after the 2026-10 report, which counted it met" in html
    assert "Reopened after an earlier report" not in report_html(again.report, again.version)
    email = summarise(november.report, november.version)
    summary_text = render_to_string("reports/email/report.txt", {"s": email})
    assert "reopened after the 2026-10 report" in summary_text


def test_reopened_and_met_again_in_november_is_listed_once_there_as_reopened_met(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED)
    # Reopened Monday 16 November 09:00 PST, restored 11:00: 5 of 12 hours, met again.
    reopen(world, item, utc(2026, 11, 16, 17))
    restore(world, item, utc(2026, 11, 16, 19))

    november = report_for(acme, "2026-11", now=NOVEMBER_CLOSED).report
    assert ids(november) == [item.pk]  # one line, not a carried-over one as well
    counted = line(november, item)
    assert (counted.outcome, counted.used_seconds, counted.reopened_from) == (
        "met",
        5 * 3600,
        "2026-10",
    )
    assert counted.carried_over is False
    summary = next(s for s in november.severities if s.severity == 2)
    assert (summary.tickets, summary.met, summary.breached, summary.open) == (1, 1, 0, 0)
    assert november.statement.lines == []
    html = report_html(november, None)
    assert "counted it met (reported Wed 14 Oct 2026 09:00 PDT); met again, 5 h 0 min used" in html
    assert freeze(acme, "2026-10", now=NOVEMBER_CLOSED) == (october.version, False)
    assert item.pk not in ids(report_for(acme, "2026-12", now=DECEMBER_CLOSED).report)


def test_reopened_in_november_and_open_at_its_cut_off_is_carried_into_december_and_charged_there(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    report_for(acme, "2026-10", now=OCTOBER_CLOSED)
    # Reopened Wednesday 2 December 17:00 PST: 4 hours used at November's cut-off (3 December
    # 00:00 PST), open. Thursday 3 December: 8 more hours by 16:00, breached at 16:00:01 PST.
    reopen(world, item, utc(2026, 12, 3, 1))
    restore(world, item, utc(2026, 12, 4, 20))

    november = report_for(acme, "2026-11", now=NOVEMBER_CLOSED).report
    counted = line(november, item)
    assert (counted.outcome, counted.used_seconds, counted.reopened_from) == (
        "open",
        4 * 3600,
        "2026-10",
    )
    assert november.statement.lines == []
    december = report_for(acme, "2026-12", now=DECEMBER_CLOSED).report
    counted = line(december, item)
    assert (counted.outcome, counted.carried_over, counted.reopened_from) == (
        "breached",
        True,
        "2026-10",
    )
    assert counted.breached_at == "2026-12-04T00:00:01Z"
    assert breach_lines(december) == [("breach", "severity 2", 1, "10.00")]
    january = report_for(acme, "2027-01", now=datetime(2027, 2, 3, 9, tzinfo=UTC)).report
    assert item.pk not in ids(january)


def test_a_breach_after_a_reopen_within_october_counts_in_october_only(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    # Reopened Tuesday 20 October 09:00 PDT, before the cut-off: 9 hours left, breached at
    # Wednesday's opening, 08:00:01 PDT; restored at 10:00.
    reopen(world, item, utc(2026, 10, 20, 16))
    restore(world, item, utc(2026, 10, 21, 17))
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED).report
    counted = line(october, item)
    assert (counted.outcome, counted.breached_at, counted.reopened_from) == (
        "breached",
        "2026-10-21T15:00:01Z",
        None,
    )
    assert breach_lines(october) == [("breach", "severity 2", 1, "10.00")]

    # Reopened again in November and restored: a breach is not counted a second time.
    reopen(world, item, utc(2026, 11, 16, 17))
    restore(world, item, utc(2026, 11, 17, 19))
    november = report_for(acme, "2026-11", now=NOVEMBER_CLOSED).report
    assert item.pk not in ids(november) and november.statement.lines == []


def test_reopened_before_the_cut_off_is_open_in_october_and_carried_over_as_before(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    # Reopened Monday 2 November 09:00 PST, after the month but before its cut-off (the 3rd):
    # October's report sees it open (12 hours used by 18:00, not more); breached at Tuesday
    # 3 November 08:00:01 PST, in November's window.
    reopen(world, item, utc(2026, 11, 2, 17))
    restore(world, item, utc(2026, 11, 3, 17))
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED).report
    assert (line(october, item).outcome, line(october, item).used_seconds) == ("open", 12 * 3600)
    assert october.statement.lines == []
    november = report_for(acme, "2026-11", now=NOVEMBER_CLOSED).report
    counted = line(november, item)
    # October's report never counted it met, so it is carried over, not "reopened from".
    assert (counted.outcome, counted.carried_over, counted.reopened_from) == (
        "breached",
        True,
        None,
    )
    assert breach_lines(november) == [("breach", "severity 2", 1, "10.00")]


def test_the_provisional_november_report_and_the_dashboard_count_the_same_breach(
    world: Any, acme: Any
) -> None:
    item = met_in_october(world)
    report_for(acme, "2026-10", now=OCTOBER_CLOSED)
    reopen(world, item, utc(2026, 11, 16, 17))
    restore(world, item, utc(2026, 11, 17, 18))
    now = utc(2026, 11, 20, 20)
    november = report_for(acme, "2026-11", now=now)
    assert november.version is None and november.report.period.provisional
    assert line(november.report, item).outcome == "breached"
    [customer] = dashboard([acme], now=now)
    assert customer.breached == {2: 1}


def test_a_report_without_a_reopened_ticket_keeps_its_json_as_before(world: Any, acme: Any) -> None:
    met_in_october(world)
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED)
    assert october.version is not None
    [data] = october.version.data["tickets"]
    assert "reopened_from" not in data  # absent, so earlier versions' hashes still match
    assert schema.Report.from_json_data(october.version.data) == october.report


def contest(world: Any, item: Any, at: datetime, *, accept: bool, answered: datetime) -> None:
    item.refresh_from_db()
    restoration.contest_restoration(item, actor=world.acme_reporter, reason="Still down", now=at)
    item.refresh_from_db()
    note = "" if accept else "Exports worked in our test"
    restoration.answer_contest(item, actor=world.manager, accept=accept, note=note, now=answered)


def test_a_restoration_withdrawn_after_the_cut_off_charges_its_breach_in_the_next_month(
    world: Any, acme: Any
) -> None:
    # Severity 2 reported Friday 30 October 09:00 PDT, "restored" Monday 2 November 10:00 PST:
    # 9 + 2 = 11 support hours, met when October closes (3 November 08:00 UTC).
    item = ticket(world, utc(2026, 10, 30, 16), 2)
    restore(world, item, utc(2026, 11, 2, 18))
    october = report_for(acme, "2026-10", now=OCTOBER_CLOSED).report  # frozen on first use
    assert line(october, item).outcome == "met"
    # Contested within the 24 hours but after the cut-off; both sides agree it never held.
    contest(world, item, utc(2026, 11, 3, 17), accept=True, answered=utc(2026, 11, 3, 18))
    restore(world, item, utc(2026, 11, 4, 1))
    item.refresh_from_db()
    assert item.standing == "breached"
    assert item.breached_at is not None and item.breached_at < OCTOBER_CLOSED  # in October

    november = build_report(acme, "2026-11", now=NOVEMBER_CLOSED)
    assert line(november, item).outcome == "breached"
    assert line(november, item).reopened_from == "2026-10"
    assert breach_lines(november) == [("breach", "severity 2", 1, "10.00")]
    # October's frozen report stands as it was; December does not charge it again.
    october_again = report_for(acme, "2026-10", now=NOVEMBER_CLOSED).report
    assert content_hash(october_again) == content_hash(october)
    assert item.pk not in ids(build_report(acme, "2026-12", now=DECEMBER_CLOSED))


def test_a_rejected_contest_after_the_cut_off_is_listed_next_month_with_its_dispute(
    world: Any, acme: Any
) -> None:
    item = ticket(world, utc(2026, 10, 30, 16), 2)
    restore(world, item, utc(2026, 11, 2, 18))
    report_for(acme, "2026-10", now=OCTOBER_CLOSED)  # October frozen, the ticket met
    contest(world, item, utc(2026, 11, 3, 17), accept=False, answered=utc(2026, 11, 3, 18))
    restore(world, item, utc(2026, 11, 10, 1))  # the fault was really back for a week

    november = build_report(acme, "2026-11", now=NOVEMBER_CLOSED)
    assert line(november, item).outcome == "breached"
    assert breach_lines(november) == [("breach", "severity 2", 1, "10.00")]
    [dispute] = [d for d in november.disputes if d.ticket_id == item.pk]
    assert dispute.outcome == "restoration_disputed"
