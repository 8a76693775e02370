"""Contesting a restoration (issue 14, item 3), through the services and the monthly report.

Acme is in the US region on the built-in policy: Severity 1 is 4 support hours, Monday-Friday
08:00-18:00 Pacific; restorations may be contested for 24 wall-clock hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accord.core.errors import Refused
from accord.engine.timeutil import from_epoch, parse_instant
from accord.helpdesk import restoration, services
from accord.helpdesk.models import EventKind, Repair, Status, Ticket
from accord.helpdesk.notices import addressing, fan_out, rendering
from accord.reports.build import build_report
from accord.work.models import Job

pytestmark = pytest.mark.django_db
HOUR = 3600
LATER = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026 ("09T09:00")."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


def restored_early(world: Any) -> Ticket:
    """The issue's ticket: Severity 1 reported Monday 09:00, "restored" at 12:00 (3 h, met)."""
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=1),
        now=pacific("09T09:00"),
    )
    services.change_status(
        ticket,
        Status.RESTORED,
        actor=world.agent,
        repair=Repair.TEMPORARY,
        now=pacific("09T12:00"),
    )
    ticket.refresh_from_db()
    assert (ticket.standing, ticket.used_seconds) == ("met", 3 * HOUR)
    return ticket


def contest(world: Any, ticket: Ticket, when: str = "09T15:00") -> None:
    restoration.contest_restoration(
        ticket, actor=world.acme_reporter, reason="Exports still fail", now=pacific(when)
    )


def test_a_withdrawn_restoration_counts_from_the_report_to_the_real_one(world: Any) -> None:
    ticket = restored_early(world)
    contest(world, ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.clock_state == "running"
    assert ticket.used_seconds == 3 * HOUR  # provisionally: the gap is not counted yet
    panel = restoration.contest_panel(ticket, world.manager, pacific("09T15:30"))
    assert panel.open_contest is not None and panel.can_answer

    restoration.answer_contest(ticket, actor=world.manager, accept=True, now=pacific("09T16:00"))
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="permanent", now=pacific("10T11:00")
    )
    ticket.refresh_from_db()
    # Monday 09:00-18:00 and Tuesday 08:00-11:00: 12 support hours, breached at Monday 13:00.
    assert ticket.used_seconds == 12 * HOUR
    assert ticket.standing == "breached"
    assert ticket.breached_at == pacific("09T13:00") + timedelta(seconds=1)

    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    report = build_report(world.acme, "2026-03", now=LATER)
    [line] = report.tickets
    assert (line.outcome, line.used_seconds) == ("breached", 12 * HOUR)
    assert report.disputes == []  # agreed: no dispute
    assert ("breach", "severity 1") in [(x.rule, x.subject) for x in report.statement.lines]


