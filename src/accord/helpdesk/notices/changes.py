"""What a ticket change announces: `notice_for_change` and the CHANGE_LISTENER that enqueues it.

Staff-only notes never reach a customer: `add_comment` does not announce them, and
`notice_for_change` drops them if it ever sees one.
"""

from __future__ import annotations

import logging
from typing import Any

from accord.accounts.models import User
from accord.helpdesk.models import Comment, Ticket, TicketEvent
from accord.helpdesk.notices.fan_out import fan_out_job
from accord.helpdesk.notices.notice import Notice, name_of, severity_label
from accord.work.models import Job
from accord.work.outbox import is_muted

logger = logging.getLogger(__name__)


def _latest_event(ticket: Ticket) -> TicketEvent | None:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-pk").first()


_STATUS_HEADLINES = {
    "acknowledged": "Support acknowledged the fault",
    "in_progress": "Support is working on the fault",
    "restored": "Service restored",
    "fix_delivered": "Permanent fix delivered",
    "closed": "Ticket closed",
    "reopened": "Ticket reopened: the fault returned",
    "paused": "Support paused the clock",
    "resumed": "The clock runs again",
}


def notice_for_change(
    ticket: Ticket,
    what: str,
    *,
    actor: User | None,
    comment: Comment | None,
    event: TicketEvent | None = None,
) -> Notice | None:
    """The notice for a ticket change reported through `after_ticket_change`; `event` is the
    event the change appended (read back, the ticket's latest, when not given)."""
    if what == "commented":
        if comment is None or comment.internal:
            return None  # staff-only notes are never announced
        who = name_of(comment.author)
        return Notice(
            ticket=ticket,
            event="ticket.commented",
            slug=f"comment-{comment.pk}",
            at=comment.created_at,
            headline=f"{who} commented",
            customer_headline=f"{who} commented",
            actor=actor,
            comment=comment,
            staff="ticket",
        )
    if event is None:
        event = _latest_event(ticket)
    if event is None:
        return None
    at = event.at
    base: dict[str, Any] = {"ticket": ticket, "at": at, "actor": actor}
    if what == "reported":
        return Notice(
            **base,
            event="ticket.reported",
            slug="reported",
            headline=f"New fault reported by {name_of(ticket.reported_by)} "
            f"({ticket.organisation.name})",
            customer_headline="We have received your fault report",
            lines=[f"Channel: {ticket.get_channel_display()}"],
            staff="all",
            include_reporter=True,
        )
    slug = f"event-{event.pk}"
    if what in _STATUS_HEADLINES:
        lines = []
        if event.data.get("repair"):
            lines.append(f"Repair: {event.data['repair']}.")
        for label in ("note", "reason"):
            if event.data.get(label):
                lines.append(f"{label.capitalize()}: {event.data[label]}")
        return Notice(
            **base,
            event=f"ticket.{what}",
            slug=slug,
            headline=_STATUS_HEADLINES[what],
            customer_headline=_STATUS_HEADLINES[what],
            lines=lines,
            staff="ticket" if what in ("reopened", "resumed") else "none",
        )
    if what == "severity_designated":
        text = f"Severity designated: {severity_label(event.severity)}"
        return Notice(
            **base,
            event="ticket.severity_designated",
            slug=slug,
            headline=f"The customer designated the severity: {severity_label(event.severity)}",
            customer_headline=text,
            staff="ticket",
        )
    if what == "severity_proposed":
        return _proposal_notice(base, slug, event)
    if what == "severity_rejected":
        note = event.data.get("note", "")
        by = "Support" if actor is not None and actor.is_vendor_staff else "The customer"
        return Notice(
            **base,
            event="ticket.severity_rejected",
            slug=slug,
            headline=f"{by} rejected the severity proposal",
            customer_headline="The severity proposal was rejected",
            lines=[f"Note: {note}"] if note else [],
            staff="all",
        )
    if what == "severity_agreed":
        lines = [f"How: {event.data['how']}."] if event.data.get("how") else []
        if isinstance(event.data.get("accepted_by"), dict):
            lines.append(
                f"Proposed by {event.data['proposed_by']['name']}, accepted by "
                f"{event.data['accepted_by']['name']}."
            )
        elif event.data.get("vendor_party"):
            lines.append(
                f"Agreed by {event.data['vendor_party']} (vendor) and "
                f"{event.data.get('customer_party', '')} (customer)."
            )
        text = f"Severity agreed: {severity_label(event.severity)}, from the report time"
        return Notice(
            **base,
            event="ticket.severity_agreed",
            slug=slug,
            headline=text,
            customer_headline=text,
            lines=lines,
            staff="all",
        )
    if what == "assigned":
        return _assignment_notice(base, slug, event)
    if what in _CONTEST_HEADLINES:
        return _contest_notice(base, slug, what, event)
    logger.debug("no notification for ticket change %r", what)
    return None


