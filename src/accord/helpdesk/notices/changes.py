"""What a ticket change announces: `notice_for_change` and the CHANGE_LISTENER that enqueues it.

Staff-only notes never reach a customer: `add_comment` does not announce them, and
`notice_for_change` drops them if it ever sees one.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_noop

from accord.accounts.models import User
from accord.helpdesk.models import Channel, Comment, Repair, Ticket, TicketEvent
from accord.helpdesk.notices.fan_out import fan_out_job
from accord.helpdesk.notices.notice import (
    Notice,
    Phrase,
    Words,
    label_phrase,
    name_of,
    phrase,
    severity_phrase,
)
from accord.work.models import Job
from accord.work.outbox import is_muted

logger = logging.getLogger(__name__)


def _latest_event(ticket: Ticket) -> TicketEvent | None:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-pk").first()


# The headlines are msgids: each reader's email says them in the reader's language.
_STATUS_HEADLINES = {
    "acknowledged": gettext_noop("Support acknowledged the fault"),
    "in_progress": gettext_noop("Support is working on the fault"),
    "restored": gettext_noop("Service restored"),
    "fix_delivered": gettext_noop("Permanent fix delivered"),
    "closed": gettext_noop("Ticket closed"),
    "reopened": gettext_noop("Ticket reopened: the fault returned"),
    "paused": gettext_noop("Support paused the clock"),
    "resumed": gettext_noop("The clock runs again"),
}
# The labels of what a person wrote on an event, shown before it ("Note: On it").
_DATA_LINES = {
    "note": gettext_noop("Note: %(what)s"),
    "reason": gettext_noop("Reason: %(what)s"),
}


def _choice(choices: Any, value: str) -> Words:
    """A stored choice's label in the reader's language (the value itself if it is no longer
    a choice)."""
    return label_phrase(choices(value).label) if value in choices.values else value


def _data_lines(data: dict[str, Any], labels: tuple[str, ...]) -> list[Words]:
    return [phrase(_DATA_LINES[label], what=data[label]) for label in labels if data.get(label)]


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
        commented = phrase(gettext_noop("%(person)s commented"), person=name_of(comment.author))
        return Notice(
            ticket=ticket,
            event="ticket.commented",
            slug=f"comment-{comment.pk}",
            at=comment.created_at,
            headline=commented,
            customer_headline=commented,
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
            headline=phrase(
                gettext_noop("New fault reported by %(person)s (%(customer)s)"),
                person=name_of(ticket.reported_by),
                customer=ticket.organisation.name,
            ),
            customer_headline=phrase(gettext_noop("We have received your fault report")),
            lines=[
                phrase(
                    gettext_noop("Channel: %(channel)s"), channel=_choice(Channel, ticket.channel)
                )
            ],
            staff="all",
            include_reporter=True,
        )
    slug = f"event-{event.pk}"
    if what in _STATUS_HEADLINES:
        lines: list[Words] = []
        if event.data.get("repair"):
            lines.append(phrase("%(repair)s.", repair=_choice(Repair, event.data["repair"])))
        lines += _data_lines(event.data, ("note", "reason"))
        return Notice(
            **base,
            event=f"ticket.{what}",
            slug=slug,
            headline=phrase(_STATUS_HEADLINES[what]),
            customer_headline=phrase(_STATUS_HEADLINES[what]),
            lines=lines,
            staff="ticket" if what in ("reopened", "resumed") else "none",
        )
    if what == "severity_designated":
        severity = severity_phrase(event.severity)
        return Notice(
            **base,
            event="ticket.severity_designated",
            slug=slug,
            headline=phrase(
                gettext_noop("The customer designated the severity: %(severity)s"),
                severity=severity,
            ),
            customer_headline=phrase(
                gettext_noop("Severity designated: %(severity)s"), severity=severity
            ),
            staff="ticket",
        )
    if what == "severity_proposed":
        return _proposal_notice(base, slug, event)
    if what == "severity_rejected":
        by_support = actor is not None and actor.is_vendor_staff
        return Notice(
            **base,
            event="ticket.severity_rejected",
            slug=slug,
            headline=phrase(
                gettext_noop("Support rejected the severity proposal")
                if by_support
                else gettext_noop("The customer rejected the severity proposal")
            ),
            customer_headline=phrase(gettext_noop("The severity proposal was rejected")),
            lines=_data_lines(event.data, ("note",)),
            staff="all",
        )
    if what == "severity_agreed":
        # `how` is stored English ("proposed by the customer, accepted by the vendor"), shown as
        # stored, as on the ticket's page.
        lines: list[Words] = (
            [phrase(gettext_noop("How: %(how)s."), how=event.data["how"])]
            if event.data.get("how")
            else []
        )
        if isinstance(event.data.get("accepted_by"), dict):
            lines.append(
                phrase(
                    gettext_noop("Proposed by %(proposer)s, accepted by %(acceptor)s."),
                    proposer=event.data["proposed_by"]["name"],
                    acceptor=event.data["accepted_by"]["name"],
                )
            )
        elif event.data.get("vendor_party"):
            lines.append(
                phrase(
                    gettext_noop("Agreed by %(vendor)s (vendor) and %(customer)s (customer)."),
                    vendor=event.data["vendor_party"],
                    customer=event.data.get("customer_party", ""),
                )
            )
        text = phrase(
            gettext_noop("Severity agreed: %(severity)s, from the report time"),
            severity=severity_phrase(event.severity),
        )
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
        headline = phrase(
            gettext_noop("Ticket assigned to %(person)s"), person=data["assignee_name"]
        )
    else:
        headline = phrase(
            gettext_noop("Ticket assigned to the group %(group)s"),
            group=str(data.get("group_name")),
        )
    lines: list[Words] = (
        [phrase(gettext_noop("Group: %(group)s"), group=data["group_name"])]
        if data.get("group_name")
        else []
    )
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
    both = {
        "proposed": severity_phrase(event.severity),
        "current": severity_phrase(event.data.get("from")),
    }
    if event.data.get("side") == "customer":
        headline = gettext_noop(
            "The customer proposes severity %(proposed)s instead of %(current)s"
        )
        customer_headline = gettext_noop("Severity %(proposed)s proposed to support")
        then = phrase(
            gettext_noop(
                "A support manager accepts or rejects it on the ticket's page; until then "
                "%(current)s stands."
            ),
            current=both["current"],
        )
        staff = "managers"
    else:
        headline = gettext_noop(
            "Severity dispute opened: %(proposed)s proposed instead of %(current)s"
        )
        customer_headline = gettext_noop(
            "Support proposes severity %(proposed)s instead of %(current)s"
        )
        then = phrase(
            gettext_noop(
                "Your severity stands until both sides agree. Accept or reject the proposal on "
                "the ticket's page."
            )
        )
        staff = "all"
    return Notice(
        **base,
        event="ticket.severity_proposed",
        slug=slug,
        headline=Phrase(headline, both),
        customer_headline=Phrase(customer_headline, both),
        lines=[phrase(_DATA_LINES["reason"], what=event.data.get("reason", "")), then],
        staff=staff,
    )


# Contested restorations (accord.helpdesk.restoration): (staff headline, customer headline).
_CONTEST_HEADLINES = {
    "restoration_contested": (
        gettext_noop("The customer contests the restoration: service was not restored"),
        gettext_noop("You contested the restoration: the clock runs again until support answers"),
    ),
    "restoration_withdrawn": (
        gettext_noop("Restoration withdrawn: both sides agree it never held"),
        gettext_noop("Support agrees service was not restored: the clock counts from the report"),
    ),
    "contest_rejected": (
        gettext_noop("Contest rejected: the restoration stands (a dispute on the report)"),
        gettext_noop(
            "Support maintains that service was restored; the dispute is shown on your report"
        ),
    ),
}


def _contest_notice(base: dict[str, Any], slug: str, what: str, event: TicketEvent) -> Notice:
    """The vendor is told of a contest (managers answer it), the customer of the answer."""
    headline, customer_headline = _CONTEST_HEADLINES[what]
    return Notice(
        **base,
        event=f"ticket.{what}",
        slug=slug,
        headline=phrase(headline),
        customer_headline=phrase(customer_headline),
        lines=_data_lines(event.data, ("reason", "note")),
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
