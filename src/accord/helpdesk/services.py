"""Help-desk actions: each appends events and recomputes the clock with the engine.

Every function takes plain values and runs inside the caller's transaction (views and the API
wrap each request in one). None does time arithmetic: `recompute_clock` asks the engine.
Permission checks live here too, so the portal, the API and email ingest cannot disagree:
a refused action raises the core `Refused` (accord.core.errors) with a message fit for the
person who tried (its subclasses say why: `NotPermitted` for this person, `StateConflict` for
the ticket's state), starting with the field's name where one field is at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.access import is_staff
from accord.accounts.models import Contract, Organisation, User
from accord.accounts.terms import (
    TERMS_ERROR,
    InvalidTerms,
    severity_levels,
    terms_error_clock,
    terms_of_tickets,
    ticket_terms,
)
from accord.catalogue.models import Module, Region
from accord.core.errors import Invalid, NotPermitted, Refused, StateConflict
from accord.core.prepared import PreparedInsert
from accord.engine import clocks
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk.clock_jobs import after_ticket_change, new_clock_jobs, schedule_clock_jobs
from accord.helpdesk.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Comment,
    EventKind,
    Repair,
    Status,
    Ticket,
    TicketEvent,
)
from accord.helpdesk.support_hours import counting_resumes_at

# A new ticket's rows, inserted with SQL compiled once per process (accord.core.prepared).
# TicketEvent.save() only refuses to save an event again; a new event has no primary key.
_insert_ticket = PreparedInsert(Ticket)
_insert_event = PreparedInsert(TicketEvent, own_save_checked=True)


# The engine's view of the help desk's events; the others do not touch the clock.
_CLOCK_EVENTS: Mapping[str, clocks.EventKind] = {
    EventKind.REPORTED: clocks.EventKind.REPORTED,
    EventKind.SEVERITY_DESIGNATED: clocks.EventKind.SEVERITY_DESIGNATED,
    EventKind.SEVERITY_PROPOSED: clocks.EventKind.SEVERITY_PROPOSED,
    EventKind.SEVERITY_REJECTED: clocks.EventKind.SEVERITY_REJECTED,
    EventKind.SEVERITY_AGREED: clocks.EventKind.SEVERITY_AGREED,
    EventKind.SEVERITY_SETTLED: clocks.EventKind.SEVERITY_SETTLED,
    EventKind.RESTORED: clocks.EventKind.RESTORED,
    EventKind.REOPENED: clocks.EventKind.REOPENED,
    EventKind.PAUSED: clocks.EventKind.PAUSED,
    EventKind.RESUMED: clocks.EventKind.RESUMED,
    # Contested restorations (accord.helpdesk.restoration)
    EventKind.RESTORATION_CONTESTED: clocks.EventKind.RESTORATION_CONTESTED,
    EventKind.RESTORATION_WITHDRAWN: clocks.EventKind.RESTORATION_WITHDRAWN,
    EventKind.CONTEST_REJECTED: clocks.EventKind.CONTEST_REJECTED,
}

# Status changes staff may make, and where each leads.
_TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    Status.REPORTED: (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESTORED),
    Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.RESTORED),
    Status.IN_PROGRESS: (Status.RESTORED,),
    Status.RESTORED: (Status.FIX_DELIVERED, Status.CLOSED),
    Status.FIX_DELIVERED: (Status.CLOSED,),
    Status.CLOSED: (),
}
REOPENABLE = (Status.RESTORED, Status.FIX_DELIVERED, Status.CLOSED)
_STATUS_EVENT: Mapping[str, str] = {
    Status.ACKNOWLEDGED: EventKind.ACKNOWLEDGED,
    Status.IN_PROGRESS: EventKind.IN_PROGRESS,
    Status.RESTORED: EventKind.RESTORED,
    Status.FIX_DELIVERED: EventKind.FIX_DELIVERED,
    Status.CLOSED: EventKind.CLOSED,
}


@dataclass(frozen=True)
class NewTicket:
    module: Module
    summary: str
    description: str = ""
    severity: int | None = None
    channel: str = Channel.PORTAL


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


class UnknownSeverity(Invalid):
    """A severity level the contract's policy does not define: the API's 422 naming `field`,
    a form's error beside it."""

    def __init__(self, field: str, level: int, levels: Iterable[int]) -> None:
        known = [str(n) for n in levels]
        choice = " or ".join([", ".join(known[:-1]), known[-1]] if len(known) > 1 else known)
        problem = f"{level} is not a severity of this contract's policy (its levels: {choice})"
        super().__init__(problem, field=field)


