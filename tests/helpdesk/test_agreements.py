"""Severity designation and two-party agreements (issue 14, items 1 and 2).

The customer designates while the clock runs; once service is restored, the ticket closed or a
severity agreed, a change is a proposal that the other side accepts. No single account can
produce an agreement, and an agreement records both people and the figures it moved.
Support hours: Monday-Friday 08:00-18:00 Pacific; Monday 9 March 2026.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant
from accord.helpdesk import restoration, services, severity
from accord.helpdesk.models import EventKind, Status, Ticket, TicketEvent
from accord.helpdesk.notices import addressing, changes


def pacific(text: str) -> datetime:
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


def report(world: Any, level: int | None, at: str = "09T09:00") -> Ticket:
    return services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=level),
        now=pacific(at),
    )


def restore(world: Any, ticket: Ticket, at: str) -> None:
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=pacific(at)
    )


def agree(world: Any, ticket: Ticket, level: int, at: str, at_answer: str) -> TicketEvent:
    severity.propose_severity(
        ticket, level, actor=world.agent, reason="a workaround exists", now=pacific(at)
    )
    return severity.answer_proposal(
        ticket, accept=True, actor=world.acme_admin, note="call", now=pacific(at_answer)
    )


# --- item 1: who designates, and when ------------------------------------------------------


def test_the_customer_changes_its_designation_while_the_clock_runs(world: Any) -> None:
    ticket = report(world, 3)
    severity.designate_severity(ticket, 2, actor=world.acme_reporter, now=pacific("09T10:00"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.target_seconds) == (2, 12 * 3600)


def test_an_agreed_severity_cannot_be_redesignated_by_the_customer(world: Any) -> None:
    """Agreed 1 -> 3; the customer then sets 1 again: refused, the ticket stays 3, agreed."""
    ticket = report(world, 1)
    agree(world, ticket, 3, "09T09:30", "09T10:00")
    for who in (world.acme_reporter, world.acme_admin):
        with pytest.raises(services.StateConflict, match="was agreed by both sides"):
            severity.designate_severity(ticket, 1, actor=who, now=pacific("09T11:00"))
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.severity_in_force, ticket.severity_agreed) == (1, 3, True)
    assert not ticket.events.filter(kind=EventKind.SEVERITY_DESIGNATED).exists()
    # A change needs a new proposal the other side accepts.
    severity.propose_severity(
        ticket, 1, actor=world.acme_admin, reason="two teams are down", now=pacific("09T11:00")
    )
    severity.answer_proposal(ticket, accept=True, actor=world.manager, now=pacific("09T11:30"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed) == (1, True)


@pytest.mark.parametrize("end", [Status.RESTORED, Status.FIX_DELIVERED, Status.CLOSED])
def test_a_restored_or_closed_sev4_cannot_be_redesignated_sev1(world: Any, end: str) -> None:
    """Sev 4 restored after 13 support hours (Mon 09:00 to Tue 12:00); Sev 1 the next day
    would make it breached: refused, it stays a met Sev 4."""
    ticket = report(world, 4)
    restore(world, ticket, "10T12:00")
    if end != Status.RESTORED:
        services.change_status(ticket, end, actor=world.agent, now=pacific("10T13:00"))
    with pytest.raises(services.StateConflict, match="changes only by agreement"):
        severity.designate_severity(ticket, 1, actor=world.acme_admin, now=pacific("11T09:00"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.standing, ticket.used_seconds) == (4, "met", 13 * 3600)
    # Reopened (or its restoration contested), the clock runs again, but the designation does
    # not come back: re-designating after seeing the repair time would move the penalty alone.
    services.reopen(ticket, actor=world.acme_admin, reason="back", now=pacific("11T09:00"))
    with pytest.raises(services.StateConflict, match="restored once"):
        severity.designate_severity(ticket, 1, actor=world.acme_admin, now=pacific("11T09:05"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.standing) == (4, "on_track")


def test_a_contested_restoration_does_not_give_the_designation_back(world: Any) -> None:
    ticket = report(world, 4)
    restore(world, ticket, "10T12:00")
    restoration.contest_restoration(
        ticket, actor=world.acme_reporter, reason="Still down", now=pacific("10T13:00")
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    with pytest.raises(services.StateConflict, match="changes only by agreement"):
        severity.designate_severity(ticket, 1, actor=world.acme_reporter, now=pacific("10T13:05"))
    # The way that remains is a proposal the vendor accepts.
    severity.propose_severity(
        ticket, 1, actor=world.acme_reporter, reason="Payroll blocked", now=pacific("10T13:10")
    )
    assert severity.open_proposal(ticket) is not None


def test_designating_is_refused_while_a_proposal_is_open_and_to_staff(world: Any) -> None:
    ticket = report(world, 1)
    with pytest.raises(services.NotPermitted, match="the customer designates"):
        severity.designate_severity(ticket, 2, actor=world.manager)
    severity.propose_severity(ticket, 3, actor=world.agent, reason="x", now=pacific("09T09:30"))
    with pytest.raises(services.StateConflict, match="a proposal is open"):
        severity.designate_severity(ticket, 2, actor=world.acme_reporter, now=pacific("09T09:40"))


# --- item 2: no single account produces an agreement ---------------------------------------


def test_a_manager_alone_cannot_produce_an_agreement(world: Any) -> None:
    ticket = report(world, 1)
    restore(world, ticket, "09T15:00")  # 6 h: a breached Sev 1
    services.change_status(ticket, Status.CLOSED, actor=world.manager, now=pacific("09T16:00"))
    # No open proposal: nothing to accept.
    with pytest.raises(services.StateConflict, match="no open proposal"):
        severity.answer_proposal(ticket, accept=True, actor=world.manager)
    # Its own proposal: the proposer never accepts.
    severity.propose_severity(
        ticket, 4, actor=world.manager, reason="minor", now=pacific("10T09:00")
    )
    with pytest.raises(services.NotPermitted, match="you made this proposal"):
        severity.answer_proposal(ticket, accept=True, actor=world.manager)
    # Another staff account (a vendor admin, an agent) cannot accept a staff proposal either.
    for staff in (world.vendor_admin, world.agent):
        with pytest.raises(services.NotPermitted, match="answered by the customer"):
            severity.answer_proposal(ticket, accept=True, actor=staff)
    # Nor another organisation's admin.
    with pytest.raises(services.NotPermitted):
        severity.answer_proposal(ticket, accept=True, actor=world.globex_admin)
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed, ticket.standing) == (
        1,
        False,
        "breached",
    )
    assert not ticket.events.filter(kind=EventKind.SEVERITY_AGREED).exists()


def test_customers_cannot_accept_a_customer_proposal(world: Any) -> None:
    ticket = report(world, 2)
    severity.propose_severity(
        ticket, 1, actor=world.acme_reporter, reason="all teams", now=pacific("09T10:00")
    )
    with pytest.raises(services.NotPermitted, match="you made this proposal"):
        severity.answer_proposal(ticket, accept=True, actor=world.acme_reporter)
    with pytest.raises(services.NotPermitted, match="support manager"):
        severity.answer_proposal(ticket, accept=True, actor=world.acme_admin)
    with pytest.raises(services.NotPermitted, match="support manager"):
        severity.answer_proposal(ticket, accept=True, actor=world.agent)
    severity.answer_proposal(ticket, accept=False, actor=world.vendor_admin, note="one team")
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.dispute_open) == (2, False)


def test_who_may_propose_and_one_proposal_at_a_time(world: Any) -> None:
    from accord.accounts.models import Role
    from accord.accounts.services import create_user

    ticket = report(world, 2)
    colleague = create_user(
        email="ron@acme.test", role=Role.REPORTER, organisation=world.acme, password="x" * 12
    )
    with pytest.raises(services.NotPermitted, match="reporter, a customer admin"):
        severity.propose_severity(ticket, 1, actor=colleague, reason="x")
    with pytest.raises(services.StateConflict, match="already the severity in force"):
        severity.propose_severity(ticket, 2, actor=world.acme_admin, reason="x")
    severity.propose_severity(ticket, 1, actor=world.acme_admin, reason="x")
    with pytest.raises(services.StateConflict, match="already open"):
        severity.propose_severity(ticket, 3, actor=world.agent, reason="y")


def test_an_agreement_records_both_parties_and_the_figures_before_and_after(
    world: Any,
) -> None:
    """Sev 1 restored after 6 support hours (breached); agreed Sev 2 the next day: met."""
    ticket = report(world, 1)
    restore(world, ticket, "09T15:00")
    event = agree(world, ticket, 2, "10T09:00", "10T10:00")
    data = event.data
    assert data["proposed_by"] == {
        "id": world.agent.pk,
        "name": "alex@vendor.test",
        "side": "vendor",
    }
    assert data["accepted_by"]["id"] == world.acme_admin.pk
    assert data["accepted_by"]["side"] == "customer"
    assert data["proposed_at"] == pacific("10T09:00").isoformat()
    assert data["accepted_at"] == pacific("10T10:00").isoformat()
    assert (data["reason"], data["note"]) == ("a workaround exists", "call")
    assert (data["severity_before"], data["severity_after"]) == (1, 2)
    assert data["before"]["standing"] == "breached" and data["before"]["target_seconds"] == 4 * 3600
    assert data["after"]["standing"] == "met" and data["after"]["target_seconds"] == 12 * 3600
    assert data["before"]["used_seconds"] == data["after"]["used_seconds"] == 6 * 3600
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed, ticket.standing) == (2, True, "met")


def test_proposals_notify_the_other_side(world: Any) -> None:
    ticket = report(world, 1)
    proposal = severity.propose_severity(
        ticket, 2, actor=world.acme_reporter, reason="one team", now=pacific("09T10:00")
    )
    notice = changes.notice_for_change(
        ticket, "severity_proposed", actor=world.acme_reporter, comment=None, event=proposal
    )
    assert notice is not None and str(notice.headline).startswith("The customer proposes severity")
    told = {person.email for person, _ in addressing.recipients(notice)}
    assert told == {"morgan@vendor.test", "val@vendor.test", "adam@acme.test"}  # no agent
