"""Tickets whose service has been back for a while close themselves (issue 21, item 7).

A ticket restored (or fix-delivered) with nothing added to it (no comment) for
`ACCORD_AUTO_CLOSE_DAYS` days (7 by default; 0 turns it off) is closed by Accord, as help desks
close solved tickets: the customer could close it and did not, and the conversation is over.
It is never closed while its restoration may still be contested or a contest is open: then it
closes when the contest window ends. The close is an ordinary `closed` event by Accord (no
person), with the reason in its note; the customer can reopen the ticket as after any close.

The worker runs `close_due` hourly. A ticket closes at the instant it became due, so a worker
that was stopped for a day closes the backlog at the instants it would have, and the demo's
history is closed the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from accord.engine.timeutil import from_epoch
from accord.helpdesk import services
from accord.helpdesk.models import EventKind, Status, Ticket

INTERVAL = timedelta(hours=1)
_BACK = (Status.RESTORED, Status.FIX_DELIVERED)
_BACK_EVENTS = (EventKind.RESTORED, EventKind.FIX_DELIVERED)


def auto_close_days() -> int:
    return int(getattr(settings, "ACCORD_AUTO_CLOSE_DAYS", 7))


def due_at(ticket: Ticket, *, days: int, now: datetime) -> datetime | None:
    """When the ticket closes itself: `days` after its last restoration, fix or comment, and not
    before its contest window ends; None when it is not restored or a contest is open."""
    if ticket.status not in _BACK:
        return None
    back = ticket.events.filter(kind__in=_BACK_EVENTS).aggregate(last=Max("at")).get("last")
    if back is None:
        return None
    clock = services.evaluate(ticket, now)
    if clock.restoration_contested:
        return None
    commented = ticket.comments.aggregate(last=Max("created_at"))["last"]
    due = max(back, commented or back) + timedelta(days=days)
    if clock.contest_until is not None:
        due = max(due, from_epoch(clock.contest_until))
    return due


def close_if_due(ticket: Ticket, *, now: datetime, days: int | None = None) -> bool:
    """Close the ticket if it is due by `now`; True when it was closed."""
    days = auto_close_days() if days is None else days
    if days <= 0:
        return False
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        due = due_at(ticket, days=days, now=now)
        if due is None or due > now:
            return False
        services.close_automatically(ticket, days=days, at=due)
    return True


def close_due(now: datetime) -> int:
    """Every ticket due to close by `now` (the worker's hourly pass); how many closed."""
    days = auto_close_days()
    if days <= 0:
        return 0
    back_before = now - timedelta(days=days)
    candidates = (
        Ticket.objects.filter(status__in=_BACK)
        .annotate(back=Max("events__at", filter=Q(events__kind__in=_BACK_EVENTS)))
        .filter(back__lte=back_before)
        .order_by("pk")
    )
    return sum(close_if_due(ticket, now=now, days=days) for ticket in candidates)