def _check_severity(
    severity: int | None, organisation: Organisation, reported_at: datetime
) -> None:
    """A designated or proposed severity is one of the levels of the contract's policy in
    force at the ticket's report time (the terms its clock is measured by)."""
    if severity is None:
        return
    levels = severity_levels(organisation, reported_at)
    if severity not in levels:
        raise UnknownSeverity("severity", severity, levels)


class Reporting(TypedDict):
    """What `report`, `open_ticket` and `prepare_ticket` take, as keywords: who reports which
    fault for which organisation; the region (default the organisation's), the report time
    (default now) and the Message-ID of the mail that reported it."""

    reporter: User
    organisation: Organisation
    new: NewTicket
    region: NotRequired[Region | None]
    now: NotRequired[datetime | None]
    email_message_id: NotRequired[str]


def report(**reporting: Unpack[Reporting]) -> Ticket:
    """Open a fault ticket; the clock starts at the report time."""
    return open_ticket(**reporting)[0]


def open_ticket(**reporting: Unpack[Reporting]) -> tuple[Ticket, TicketEvent]:
    """`report`, also answering the `reported` event it appended.

    A new ticket's whole event log is that one event, so the engine evaluates the clock from it
    before anything is written, and the ticket row is inserted with its clock columns: no read
    back of the events, no second write of the row.
    """
    return write_ticket(prepare_ticket(**reporting))


@dataclass(frozen=True)
class Opening:
    """A new ticket checked and its clock evaluated, not yet written (`prepare_ticket`)."""

    ticket: Ticket
    event: TicketEvent
    result: clocks.ClockResult


def prepare_ticket(
    *,
    reporter: User,
    organisation: Organisation,
    new: NewTicket,
    region: Region | None = None,
    now: datetime | None = None,
    email_message_id: str = "",
) -> Opening:
    """The first half of `open_ticket`: the checks, the rows and the engine's clock, with no
    write (it reads the contract at most), so a caller can do it before its write transaction
    and hold SQLite's one write lock only for `write_ticket`."""
    at = _now(now)
    if not is_staff(reporter) and reporter.organisation_id != organisation.pk:
        raise NotPermitted(_("you can report faults only for your own organisation"))
    _check_severity(new.severity, organisation, at)
    summary = new.summary.strip()
    if not summary:
        raise Refused(_("a fault needs a short summary"), field="summary")
    ticket = Ticket(
        organisation=organisation,
        module=new.module,
        region=region or organisation.region,
        summary=summary[:200],
        description=new.description,
        severity=new.severity,
        channel=new.channel,
        reported_by=reporter,
        reported_at=at,
        email_message_id=email_message_id,
    )
    event = TicketEvent(
        kind=EventKind.REPORTED, actor=reporter, at=at, severity=new.severity, data={}
    )
    broken = False
    try:
        result = evaluate(ticket, at, events=[event])
    except InvalidTerms:
        # The ticket is taken all the same: its clock says the contract's terms are broken.
        result, broken = terms_error_clock(new.severity), True
    apply_clock(ticket, result, at)
    if broken:
        ticket.standing = TERMS_ERROR
    return Opening(ticket=ticket, event=event, result=result)


def write_ticket(opening: Opening) -> tuple[Ticket, TicketEvent]:
    """The second half of `open_ticket`, in the caller's transaction: the ticket with its clock
    columns, its `reported` event, its clock jobs and the change's notifications. An `Opening`
    is written once."""
    ticket, event = opening.ticket, opening.event
    if ticket.pk is not None:
        raise ValueError("this ticket was written already")
    _insert_ticket.insert(ticket)  # ticket.save(force_insert=True)
    event.ticket = ticket
    _insert_event.insert(event)  # event.save(force_insert=True)
    # Its clock jobs and the notice's job in one insert.
    clock_jobs = new_clock_jobs(ticket, opening.result)
    after_ticket_change(ticket, "reported", actor=event.actor, event=event, jobs=clock_jobs)
    return ticket, event