def _assignment_notice(base: dict[str, Any], slug: str, event: TicketEvent) -> Notice | None:
    """Staff only (customers are not emailed): the new assignee, or the members of the group
    the ticket went to without an assignee (`accord.helpdesk.assignment`)."""
    data = event.data
    if not data.get("notified"):
        return None
    if data.get("assignee_name"):
        headline = f"Ticket assigned to {data['assignee_name']}"
    else:
        headline = f"Ticket assigned to the group {data.get('group_name')}"
    lines = [f"Group: {data['group_name']}"] if data.get("group_name") else []
    return Notice(
        **base,
        event="ticket.assigned",
        slug=slug,
        headline=headline,
        lines=lines,
        staff="people",
        data={
            "assignee": data.get("assignee"),
            "group": data.get("group"),
            "staff_ids": list(data["notified"]),
        },
    )


def _proposal_notice(base: dict[str, Any], slug: str, event: TicketEvent) -> Notice:
    """A severity proposal: from the customer, the managers answer it; from support, it opens
    a dispute that both sides see."""
    proposed = severity_label(event.severity)
    current = severity_label(event.data.get("from"))
    if event.data.get("side") == "customer":
        headline = f"The customer proposes severity {proposed} instead of {current}"
        customer_headline = f"Severity {proposed} proposed to support"
        then = (
            "A support manager accepts or rejects it on the ticket's page; until then "
            f"{current} stands."
        )
        staff = "managers"
    else:
        headline = f"Severity dispute opened: {proposed} proposed instead of {current}"
        customer_headline = f"Support proposes severity {proposed} instead of {current}"
        then = (
            "Your severity stands until both sides agree. Accept or reject the proposal on "
            "the ticket's page."
        )
        staff = "all"
    return Notice(
        **base,
        event="ticket.severity_proposed",
        slug=slug,
        headline=headline,
        customer_headline=customer_headline,
        lines=[f"Reason: {event.data.get('reason', '')}", then],
        staff=staff,
    )


# Contested restorations (accord.helpdesk.restoration): (staff headline, customer headline).
_CONTEST_HEADLINES = {
    "restoration_contested": (
        "The customer contests the restoration: service was not restored",
        "You contested the restoration: the clock runs again until support answers",
    ),
    "restoration_withdrawn": (
        "Restoration withdrawn: both sides agree it never held",
        "Support agrees service was not restored: the clock counts from the report",
    ),
    "contest_rejected": (
        "Contest rejected: the restoration stands (a dispute on the report)",
        "Support maintains that service was restored; the dispute is shown on your report",
    ),
}


def _contest_notice(base: dict[str, Any], slug: str, what: str, event: TicketEvent) -> Notice:
    """The vendor is told of a contest (managers answer it), the customer of the answer."""
    headline, customer_headline = _CONTEST_HEADLINES[what]
    lines = [
        f"{label.capitalize()}: {event.data[label]}"
        for label in ("reason", "note")
        if event.data.get(label)
    ]
    return Notice(
        **base,
        event=f"ticket.{what}",
        slug=slug,
        headline=headline,
        customer_headline=customer_headline,
        lines=lines,
        staff="all" if what == "restoration_contested" else "ticket",
    )


def on_ticket_change(
    ticket: Ticket,
    what: str,
    *,
    actor: User | None,
    comment: Comment | None = None,
    event: TicketEvent | None = None,
) -> list[Job]:
    """The CHANGE_LISTENER: the notice of a change as one `notify` job, which
    `after_ticket_change` enqueues in the change's transaction and the worker fans out into
    the emails and webhook deliveries (`fan_out`)."""
    if is_muted():
        return []
    notice = notice_for_change(ticket, what, actor=actor, comment=comment, event=event)
    return [] if notice is None else [fan_out_job(notice)]
