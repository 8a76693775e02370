"""Severity: the customer's designation, and changes agreed by both sides.

The rules (docs/sla-model.md, "Severity and agreements"):

- the customer designates the severity when reporting, or changes its designation as soon as
  practicable while the clock runs (the ticket is not restored, fix-delivered or closed);
- once the ticket is restored or closed, or once a severity was agreed, the customer cannot
  designate any more: a change is a proposal that the other side accepts;
- either side proposes: the vendor's staff, or the ticket's reporter or a customer admin of its
  organisation. A vendor proposal is answered by the reporter or a customer admin; a customer
  proposal by a support manager (or a vendor admin). Nobody answers their own proposal, and no
  side answers its own side's proposal, so no single account can produce an agreement;
- one proposal is open at a time; open, restored and closed tickets all take proposals;
- an agreement (`severity_agreed`) records both people, both times, the note, and the severity
  and clock figures before and after it;
- a rejected proposal leaves the dispute unresolved (the severity in force stands, the ticket
  shows "disputed" in the lists and on the report) until an agreement or a recorded meeting
  (`severity_settled`, recorded by a support manager or a customer admin, naming who met and
  when) settles it; a meeting never changes the severity: a change is still a proposal the
  other side accepts.

Every refusal raises `NotPermitted` (this person) or `StateConflict` (the ticket's state) with
a message starting with the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.accounts.access import is_manager, is_staff
from accord.accounts.models import Role, User
from accord.accounts.terms import InvalidTerms
from accord.core.errors import NotPermitted, Refused, StateConflict
from accord.engine import clocks
from accord.engine.timeutil import from_epoch
from accord.helpdesk.clock_jobs import after_ticket_change
from accord.helpdesk.models import EventKind, Severity, Ticket, TicketEvent
from accord.helpdesk.services import (
    REOPENABLE,
    _append,
    _check_severity,
    _now,
    evaluate,
    recompute_clock,
)

# The events that decide the severity in force, whether it is agreed, and the open proposal.
_SEVERITY_KINDS = (
    EventKind.REPORTED,
    EventKind.SEVERITY_DESIGNATED,
    EventKind.SEVERITY_PROPOSED,
    EventKind.SEVERITY_REJECTED,
    EventKind.SEVERITY_AGREED,
    EventKind.SEVERITY_SETTLED,
    EventKind.RESTORED,
)


def side_of(user: User | None) -> str:
    """ "vendor" or "customer"."""
    return "vendor" if user is not None and user.is_vendor_staff else "customer"


def _who(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"id": None, "name": "Accord", "side": "vendor"}
    return {"id": user.pk, "name": user.get_full_name() or user.email, "side": side_of(user)}


def _label(level: int | None) -> str:
    if level is None:
        return _("no severity")
    label = Severity(level).label if level in Severity.values else level
    return _("Severity %(level)s") % {"level": label}


class SeverityState:
    """The severity in force, whether it was agreed, and the open proposal, read from the
    ticket's events (not from its clock columns, which a contract with broken terms leaves
    empty), in the engine's order; `events`: the whole log in order, when already read."""

    def __init__(self, ticket: Ticket, events: Iterable[TicketEvent] | None = None) -> None:
        self.in_force: int | None = None
        self.agreed = False
        self.proposal: TicketEvent | None = None
        self.disputed = False  # a rejected proposal nothing has settled since
        self.ever_restored = False  # once restored, even if reopened since
        if events is None:
            log = ticket.events.filter(kind__in=_SEVERITY_KINDS).select_related("actor")
            events = log.order_by("at", "pk")
        for event in events:
            if event.kind == EventKind.REPORTED:
                self.in_force = event.severity
            elif event.kind == EventKind.SEVERITY_DESIGNATED:
                self.in_force, self.agreed, self.proposal = event.severity, False, None
                self.disputed = False
            elif event.kind == EventKind.SEVERITY_PROPOSED:
                self.proposal = event
            elif event.kind == EventKind.SEVERITY_REJECTED:
                self.proposal, self.disputed = None, True
            elif event.kind == EventKind.SEVERITY_AGREED:
                self.in_force, self.agreed, self.proposal = event.severity, True, None
                self.disputed = False
            elif event.kind == EventKind.SEVERITY_SETTLED:
                self.disputed = False
            elif event.kind == EventKind.RESTORED:
                self.ever_restored = True


def open_proposal(ticket: Ticket) -> TicketEvent | None:
    """The proposal awaiting an answer, if any."""
    return SeverityState(ticket).proposal