def test_a_rejected_contest_is_a_dispute_on_the_report(world: Any) -> None:
    ticket = restored_early(world)
    contest(world, ticket)
    with pytest.raises(Refused, match="^note: "):
        restoration.answer_contest(ticket, actor=world.manager, accept=False, note=" ")
    restoration.answer_contest(
        ticket,
        actor=world.manager,
        accept=False,
        note="Exports worked in our test at 12:00",
        now=pacific("09T16:00"),
    )
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="permanent", now=pacific("10T11:00")
    )
    ticket.refresh_from_db()
    assert ticket.used_seconds == 9 * HOUR  # 3 h, then from the contest: 3 h + 3 h
    report = build_report(world.acme, "2026-03", now=LATER)
    [dispute] = report.disputes
    assert (dispute.ticket_id, dispute.outcome) == (ticket.pk, "restoration_disputed")
    assert "Exports worked in our test at 12:00" in dispute.detail
    assert "2026-03-09 19:00 UTC" in dispute.detail  # the restoration contested

    # The customer's monthly report page shows it.
    world.acme.contract.starts_on = date(2025, 1, 1)
    world.acme.contract.save()
    client = Client()
    client.force_login(world.acme_admin)
    page = client.get(reverse("report_detail", kwargs={"slug": "acme", "month": "2026-03"}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Disputed severities and restorations" in text
    # The outcome in words (not its code), then what happened.
    assert "Restoration disputed" in text and "restoration_disputed" not in text
    assert "The customer contested the restoration" in text


def test_an_unanswered_contest_is_shown_open_on_the_report(world: Any) -> None:
    ticket = restored_early(world)
    contest(world, ticket)
    report = build_report(world.acme, "2026-03", now=LATER)
    [dispute] = report.disputes
    assert dispute.outcome == "restoration_contested"
    assert [t.status for t in report.tickets] == ["in_progress"]


def test_a_contest_after_the_window_is_refused(world: Any) -> None:
    ticket = restored_early(world)
    # 24 wall-clock hours after Monday 12:00: Tuesday 12:00 is the last moment.
    with pytest.raises(services.StateConflict, match="ended at Tue 10 Mar 2026 19:00 UTC"):
        contest(world, ticket, "10T12:01")
    # A German reader's refusal names the instant in German (the API's stays English).
    with translation.override("de"), pytest.raises(services.StateConflict) as refused:
        contest(world, ticket, "10T12:01")
    assert "endete am Di., 10. Mär 2026, 19:00 UTC" in str(refused.value)
    contest(world, ticket, "10T12:00")


def test_a_closed_ticket_can_be_contested_within_the_window(world: Any) -> None:
    ticket = restored_early(world)
    services.change_status(
        ticket, Status.CLOSED, actor=world.acme_reporter, now=pacific("09T13:00")
    )
    contest(world, ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_who_may_contest_and_who_may_answer(world: Any) -> None:
    ticket = restored_early(world)
    for outsider in (world.agent, world.manager, world.globex_reporter):
        with pytest.raises(services.NotPermitted):
            restoration.contest_restoration(
                ticket, actor=outsider, reason="no", now=pacific("09T15:00")
            )
    with pytest.raises(Refused, match="^reason: "):
        restoration.contest_restoration(
            ticket, actor=world.acme_reporter, reason=" ", now=pacific("09T15:00")
        )
    restoration.contest_restoration(
        ticket, actor=world.acme_admin, reason="Still down", now=pacific("09T15:00")
    )
    for person in (world.acme_reporter, world.acme_admin, world.agent):
        with pytest.raises(services.NotPermitted, match="support manager or a vendor admin"):
            restoration.answer_contest(ticket, actor=person, accept=True)
    # One open contest at a time, and nothing to contest while the clock runs.
    with pytest.raises(services.StateConflict, match="already contested"):
        contest(world, ticket, "09T15:10")
    restoration.answer_contest(
        ticket, actor=world.vendor_admin, accept=True, now=pacific("09T16:00")
    )
    with pytest.raises(services.StateConflict, match="no open contest"):
        restoration.answer_contest(ticket, actor=world.manager, accept=True)
    with pytest.raises(services.StateConflict, match="only a ticket whose service was restored"):
        contest(world, ticket, "09T16:30")


def test_a_contract_with_no_window_refuses_contests(world: Any) -> None:
    contract = world.acme.contract
    contract.policy_data = {
        **contract.policy_data,
        "clock": {**contract.policy_data["clock"], "restoration_contest_hours": 0},
    }
    contract.save()
    ticket = Ticket.objects.get(pk=restored_early(world).pk)
    with pytest.raises(services.StateConflict, match="does not allow contesting"):
        contest(world, Ticket.objects.get(pk=ticket.pk))


def test_the_vendor_is_told_of_a_contest_and_the_customer_of_the_answer(world: Any) -> None:
    ticket = restored_early(world)
    contest(world, ticket)
    restoration.answer_contest(
        ticket, actor=world.manager, accept=False, note="It works", now=pacific("09T16:00")
    )
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.RESTORATION_CONTESTED, EventKind.CONTEST_REJECTED]
    told = {}
    for job in Job.objects.filter(key__startswith=f"notify:ticket:{ticket.pk}:event-"):
        notice = fan_out.notice_of(job.payload)
        told[notice.event] = (notice, {p.email for p, _ in addressing.recipients(notice)})
    contested, staff_told = told["ticket.restoration_contested"]
    assert str(contested.headline).startswith("The customer contests the restoration")
    assert {world.agent.email, world.manager.email} <= staff_told
    rejected, people = told["ticket.contest_rejected"]
    assert str(rejected.customer_headline).startswith("Support maintains that service was restored")
    assert world.acme_reporter.email in people and "Note: It works" in map(str, rejected.lines)
    email = rendering.render_email(rejected, world.acme_reporter, customer=True)
    assert "Support maintains that service was restored" in repr(email)
