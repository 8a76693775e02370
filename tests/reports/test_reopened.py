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

from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status
from accord.reports import schema
from accord.reports.exports import report_csv
from accord.reports.render import context as report_context
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