def proposal_side(proposal: TicketEvent) -> str:
    """Which side made a proposal (proposals before issue 14 were all the vendor's)."""
    side = proposal.data.get("side")
    return str(side) if side in ("vendor", "customer") else side_of(proposal.actor)


def may_speak_for_customer(user: User, ticket: Ticket) -> bool:
    """The ticket's reporter, or a customer admin of its organisation."""
    if is_staff(user) or user.organisation_id != ticket.organisation_id:
        return False
    return user.pk == ticket.reported_by_id or user.role == Role.CUSTOMER_ADMIN


def designation_refusal(ticket: Ticket, state: SeverityState | None = None) -> str | None:
    """Why the customer may not designate the severity now, or None when they may."""
    state = state or SeverityState(ticket)
    if ticket.status in REOPENABLE or state.ever_restored:
        # A reopen or a contest does not give the designation back: re-designating after
        # seeing how long the repair took would move the penalty alone.
        return "severity: " + _(
            "service was restored once, so the severity changes only by agreement: "
            "propose a change; support must accept it"
        )
    if state.proposal is not None:
        return "severity: " + _(
            "a proposal is open; it must be answered before the severity changes"
        )
    if state.agreed:
        return "severity: " + _(
            "%(severity)s was agreed by both sides; propose a change, which the other side "
            "must accept"
        ) % {"severity": _label(state.in_force)}
    return None


def designate_severity(
    ticket: Ticket, severity: int, *, actor: User, now: datetime | None = None
) -> TicketEvent:
    """The customer designates (or changes) the severity while the clock runs; it applies from
    the report time."""
    _check_severity(severity, ticket.organisation, ticket.reported_at)
    if is_staff(actor):
        raise NotPermitted(
            _("the customer designates the severity; propose a change instead"), field="severity"
        )
    if actor.organisation_id != ticket.organisation_id:
        raise NotPermitted(
            _("only the customer of this ticket designates its severity"), field="severity"
        )
    refusal = designation_refusal(ticket)
    if refusal is not None:
        raise StateConflict(refusal)
    at = _now(now)
    event = _append(ticket, EventKind.SEVERITY_DESIGNATED, actor=actor, at=at, severity=severity)
    ticket.severity = severity
    ticket.save(update_fields=["severity"])
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, "severity_designated", actor=actor, event=event)
    return event


def propose_severity(
    ticket: Ticket, severity: int, *, actor: User, reason: str, now: datetime | None = None
) -> TicketEvent:
    """Either side proposes another severity; the one in force stands until the other side
    accepts. The vendor's staff, or the ticket's reporter or a customer admin, propose."""
    _check_severity(severity, ticket.organisation, ticket.reported_at)
    staff = is_staff(actor)
    if not staff and not may_speak_for_customer(actor, ticket):
        raise NotPermitted(
            _(
                "only the ticket's reporter, a customer admin or the vendor's staff propose a "
                "severity"
            ),
            field="severity",
        )
    state = SeverityState(ticket)
    if state.proposal is not None:
        raise StateConflict(
            _("a proposal is already open; it must be answered first"), field="severity"
        )
    if staff and state.in_force is None:
        raise StateConflict(_("the customer has not designated a severity yet"), field="severity")
    if severity == state.in_force:
        raise StateConflict(
            _("%(severity)s is already the severity in force") % {"severity": _label(severity)},
            field="severity",
        )
    if not reason.strip():
        raise Refused(_("say why the severity should change"), field="reason")
    at = _now(now)
    event = _append(
        ticket,
        EventKind.SEVERITY_PROPOSED,
        actor=actor,
        at=at,
        severity=severity,
        data={"reason": reason.strip(), "from": state.in_force, "side": side_of(actor)},
    )
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, "severity_proposed", actor=actor, event=event)
    return event


def answer_refusal(proposal: TicketEvent, actor: User, ticket: Ticket) -> str | None:
    if proposal.actor_id == actor.pk:
        return _("you made this proposal: the other side accepts or rejects it")
    if proposal_side(proposal) == "vendor":
        if not may_speak_for_customer(actor, ticket):
            return _(
                "the vendor's proposal is answered by the customer: the ticket's reporter or a "
                "customer admin"
            )
    elif not is_manager(actor):
        return _("the customer's proposal is answered by a support manager")
    return None


def _figures(ticket: Ticket, at: datetime, events: list[TicketEvent]) -> dict[str, Any] | None:
    """What the clock says with these events: the figures an agreement moves."""
    try:
        result = evaluate(ticket, at, events=events)
    except InvalidTerms:
        return None
    return figures_of(result)