def change_status(
    ticket: Ticket,
    status: str,
    *,
    actor: User,
    repair: str = "",
    note: str = "",
    now: datetime | None = None,
) -> TicketEvent:
    """Move a ticket along its lifecycle (staff only); restoring needs the kind of repair."""
    if not is_staff(actor):
        if status == Status.CLOSED and ticket.status in (Status.RESTORED, Status.FIX_DELIVERED):
            pass  # a customer may close a ticket whose service is back
        else:
            raise NotPermitted(_("only the vendor's support staff change a ticket's status"))
    allowed = _TRANSITIONS.get(ticket.status, ())
    if status not in allowed:
        # In the asker's language: the API's requests are in English (UserLanguageMiddleware).
        names = ", ".join(str(Status(s).label) for s in allowed) or _("none (reopen it instead)")
        now_is = str(Status(ticket.status).label).lower()
        raise StateConflict(
            _("a ticket that is %(status)s can move to: %(choices)s")
            % {"status": now_is, "choices": names}
        )
    data: dict[str, Any] = {"from": ticket.status}
    if status == Status.RESTORED:
        if repair not in Repair.values:
            raise Refused(
                _("say whether service was restored by a temporary or a permanent repair"),
                field="repair",
            )
        data["repair"] = repair
        ticket.repair = repair
    if note:
        data["note"] = note
    return _set_status(ticket, status, actor=actor, data=data, at=_now(now))


def _set_status(
    ticket: Ticket, status: str, *, actor: User | None, data: dict[str, Any], at: datetime
) -> TicketEvent:
    """The status change itself, its event and its notices (`actor` None: Accord itself)."""
    event = _append(ticket, _STATUS_EVENT[status], actor=actor, at=at, data=data)
    ticket.status = status
    ticket.save(update_fields=["status", "repair"])
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, str(_STATUS_EVENT[status]), actor=actor, event=event)
    return event


def close_automatically(ticket: Ticket, *, days: int, at: datetime) -> TicketEvent:
    """Accord closes a ticket whose service has been back for `days` days (accord.helpdesk.
    auto_close decides which and when); the customer can still reopen it."""
    if ticket.status not in (Status.RESTORED, Status.FIX_DELIVERED):
        raise StateConflict(_("only a restored or fix-delivered ticket closes automatically"))
    note = f"Closed automatically: the service was back and nothing was added for {days} days"
    data = {"from": ticket.status, "note": note, "automatic": True}
    return _set_status(ticket, Status.CLOSED, actor=None, data=data, at=at)


def reopen(ticket: Ticket, *, actor: User, reason: str, now: datetime | None = None) -> TicketEvent:
    """The fault returned: the clock resumes with the time already used."""
    if ticket.status not in REOPENABLE:
        raise StateConflict(_("only a ticket whose service was restored, or a closed one, reopens"))
    if not reason.strip():
        raise Refused(_("say how the fault returned"), field="reason")
    at = _now(now)
    event = _append(ticket, EventKind.REOPENED, actor=actor, at=at, data={"reason": reason.strip()})
    return back_in_progress(ticket, event, "reopened", actor=actor, at=at)


def back_in_progress(
    ticket: Ticket, event: TicketEvent, what: str, *, actor: User, at: datetime
) -> TicketEvent:
    """After `event` (a reopening, a contested restoration) the fault is being worked on
    again: the ticket is in progress with no repair, its clock runs on from `at`, and the
    change `what` is told. Answers `event`."""
    ticket.status = Status.IN_PROGRESS
    ticket.repair = ""
    ticket.save(update_fields=["status", "repair"])
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, what, actor=actor, event=event)
    return event


def pause_allowed(ticket: Ticket) -> bool:
    """Whether the ticket's contract lets the help desk pause its clock (the policy's
    `clock.allow_pause`; the built-in policy does not)."""
    return ticket_terms(ticket).clock_rules.allow_pause


