"""A notice: one thing worth telling people about a ticket; the names and severities it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.accounts.models import User
from accord.helpdesk.models import Comment, Severity, Ticket


@dataclass
class Notice:
    """One thing worth telling people about a ticket, and who is to be told."""

    ticket: Ticket
    event: str  # the webhook event name: "ticket.restored", "clock.breach", ...
    slug: str  # unique per ticket: the Message-ID part and the job keys' suffix
    at: datetime
    headline: str  # for staff
    customer_headline: str = ""  # empty: customers are not told
    lines: list[str] = field(default_factory=list)  # details shown to both sides
    actor: User | None = None
    comment: Comment | None = None
    # "all" (agents and managers), "managers" (managers and vendor admins), "ticket" (who
    # worked on it), "people" (the staff in data["staff_ids"]), "none"
    staff: str = "none"
    include_reporter: bool = False  # tell the reporter even when they are the actor
    subject_tag: str = ""  # prefix of the subject for alarms
    data: dict[str, Any] = field(default_factory=dict)  # extra webhook fields

    @property
    def key(self) -> str:
        return f"ticket:{self.ticket.pk}:{self.slug}"


def severity_label(value: int | None) -> str:
    if value is None:
        return "not yet designated"
    return str(Severity(value).label) if value in Severity.values else str(value)


def name_of(user: User | None) -> str:
    if user is None:
        return "Accord"
    return user.get_full_name() or user.email