def figures_of(result: clocks.ClockResult) -> dict[str, Any]:
    def iso(epoch: int | None) -> str | None:
        return from_epoch(epoch).isoformat() if epoch is not None else None

    return {
        "severity": result.severity,
        "standing": result.standing.value,
        "used_seconds": result.used_seconds,
        "target_seconds": result.target_seconds,
        "breached_at": iso(result.breached_at),
    }


def answer_proposal(
    ticket: Ticket, *, accept: bool, actor: User, note: str = "", now: datetime | None = None
) -> TicketEvent:
    """The other side accepts the open proposal (it becomes the agreed severity, from the
    report time) or rejects it (the severity in force stands)."""
    state = SeverityState(ticket)
    proposal = state.proposal
    if proposal is None:
        raise StateConflict(_("there is no open proposal to answer"))
    refusal = answer_refusal(proposal, actor, ticket)
    if refusal is not None:
        raise NotPermitted(refusal)
    at = _now(now)
    proposer, answerer = _who(proposal.actor), _who(actor)
    data: dict[str, Any] = {
        "proposal": proposal.pk,
        "proposed_by": proposer,
        "proposed_at": proposal.at.isoformat(),
    }
    if proposal.data.get("reason"):
        data["reason"] = proposal.data["reason"]
    if note.strip():
        data["note"] = note.strip()
    if not accept:
        data["rejected_by"] = answerer
        event = _append(ticket, EventKind.SEVERITY_REJECTED, actor=actor, at=at, data=data)
    else:
        log = list(ticket.events.order_by("at", "pk"))
        agreed = TicketEvent(kind=EventKind.SEVERITY_AGREED, at=at, severity=proposal.severity)
        parties = {proposer["side"]: proposer["name"], answerer["side"]: answerer["name"]}
        data.update(
            {
                "how": f"proposed by the {proposer['side']}, accepted by the {answerer['side']}",
                "accepted_by": answerer,
                "accepted_at": at.isoformat(),
                "severity_before": state.in_force,
                "severity_after": proposal.severity,
                "before": _figures(ticket, at, log),
                "after": _figures(ticket, at, [*log, agreed]),
                # Each side's person by name, as the monthly report's dispute line reads them.
                "vendor_party": parties.get("vendor", ""),
                "customer_party": parties.get("customer", ""),
            }
        )
        event = _append(
            ticket,
            EventKind.SEVERITY_AGREED,
            actor=actor,
            at=at,
            severity=proposal.severity,
            data=data,
        )
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, str(event.kind), actor=actor, event=event)
    return event


MEETING_RECORDERS = gettext_lazy("a meeting is recorded by a support manager or a customer admin")


def may_record_meeting(user: User, ticket: Ticket) -> bool:
    """A support manager (or vendor admin), or a customer admin of the ticket's organisation."""
    if is_manager(user):
        return True
    return user.role == Role.CUSTOMER_ADMIN and user.organisation_id == ticket.organisation_id


def settle_refusal(ticket: Ticket, state: SeverityState | None = None) -> str | None:
    """Why the dispute cannot be settled by a meeting now (the ticket's state), or None."""
    state = state or SeverityState(ticket)
    if state.proposal is not None:
        return _("a proposal is open: answer it first")
    if not state.disputed:
        return _("there is no unresolved severity dispute to settle")
    return None


def settle_dispute(
    ticket: Ticket,
    *,
    actor: User,
    held_on: date,
    attendees: str,
    note: str = "",
    now: datetime | None = None,
) -> TicketEvent:
    """Record the meeting that settled an unresolved dispute: the severity in force stands."""
    if not may_record_meeting(actor, ticket):
        raise NotPermitted(str(MEETING_RECORDERS))
    state = SeverityState(ticket)
    refusal = settle_refusal(ticket, state)
    if refusal is not None:
        raise StateConflict(refusal)
    at = _now(now)
    if held_on > at.date():
        raise Refused(_("the meeting cannot be in the future"), field="held_on")
    if not attendees.strip():
        raise Refused(_("name who met, from both sides"), field="attendees")
    data: dict[str, Any] = {
        "held_on": held_on.isoformat(),
        "attendees": attendees.strip(),
        "severity": state.in_force,
        "recorded_by": _who(actor),
    }
    if note.strip():
        data["note"] = note.strip()
    event = _append(ticket, EventKind.SEVERITY_SETTLED, actor=actor, at=at, data=data)
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, "severity_settled", actor=actor, event=event)
    return event
