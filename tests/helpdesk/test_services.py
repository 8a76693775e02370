"""Help-desk actions recompute the clock with the engine, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from accord.core.errors import Immutable, Refused
from accord.engine.timeutil import from_epoch, parse_instant
from accord.helpdesk import services, severity
from accord.helpdesk.models import EventKind, Status, Ticket, TicketEvent
from accord.work.models import Job, JobState


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


def report(world: Any, severity: int | None = 1, at: str = "09T09:00") -> Ticket:
    return services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(
            module=world.module, summary="Release page is down", severity=severity
        ),
        now=pacific(at),
    )


def test_reporting_starts_the_clock_and_schedules_warnings_and_breach(world: Any) -> None:
    ticket = report(world)
    assert ticket.severity_in_force == 1
    assert ticket.target_seconds == 4 * 3600
    assert ticket.due_at == pacific("09T13:00")
    assert ticket.next_warning_at == pacific("09T11:00")
    keys = set(Job.objects.about(ticket).values_list("key", flat=True))
    assert f"ticket:{ticket.pk}:breach" in keys
    assert f"ticket:{ticket.pk}:warning:1/2" in keys


def test_restoring_stops_the_clock_and_cancels_pending_warnings(world: Any) -> None:
    ticket = report(world)
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=pacific("09T10:30")
    )
    ticket.refresh_from_db()
    assert (ticket.clock_state, ticket.used_seconds, ticket.standing) == ("stopped", 5400, "met")
    states = set(Job.objects.about(ticket).values_list("state", flat=True))
    assert states == {JobState.CANCELLED}
    services.reopen(ticket, actor=world.acme_reporter, reason="down again", now=pacific("10T08:00"))
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.due_at == pacific("10T10:30")


def test_an_agreed_downgrade_applies_from_the_report_time(world: Any) -> None:
    ticket = report(world)
    severity.propose_severity(
        ticket, 3, actor=world.agent, reason="workaround exists", now=pacific("09T09:30")
    )
    ticket.refresh_from_db()
    assert ticket.dispute_open and ticket.severity_in_force == 1
    with pytest.raises(Refused):
        severity.answer_proposal(ticket, accept=True, actor=world.globex_admin)
    severity.answer_proposal(ticket, accept=True, actor=world.acme_admin, now=pacific("09T10:00"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed, ticket.dispute_open) == (
        3,
        True,
        False,
    )
    assert ticket.due_at == pacific("11T09:00")


def test_staff_only_actions_are_refused_to_customers(world: Any) -> None:
    ticket = report(world)
    with pytest.raises(Refused):
        services.change_status(
            ticket, Status.RESTORED, actor=world.acme_reporter, repair="permanent"
        )
    with pytest.raises(Refused):
        severity.designate_severity(ticket, 2, actor=world.agent)
    with pytest.raises(Refused):
        services.add_comment(ticket, author=world.acme_reporter, body="psst", internal=True)


def test_events_are_append_only(world: Any) -> None:
    ticket = report(world)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.REPORTED)
    event.data = {"tampered": True}
    with pytest.raises(Immutable):
        event.save()
    with pytest.raises(Immutable):
        event.delete()