def pause_clock(
    ticket: Ticket, *, actor: User, reason: str, now: datetime | None = None
) -> TicketEvent:
    """Support pauses a running clock, with a reason the customer sees (waiting for
    information only the customer can give, say); paused time does not count."""
    if not is_staff(actor):
        raise NotPermitted(_("only the vendor's support staff pause the clock"))
    if not pause_allowed(ticket):
        raise StateConflict(_("this customer's contract does not allow pausing the clock"))
    if ticket.clock_state != clocks.ClockState.RUNNING:
        raise StateConflict(_("only a running clock can be paused"))
    if not reason.strip():
        raise Refused(_("say why the clock is paused; the customer sees it"), field="reason")
    at = _now(now)
    event = _append(ticket, EventKind.PAUSED, actor=actor, at=at, data={"reason": reason.strip()})
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, "paused", actor=actor, event=event)
    return event


def resume_clock(
    ticket: Ticket, *, actor: User, note: str = "", now: datetime | None = None
) -> TicketEvent:
    """The clock runs again, with the time already used: support resumes it, or the customer
    replies (`add_comment` does this)."""
    if ticket.clock_state != clocks.ClockState.PAUSED:
        raise StateConflict(_("only a paused clock can be resumed"))
    if not is_staff(actor) and actor.organisation_id != ticket.organisation_id:
        raise NotPermitted(_("only the customer or support resume the clock"))
    at = _now(now)
    data = {"note": note.strip()} if note.strip() else {}
    event = _append(ticket, EventKind.RESUMED, actor=actor, at=at, data=data)
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, "resumed", actor=actor, event=event)
    return event


# Designating, proposing and agreeing a severity: accord.helpdesk.severity.


def add_comment(
    ticket: Ticket,
    *,
    author: User,
    body: str,
    internal: bool = False,
    channel: str = Channel.PORTAL,
    email_message_id: str = "",
    now: datetime | None = None,
) -> Comment:
    """A public comment, or a staff-only note."""
    if internal and not is_staff(author):
        raise NotPermitted(_("only staff write internal notes"), field="internal")
    if not body.strip():
        raise Refused(_("a comment needs some text"), field="body")
    comment = Comment.objects.create(
        ticket=ticket,
        author=author,
        body=body.strip(),
        internal=internal,
        channel=channel,
        email_message_id=email_message_id,
        created_at=_now(now),
    )
    if not internal:
        after_ticket_change(ticket, "commented", actor=author, comment=comment)
        if not is_staff(author) and ticket.clock_state == clocks.ClockState.PAUSED:
            # The customer answered what the clock was paused for.
            resume_clock(ticket, actor=author, note="the customer replied", now=comment.created_at)
    return comment


def visible_comments(ticket: Ticket, viewer: User) -> QuerySet[Comment]:
    """The ticket's comments the viewer may read: staff-only notes are for staff."""
    comments = ticket.comments.select_related("author").order_by("created_at", "pk")
    return comments if is_staff(viewer) else comments.filter(internal=False)


def visible_attachments(ticket: Ticket, viewer: User) -> QuerySet[Attachment]:
    """The ticket's attachments the viewer may download: internal ones are for staff."""
    attachments = ticket.attachments.select_related("uploaded_by").order_by("created_at", "pk")
    return attachments if is_staff(viewer) else attachments.filter(internal=False)


def _append(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    severity: int | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, at=at, severity=severity, data=data or {}
    )


def clock_events(events: Iterable[TicketEvent]) -> list[clocks.ClockEvent]:
    """The engine's events of a ticket's event log."""
    return [
        clocks.ClockEvent(kind=_CLOCK_EVENTS[e.kind], at=to_epoch(e.at), severity=e.severity)
        for e in events
        if e.kind in _CLOCK_EVENTS
    ]


def evaluate(
    ticket: Ticket,
    now: datetime | None = None,
    *,
    events: Iterable[TicketEvent] | None = None,
) -> clocks.ClockResult:
    """The engine's clock of one ticket at `now`, from its events (read from the database
    unless the caller passes the whole log, in order)."""
    rules = ticket_terms(ticket).clock_rules
    log = ticket.events.order_by("at", "pk") if events is None else events
    return clocks.evaluate(clock_events(log), rules, to_epoch(_now(now)))


