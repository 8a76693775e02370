"""Contested restorations: the customer says "service was not restored", the vendor answers.

The rules (docs/sla-model.md, "Contested restorations"):

* a customer user of the ticket's organisation may contest the restoration that stopped the
  clock, within the contract's window (`clock.restoration_contest_hours`, wall-clock hours
  after the restoration; 0: never), with a reason. The ticket is restored, has its permanent fix
  delivered, or is closed: a closed ticket can be contested within the window too, since the
  window, not the status, is the customer's protection. The ticket goes back in progress and the
  clock runs again from the contest, provisionally, as after a reopen;
* one contest is open at a time; a support manager or a vendor admin answers it (the answer
  moves money, so not an agent): accepted, the restoration is withdrawn (it never held: the
  clock counts from the report to the real restoration, the time between the withdrawn
  restoration and the contest included); rejected, with a note the customer reads, the vendor
  maintains it (that time does not count) and the ticket carries an unresolved dispute, shown
  on the monthly report.

The engine (`accord.engine.clocks`) decides the clock and the window; this module checks who and
when, appends the events and reuses the help desk's recompute and notifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accord.accounts.access import is_manager, is_staff
from accord.accounts.models import User
from accord.accounts.terms import InvalidTerms
from accord.core.display import UTC_ZONE, format_when
from accord.core.errors import NotPermitted, Refused, StateConflict
from accord.engine import clocks
from accord.engine.timeutil import from_epoch
from accord.helpdesk.clock_jobs import after_ticket_change
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.helpdesk.services import (
    REOPENABLE,
    _append,
    _now,
    back_in_progress,
    evaluate,
    recompute_clock,
)


def _when(moment: datetime) -> str:
    """As stored in an event's data (never translated; pages and refusals use format_when)."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _clock(ticket: Ticket, at: datetime) -> clocks.ClockResult:
    try:
        return evaluate(ticket, at)
    except InvalidTerms as error:
        raise StateConflict(
            _("%(error)s; the restoration cannot be contested until fixed") % {"error": error}
        ) from None


def _latest(ticket: Ticket, kind: str) -> TicketEvent | None:
    return ticket.events.filter(kind=kind).order_by("-at", "-pk").first()


def is_customer_of(ticket: Ticket, user: User | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated
        and not is_staff(user)
        and user.organisation_id is not None
        and user.organisation_id == ticket.organisation_id
    )


def contest_restoration(
    ticket: Ticket, *, actor: User, reason: str, now: datetime | None = None
) -> TicketEvent:
    """The customer says the latest restoration did not hold: the ticket is back in progress
    and the clock runs again from now, until the vendor answers."""
    if not is_customer_of(ticket, actor):
        raise NotPermitted(_("only the customer contests a restoration; reopen the ticket instead"))
    at = _now(now)
    result = _clock(ticket, at)
    if result.restoration_contested:
        raise StateConflict(_("this restoration is already contested; the vendor has not answered"))
    if ticket.status not in REOPENABLE or result.restored_at is None:
        raise StateConflict(_("only a ticket whose service was restored can have it contested"))
    if result.contest_until is None:
        raise StateConflict(_("this customer's contract does not allow contesting a restoration"))
    until = from_epoch(result.contest_until)
    if at > until:
        raise StateConflict(
            _(
                "the time to contest this restoration ended at %(when)s; if the fault came "
                "back, reopen the ticket"
            )
            % {"when": format_when(until, UTC_ZONE)}
        )
    if not reason.strip():
        raise Refused(_("say what still does not work"), field="reason")
    restored = _latest(ticket, EventKind.RESTORED)
    event = _append(
        ticket,
        EventKind.RESTORATION_CONTESTED,
        actor=actor,
        at=at,
        data={
            "reason": reason.strip(),
            "restoration": restored.pk if restored is not None else None,
            "restored_at": _when(from_epoch(result.restored_at)),
            "from": ticket.status,
        },
    )
    return back_in_progress(ticket, event, "restoration_contested", actor=actor, at=at)


def may_answer(user: User | AnonymousUser) -> bool:
    """Who answers a contest: a support manager or a vendor admin (it moves money)."""
    return is_manager(user)


def answer_contest(
    ticket: Ticket, *, actor: User, accept: bool, note: str = "", now: datetime | None = None
) -> TicketEvent:
    """The vendor's answer: accept (the restoration is withdrawn: it never held) or reject (the
    restoration stands; the note, required, tells the customer why)."""
    if not may_answer(actor):
        raise NotPermitted(_("only a support manager or a vendor admin answers a contest"))
    at = _now(now)
    result = _clock(ticket, at)
    contest = _latest(ticket, EventKind.RESTORATION_CONTESTED)
    if not result.restoration_contested or contest is None:
        raise StateConflict(_("there is no open contest to answer"))
    if not accept and not note.strip():
        raise Refused(_("say why the restoration stands; the customer reads it"), field="note")
    data: dict[str, object] = {"contest": contest.pk}
    if note.strip():
        data["note"] = note.strip()
    kind = EventKind.RESTORATION_WITHDRAWN if accept else EventKind.CONTEST_REJECTED
    event = _append(ticket, kind, actor=actor, at=at, data=data)
    recompute_clock(ticket, now=at)
    after_ticket_change(ticket, str(kind), actor=actor, event=event)
    return event


@dataclass
class ContestPanel:
    """What the ticket page says about the restoration and its contest."""

    restored_at: datetime | None = None
    contest_until: datetime | None = None  # while the restoration can be contested
    open_contest: TicketEvent | None = None
    disputes: list[TicketEvent] = field(default_factory=list)  # rejected contests
    withdrawn: list[TicketEvent] = field(default_factory=list)
    can_contest: bool = False  # this viewer, now
    can_answer: bool = False

    @property
    def shown(self) -> bool:
        return bool(self.open_contest or self.disputes or self.withdrawn or self.can_contest)


def contest_panel(ticket: Ticket, viewer: User | AnonymousUser, now: datetime) -> ContestPanel:
    try:
        result = evaluate(ticket, now)
    except InvalidTerms:
        return ContestPanel()
    events = list(
        ticket.events.filter(
            kind__in=(
                EventKind.RESTORATION_CONTESTED,
                EventKind.RESTORATION_WITHDRAWN,
                EventKind.CONTEST_REJECTED,
            ),
            at__lte=now,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    until = from_epoch(result.contest_until) if result.contest_until is not None else None
    open_contest = None
    if result.restoration_contested:
        open_contest = next(
            (e for e in reversed(events) if e.kind == EventKind.RESTORATION_CONTESTED), None
        )
    can_contest = (
        until is not None
        and now <= until
        and ticket.status in REOPENABLE
        and is_customer_of(ticket, viewer)
    )
    return ContestPanel(
        restored_at=from_epoch(result.restored_at) if result.restored_at is not None else None,
        contest_until=until,
        open_contest=open_contest,
        disputes=[e for e in events if e.kind == EventKind.CONTEST_REJECTED],
        withdrawn=[e for e in events if e.kind == EventKind.RESTORATION_WITHDRAWN],
        can_contest=can_contest,
        can_answer=open_contest is not None and may_answer(viewer),
    )
