"""How the help desk API shows a ticket, its clock, comments and attachments: the dictionaries
the schemas of `accord.helpdesk.api.schemas` validate. Rendering reads, it never writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from accord.accounts.access import is_staff
from accord.accounts.api import person
from accord.accounts.models import User
from accord.helpdesk import selectors, services, severity
from accord.helpdesk.models import Attachment, Comment, EventKind, Ticket, TicketEvent


def _ticket_url(ticket: Ticket) -> str:
    return f"/api/tickets/{ticket.pk}"


def _clock(ticket: Ticket) -> dict[str, Any]:
    target = ticket.target_seconds
    return {
        "severity_designated": ticket.severity,
        "severity_in_force": ticket.severity_in_force,
        "severity_agreed": ticket.severity_agreed,
        "dispute_open": ticket.dispute_open,
        "severity_disputed": ticket.severity_disputed,
        "target_seconds": target,
        "used_seconds": ticket.used_seconds,
        "remaining_seconds": None if target is None else target - ticket.used_seconds,
        "state": ticket.clock_state,
        "standing": ticket.standing,
        "due_at": ticket.due_at,
        "breached_at": ticket.breached_at,
        "next_warning_at": ticket.next_warning_at,
        "computed_at": ticket.clock_computed_at,
    }


def staff_member(user: User) -> dict[str, Any]:
    """A member of the staff as StaffOut (for staff eyes only)."""
    return {"id": user.pk, "name": user.get_full_name() or user.email, "email": user.email}


def _ownership(ticket: Ticket, staff: bool) -> dict[str, Any]:
    """Who handles the ticket: staff see the assignee and the group; customers only whether
    Support has taken it (docs/helpdesk.md)."""
    assigned = ticket.assignee_id is not None or ticket.group_id is not None
    if not staff:
        return {"assigned": assigned, "assignee": None, "group": None}
    group = ticket.group if ticket.group_id is not None else None
    return {
        "assigned": assigned,
        "assignee": staff_member(ticket.assignee) if ticket.assignee is not None else None,
        "group": {"id": group.pk, "name": group.name} if group is not None else None,
    }


def _ticket(ticket: Ticket, staff: bool = True) -> dict[str, Any]:
    organisation, module, region = ticket.organisation, ticket.module, ticket.region
    return {
        "id": ticket.pk,
        "url": _ticket_url(ticket),
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "module": {"slug": module.slug, "name": module.name},
        "region": {"code": region.code, "name": region.name, "timezone": region.timezone},
        "summary": ticket.summary,
        "severity": ticket.severity,
        "status": ticket.status,
        "is_open": ticket.is_open,
        "repair": ticket.repair,
        "channel": ticket.channel,
        "reported_by": person(ticket.reported_by),
        "reported_at": ticket.reported_at,
        "clock": _clock(ticket),
        **_ownership(ticket, staff),
    }


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": person(comment.author),
        "body": comment.body,
        "internal": comment.internal,
        "channel": comment.channel,
        "created_at": comment.created_at,
    }


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "url": f"/api/tickets/{attachment.ticket_id}/attachments/{attachment.pk}",
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "internal": attachment.internal,
        "uploaded_by": person(attachment.uploaded_by),
        "created_at": attachment.created_at,
    }


def _detail(ticket: Ticket, viewer: User, opened: TicketEvent | None = None) -> dict[str, Any]:
    """The ticket as TicketDetailOut, its clock recomputed for now.

    `opened`: the ticket was opened by this request and `opened` is its `reported` event, so
    nothing is read back: that event is its whole log, it has no comments or attachments yet,
    and its clock columns are the engine's, computed from that event for this request's moment
    as the row was written."""
    if opened is not None:
        return _render_detail(ticket, [opened], comments=[], attachments=[], fix=None)
    services.refresh_clocks([ticket])
    events = list(ticket.events.select_related("actor").order_by("at", "pk"))
    return _render_detail(
        ticket,
        events,
        comments=services.visible_comments(ticket, viewer),
        attachments=services.visible_attachments(ticket, viewer),
        fix=selectors.fixing_release(ticket),
        staff=is_staff(viewer),
    )


def _fixing_release(release: Any) -> dict[str, Any] | None:
    """A `releases.Release` (or None) as FixingReleaseOut."""
    if release is None:
        return None
    module_region = release.module_region
    return {
        "version": release.version,
        "kind": release.kind,
        "module": module_region.module.slug,
        "region": module_region.region.code,
        "deployed_at": release.deployed_at,
    }


def _render_detail(
    ticket: Ticket,
    events: list[TicketEvent],
    *,
    comments: Iterable[Comment],
    attachments: Iterable[Attachment],
    fix: Any,
    staff: bool = True,
) -> dict[str, Any]:
    proposal = severity.SeverityState(ticket, events).proposal
    if not staff:  # who handles the ticket is for staff (its assignment events too)
        events = [e for e in events if e.kind != EventKind.ASSIGNED]
    return {
        **_ticket(ticket, staff),
        "description": ticket.description,
        "fixed_by_release": _fixing_release(fix),
        "open_proposal": (
            {
                "event_id": proposal.pk,
                "severity": proposal.severity,
                "reason": proposal.data.get("reason", ""),
                "proposed_by": person(proposal.actor),
                "side": severity.proposal_side(proposal),
                "at": proposal.at,
            }
            if proposal is not None
            else None
        ),
        "events": [
            {
                "id": e.pk,
                "kind": e.kind,
                "label": _english(e.kind),
                "at": e.at,
                "actor": person(e.actor),
                "severity": e.severity,
                "data": e.data,
            }
            for e in events
        ],
        "comments": [_comment(c) for c in comments],
        "attachments": [_attachment(a) for a in attachments],
    }


def _english(kind: str) -> str:
    """An event's label as the API has it: English, whatever the request's language."""
    if kind not in EventKind.values:
        return kind
    with translation.override("en"):
        return str(EventKind(kind).label)