def recompute_clock(ticket: Ticket, *, now: datetime | None = None) -> clocks.ClockResult:
    """Rewrite the ticket's clock columns from the engine, and reschedule its warnings."""
    at = _now(now)
    broken = False
    try:
        result = evaluate(ticket, at)
    except InvalidTerms:
        # The action stands; the clock says the contract's terms are broken until fixed.
        result, broken = terms_error_clock(ticket.severity), True
    apply_clock(ticket, result, at)
    if broken:
        ticket.standing = TERMS_ERROR
    ticket.save(update_fields=CLOCK_FIELDS)
    schedule_clock_jobs(ticket, result)
    return result


CLOCK_FIELDS = [
    "severity_in_force",
    "severity_agreed",
    "dispute_open",
    "severity_disputed",
    "target_seconds",
    "used_seconds",
    "clock_state",
    "standing",
    "due_at",
    "breached_at",
    "next_warning_at",
    "clock_computed_at",
]


def apply_clock(ticket: Ticket, result: clocks.ClockResult, at: datetime) -> None:
    """Copy an engine result onto the ticket's clock columns (without saving)."""
    now_epoch = to_epoch(at)
    upcoming = [w.at for w in result.warnings if w.at is not None and w.at > now_epoch]
    ticket.severity_in_force = result.severity
    ticket.severity_agreed = result.severity_agreed
    ticket.dispute_open = result.dispute_open
    ticket.severity_disputed = result.severity_disputed
    ticket.target_seconds = result.target_seconds
    ticket.used_seconds = result.used_seconds
    ticket.clock_state = result.state.value
    ticket.standing = result.standing.value
    ticket.due_at = from_epoch(result.due_at) if result.due_at is not None else None
    ticket.breached_at = from_epoch(result.breached_at) if result.breached_at is not None else None
    running = result.state is clocks.ClockState.RUNNING
    ticket.next_warning_at = from_epoch(min(upcoming)) if upcoming and running else None
    ticket.clock_computed_at = at
    # In memory only, for the lists (accord.helpdesk.restoration): a contest awaits an answer.
    ticket.restoration_contested = result.restoration_contested
    # In memory only, for the lists: a running clock outside support hours counts again then
    # (set by refresh_clocks, accord.helpdesk.support_hours).
    ticket.counting_resumes_at = None


def refresh_clocks(tickets: list[Ticket], *, now: datetime | None = None) -> None:
    """Recompute the clocks of many tickets in one engine call per contract (for lists)."""
    at = _now(now)
    # One group per set of terms (each ticket's are those in force at its report time).
    by_terms: dict[int, tuple[clocks.ClockRules, list[Ticket]]] = {}
    for ticket, terms in zip(tickets, terms_of_tickets(tickets), strict=True):
        if isinstance(terms, InvalidTerms):
            ticket.standing = TERMS_ERROR  # in memory: what the lists and the API show
            continue
        by_terms.setdefault(id(terms), (terms.clock_rules, []))[1].append(ticket)
    events_of: dict[int, list[TicketEvent]] = {}
    for event in TicketEvent.objects.filter(ticket__in=tickets).order_by("at", "pk"):
        events_of.setdefault(event.ticket_id, []).append(event)
    for rules, group in by_terms.values():
        results = clocks.evaluate_many(
            [clock_events(events_of.get(t.pk, [])) for t in group], rules, to_epoch(at)
        )
        resumes: dict[int | None, datetime | None] = {}  # one engine call per calendar
        for ticket, result in zip(group, results, strict=True):
            apply_clock(ticket, result, at)
            if result.state is clocks.ClockState.RUNNING:
                if result.severity not in resumes:
                    resumes[result.severity] = counting_resumes_at(
                        rules, result.severity, to_epoch(at)
                    )
                ticket.counting_resumes_at = resumes[result.severity]


# The help desk's part in the contract terms rules (registered in HelpdeskConfig.ready through
# accord.accounts.terms.on_terms).


def remeasure_open_tickets(contract: Contract, since: datetime, now: datetime) -> None:
    """A new version of the terms: open tickets reported since it takes effect are measured by
    it from now on."""
    if since > now:
        return
    tickets = Ticket.objects.filter(
        organisation_id=contract.organisation_id, status__in=OPEN_STATUSES, reported_at__gte=since
    ).select_related("organisation__contract", "organisation__region")
    for ticket in tickets:
        recompute_clock(ticket, now=now)


def has_tickets(contract: Contract) -> bool:
    return Ticket.objects.filter(organisation_id=contract.organisation_id).exists()
