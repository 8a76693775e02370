"""Pausing the return-to-service clock, where the contract allows it: support pauses with a
reason the customer sees, paused time does not count, and the customer's next comment (or
support) resumes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.core.errors import Refused
from accord.engine.timeutil import from_epoch, parse_instant
from accord.helpdesk import services
from accord.helpdesk.models import EventKind, Ticket
from accord.work.models import Job, JobState

SECOND = timedelta(seconds=1)


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


def allow_pausing(world: Any) -> None:
    contract = world.acme.contract
    contract.policy_data = {**contract.policy_data, "clock": {**contract.policy_data["clock"]}}
    contract.policy_data["clock"]["allow_pause"] = True
    contract.save()


def report(world: Any) -> Ticket:
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=1),
        now=pacific("09T09:00"),
    )
    return Ticket.objects.get(pk=ticket.pk)  # the contract as stored now


def test_paused_time_does_not_count(world: Any) -> None:
    allow_pausing(world)
    ticket = report(world)
    assert ticket.due_at == pacific("09T13:00")  # Severity 1: 4 support hours
    services.pause_clock(
        ticket, actor=world.agent, reason="Waiting for the export file", now=pacific("09T10:00")
    )
    ticket.refresh_from_db()
    assert (ticket.clock_state, ticket.used_seconds, ticket.due_at) == ("paused", 3600, None)
    assert ticket.next_warning_at is None  # no warning while paused
    breach = Job.objects.get(key=f"ticket:{ticket.pk}:breach")
    assert breach.state == JobState.CANCELLED  # nor a breach notice

    services.resume_clock(ticket, actor=world.agent, now=pacific("09T11:30"))
    ticket.refresh_from_db()
    assert ticket.clock_state == "running"
    assert ticket.due_at == pacific("09T14:30")  # 90 minutes later than without the pause
    breach.refresh_from_db()
    # A breach is a second over the target.
    assert (breach.state, breach.due_at) == (JobState.PENDING, pacific("09T14:30") + SECOND)
    result = services.evaluate(ticket, pacific("09T12:30"))
    assert result.used_seconds == 2 * 3600  # 09:00-10:00 and 11:30-12:30
    kinds = list(ticket.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.PAUSED, EventKind.RESUMED]


def test_the_customers_next_comment_resumes_the_clock(world: Any) -> None:
    allow_pausing(world)
    ticket = report(world)
    services.pause_clock(ticket, actor=world.agent, reason="Send the log", now=pacific("09T10:00"))
    # Staff comments and internal notes leave it paused.
    services.add_comment(ticket, author=world.agent, body="Any news?", now=pacific("09T10:30"))
    services.add_comment(
        ticket, author=world.agent, body="chase", internal=True, now=pacific("09T10:40")
    )
    ticket.refresh_from_db()
    assert ticket.clock_state == "paused"

    services.add_comment(
        ticket, author=world.acme_reporter, body="Log attached.", now=pacific("09T11:00")
    )
    ticket.refresh_from_db()
    assert ticket.clock_state == "running" and ticket.due_at == pacific("09T14:00")
    resumed = ticket.events.get(kind=EventKind.RESUMED)
    assert resumed.actor == world.acme_reporter
    assert resumed.data == {"note": "the customer replied"}


def test_pausing_is_refused_unless_allowed_running_and_explained(world: Any) -> None:
    ticket = report(world)
    with pytest.raises(services.StateConflict, match="contract does not allow pausing"):
        services.pause_clock(ticket, actor=world.agent, reason="waiting", now=pacific("09T10:00"))
    allow_pausing(world)
    ticket = Ticket.objects.get(pk=ticket.pk)
    with pytest.raises(services.NotPermitted, match="only the vendor's support staff"):
        services.pause_clock(
            ticket, actor=world.acme_reporter, reason="lunch", now=pacific("09T10:00")
        )
    with pytest.raises(Refused, match="^reason:"):
        services.pause_clock(ticket, actor=world.agent, reason="  ", now=pacific("09T10:00"))
    with pytest.raises(services.StateConflict, match="only a paused clock"):
        services.resume_clock(ticket, actor=world.agent, now=pacific("09T10:00"))
    services.pause_clock(ticket, actor=world.agent, reason="waiting", now=pacific("09T10:00"))
    with pytest.raises(services.StateConflict, match="only a running clock"):
        services.pause_clock(ticket, actor=world.agent, reason="again", now=pacific("09T10:05"))
    with pytest.raises(services.NotPermitted):
        services.resume_clock(ticket, actor=world.globex_reporter, now=pacific("09T10:10"))


def test_the_ticket_page_offers_pause_and_shows_the_reason(
    world: Any, in_support_hours: Any
) -> None:
    agent, customer = Client(), Client()
    agent.force_login(world.agent)
    customer.force_login(world.acme_reporter)
    ticket = report(world)
    page = reverse("ticket_detail", args=[ticket.pk])
    assert "Pause the clock" not in agent.get(page).content.decode()  # the contract says no

    allow_pausing(world)
    assert "Pause the clock" in agent.get(page).content.decode()
    assert "Pause the clock" not in customer.get(page).content.decode()
    refused = agent.post(reverse("ticket_pause", args=[ticket.pk]), {"pause-reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()

    done = agent.post(
        reverse("ticket_pause", args=[ticket.pk]), {"pause-reason": "Waiting for your HAR file"}
    )
    assert done.status_code == 302
    seen = customer.get(page).content.decode()
    assert "The clock is paused</strong>: Waiting for your HAR file" in seen
    assert "your next comment resumes it" in seen and "Clock paused" in seen
    assert "Resume the clock" in agent.get(page).content.decode()

    customer.post(reverse("ticket_comment", args=[ticket.pk]), {"comment-body": "Attached."})
    assert "Clock running" in customer.get(page).content.decode()


def test_a_ticket_paused_under_earlier_terms_stays_readable(
    world: Any, in_support_hours: Any
) -> None:
    allow_pausing(world)
    ticket = report(world)
    services.pause_clock(ticket, actor=world.agent, reason="waiting", now=pacific("09T10:00"))
    contract = world.acme.contract
    contract.policy_data["clock"]["allow_pause"] = False  # the terms change
    contract.save()
    ticket = Ticket.objects.get(pk=ticket.pk)
    # The pause no longer counts: the clock ran on, as the new terms have it.
    assert services.evaluate(ticket, pacific("09T12:00")).used_seconds == 3 * 3600
    agent = Client()
    agent.force_login(world.agent)
    page = agent.get(reverse("ticket_detail", args=[ticket.pk]))
    assert page.status_code == 200 and "Clock running" in page.content.decode()
