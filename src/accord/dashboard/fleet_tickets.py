"""The fleet dashboard's tickets (accord.dashboard.fleet): tickets at risk now and the
month's breaches of every customer, read as values, as `services._tickets` reads them from ORM
objects, with the open tickets' clocks read now as `helpdesk.services.refresh_clocks` reads
them (one `evaluate_many` per set of clock terms), but for the clocks the engine's columns
already answer for (`_unsettled`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, Q, QuerySet

from accord.accounts.models import Contract, Organisation
from accord.accounts.terms import InvalidTerms, prefetch_versions, terms_at
from accord.dashboard import services
from accord.dashboard.services import AtRisk, Customer
from accord.engine import clocks
from accord.engine.policy import ContractTerms
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk.models import OPEN_STATUSES, Ticket, TicketEvent
from accord.helpdesk.services import _CLOCK_EVENTS
from accord.monitoring.services import EpochSeconds
from accord.reports.build import CARRY_OVER_LOOKBACK, Month

_LOOKBACK = int(CARRY_OVER_LOOKBACK.total_seconds())
_OPEN = frozenset(OPEN_STATUSES)


@dataclass
class Entry:
    """One customer as read: its columns, then its terms and month."""

    organisation: Organisation
    terms_from: date | None
    monthly_fee: Decimal | None
    terms: ContractTerms | None = None
    contract: Contract | None = None  # the ORM object, only where versions are needed
    customer: Customer | None = None


# The columns read per ticket (values, not objects).
_TICKET_COLUMNS = (
    "pk",
    "organisation_id",
    "module__name",
    "summary",
    "status",
    "severity_in_force",
    "target_seconds",
    "used_seconds",
    "standing",
    "clock_state",
)


@dataclass
class _Ticket:
    pk: int
    organisation_id: int
    module: str
    summary: str
    status: str
    severity: int | None
    target_seconds: int | None
    used_seconds: int
    standing: str
    clock_state: str
    due_at: int | None
    breached_at: int | None
    reported_at: int
    next_warning_at: int | None


def read_tickets(
    entries: Sequence[Entry],
    periods: dict[int, Month],
    organisations: QuerySet[Organisation],
    *,
    now: datetime,
) -> None:
    """`services._tickets` over values: at risk now and the month's breaches, per customer."""
    by_pk = {e.organisation.pk: e for e in entries}
    earliest = min(p.start for p in periods.values())
    earliest_cutoff = min(p.previous_cutoff for p in periods.values())
    now_epoch = to_epoch(now)
    # As `services._tickets`, but a ticket that is not open counts only if it has a breach
    # and a severity (its columns are read as they are), so others are not read at all.
    recent = services._open_or_recent(earliest, earliest_cutoff)
    chosen = Ticket.objects.filter(
        organisation_id__in=organisations.filter(contract__isnull=False).values("pk")
    ).filter(
        Q(status__in=OPEN_STATUSES)
        | (Q(breached_at__isnull=False, severity_in_force__isnull=False) & recent)
    )
    tickets = [
        _Ticket(*row)
        for row in chosen.values_list(
            *_TICKET_COLUMNS,
            EpochSeconds("due_at"),
            EpochSeconds("breached_at"),
            EpochSeconds("reported_at"),
            EpochSeconds("next_warning_at"),
        )
        if row[1] in by_pk
    ]
    _refresh(tickets, chosen, by_pk, now=now)
    for ticket in sorted(
        tickets,
        key=lambda t: (t.due_at is None, now_epoch if t.due_at is None else t.due_at, t.pk),
    ):
        customer = by_pk[ticket.organisation_id].customer
        assert customer is not None
        period = periods[ticket.organisation_id]
        if ticket.status in _OPEN and ticket.standing == clocks.Standing.AT_RISK:
            target = ticket.target_seconds
            customer.at_risk.append(
                AtRisk(
                    pk=ticket.pk,
                    summary=ticket.summary,
                    severity=ticket.severity,
                    module=ticket.module,
                    due_at=None if ticket.due_at is None else from_epoch(ticket.due_at),
                    remaining_seconds=None if target is None else target - ticket.used_seconds,
                )
            )
        if ticket.breached_at is None or ticket.severity is None:
            continue
        breach, reported = ticket.breached_at, ticket.reported_at
        if breach > now_epoch or reported >= period.end:
            continue
        in_month = reported >= period.start
        carried = (
            reported < period.start
            and breach >= period.previous_cutoff
            and reported >= period.start - _LOOKBACK
        )
        if in_month or carried:
            counts = customer.breached
            counts[ticket.severity] = counts.get(ticket.severity, 0) + 1


