"""Restored tickets nobody closed close themselves after ACCORD_AUTO_CLOSE_DAYS (issue 21,
item 7): at the instant they became due, never while the restoration may still be contested
or a contest is open, and the customer can reopen them as after any close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accord.helpdesk import auto_close, restoration, services
from accord.helpdesk.models import EventKind, Status, Ticket

from .test_agreements import pacific, report, restore

RESTORED_AT = "09T12:00"


def restored(world: Any) -> Ticket:
    ticket = report(world, 2)
    restore(world, ticket, RESTORED_AT)
    ticket.refresh_from_db()
    return ticket


def test_a_ticket_restored_seven_days_ago_is_closed_at_the_instant_it_became_due(
    world: Any,
) -> None:
    ticket = restored(world)
    week_later = pacific(RESTORED_AT) + timedelta(days=7)
    assert auto_close.close_due(week_later - timedelta(minutes=1)) == 0
    assert auto_close.close_due(week_later + timedelta(hours=1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    closed = ticket.events.get(kind=EventKind.CLOSED)
    assert (closed.actor, closed.at) == (None, week_later)
    assert closed.data["note"] == (
        "Closed automatically: the service was back and nothing was added for 7 days"
    )
    assert auto_close.close_due(week_later + timedelta(days=1)) == 0  # once
    services.reopen(ticket, actor=world.acme_reporter, reason="back", now=week_later)
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED  # the customer reopens it as after any close


def test_a_comment_starts_the_seven_days_again(world: Any) -> None:
    ticket = restored(world)
    comment_at = pacific(RESTORED_AT) + timedelta(days=5)
    services.add_comment(ticket, author=world.acme_reporter, body="works now", now=comment_at)
    assert auto_close.close_due(pacific(RESTORED_AT) + timedelta(days=8)) == 0
    auto_close.close_due(comment_at + timedelta(days=8))
    assert ticket.events.get(kind=EventKind.CLOSED).at == comment_at + timedelta(days=7)


def test_no_close_while_a_contest_is_open_or_when_turned_off(world: Any, settings: Any) -> None:
    ticket = restored(world)
    restoration.contest_restoration(
        ticket, actor=world.acme_reporter, reason="still down", now=pacific("09T13:00")
    )
    assert auto_close.close_due(pacific(RESTORED_AT) + timedelta(days=30)) == 0
    other = restored(world)
    settings.ACCORD_AUTO_CLOSE_DAYS = 0
    assert auto_close.close_due(pacific(RESTORED_AT) + timedelta(days=30)) == 0
    other.refresh_from_db()
    assert other.status == Status.RESTORED


def test_the_contest_window_delays_the_close(world: Any, settings: Any) -> None:
    settings.ACCORD_AUTO_CLOSE_DAYS = 1
    ticket = restored(world)
    window_end = auto_close.due_at(ticket, days=0, now=pacific(RESTORED_AT))
    assert window_end == pacific(RESTORED_AT) + timedelta(hours=24)  # the policy's 24 h
    auto_close.close_due(pacific(RESTORED_AT) + timedelta(days=3))
    assert ticket.events.get(kind=EventKind.CLOSED).at == pacific(RESTORED_AT) + timedelta(days=1)