def _refresh(
    tickets: list[_Ticket],
    chosen: QuerySet[Ticket],
    by_pk: dict[int, Entry],
    *,
    now: datetime,
) -> None:
    """`helpdesk.services.refresh_clocks` of the open tickets, over values: each measured by
    the terms in force at its report time, one `evaluate_many` per set of clock terms."""
    open_tickets = [t for t in tickets if t.status in _OPEN]
    if not open_tickets:
        return
    in_open = chosen.filter(status__in=OPEN_STATUSES)
    open_tickets = _unsettled(open_tickets, in_open, now=now)
    if not open_tickets:
        return
    # Contracts with versions: a ticket reported before the columns' date has older terms.
    needed = {
        t.organisation_id
        for t in open_tickets
        if by_pk[t.organisation_id].terms_from is not None
        and by_pk[t.organisation_id].contract is None
    }
    if needed:
        for contract in Contract.objects.filter(organisation_id__in=needed).select_related(
            "organisation__region"
        ):
            by_pk[contract.organisation_id].contract = contract
    prefetch_versions(e.contract for e in by_pk.values() if e.contract is not None)
    groups: dict[int, tuple[clocks.ClockRules, list[_Ticket]]] = {}
    for ticket in open_tickets:
        entry = by_pk[ticket.organisation_id]
        terms: ContractTerms | None = entry.terms
        if entry.terms_from is not None:
            assert entry.contract is not None
            try:
                terms = terms_at(entry.contract, from_epoch(ticket.reported_at))
            except InvalidTerms:
                terms = None
        if terms is None:
            ticket.standing = "terms_error"  # as `refresh_clocks`: nothing else changes
            continue
        if id(terms) not in groups:
            groups[id(terms)] = (terms.clock_rules, [])
        groups[id(terms)][1].append(ticket)
    events: dict[int, list[clocks.ClockEvent]] = {}
    # The events of the tickets to read, by id in chunks (each ticket's all in one chunk, in
    # order), or those of every open ticket when most are to be read.
    ids = [t.pk for t in open_tickets]
    chunks: list[Any] = [ids[n : n + _CHUNK] for n in range(0, len(ids), _CHUNK)]
    if len(chunks) > _CHUNKS:
        chunks = [in_open]
    for chunk in chunks:
        rows = (
            TicketEvent.objects.filter(ticket__in=chunk)
            .order_by("at", "pk")
            .values_list("ticket_id", "kind", EpochSeconds("at"), "severity")
        )
        for ticket_id, kind, at, severity in rows:
            if kind in _CLOCK_EVENTS:
                events.setdefault(ticket_id, []).append(
                    clocks.ClockEvent(kind=_CLOCK_EVENTS[kind], at=at, severity=severity)
                )
    now_epoch = to_epoch(now)
    for rules, group in groups.values():
        results = clocks.evaluate_many([events.get(t.pk, []) for t in group], rules, now_epoch)
        for ticket, result in zip(group, results, strict=True):
            ticket.severity = result.severity
            ticket.target_seconds = result.target_seconds
            ticket.used_seconds = result.used_seconds
            ticket.standing = result.standing.value
            ticket.due_at = result.due_at
            ticket.breached_at = result.breached_at


_CHUNK = 500  # ticket ids a query of events asks for
_CHUNKS = 20  # beyond, the events of every open ticket are read


def _unsettled(
    open_tickets: list[_Ticket], in_open: QuerySet[Ticket], *, now: datetime
) -> list[_Ticket]:
    """The open tickets whose clock must be read now to know whether it is at risk or
    breached: all but the running clocks written by the engine at or after their last event
    that it found either on track with the next warning and the due time still ahead of
    `now`, or breached before `now`.

    Such a clock is exactly as the engine left it but for the support time used since. On
    track: its warnings come in order and the last is at or after the next, so it is not at
    risk now, and its breach (at the due time) is ahead. Breached: the breach instant stays
    what it was. Reading it again could change only its used time, which the dashboard shows
    for tickets at risk alone. (Columns written around the engine break this rule; `add_version`
    measures open tickets again, as does every event.)"""
    now_epoch = to_epoch(now)
    # The open tickets whose clock was computed at or after their last event (compared in
    # the database, to the microsecond).
    fresh = set(
        TicketEvent.objects.filter(ticket__in=in_open)
        .values("ticket_id", "ticket__clock_computed_at")
        .annotate(last=Max("at"))
        .filter(last__lte=F("ticket__clock_computed_at"))
        .values_list("ticket_id", flat=True)
    )

    def settled(t: _Ticket) -> bool:
        if t.pk not in fresh or t.severity is None:
            return False
        if t.clock_state != clocks.ClockState.RUNNING:
            return False
        if t.standing == clocks.Standing.BREACHED:
            # Breached by now: the breach instant stays what it was, whatever time passes.
            return t.breached_at is not None and t.breached_at <= now_epoch
        return (
            t.standing == clocks.Standing.ON_TRACK
            and t.breached_at is None
            and t.next_warning_at is not None
            and t.next_warning_at > now_epoch
            and t.due_at is not None
            and t.due_at > now_epoch
        )

    return [t for t in open_tickets if not settled(t)]
