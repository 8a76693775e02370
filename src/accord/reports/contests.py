"""Disputes on the monthly report: contested restorations (docs/sla-model.md, "Contested
restorations") and severity disputes.

A restoration the vendor maintains against the customer's contest is an unresolved dispute,
listed with the severity disputes; one the vendor had not answered by the cut-off is listed as
open. A withdrawn restoration is no dispute: both sides agreed, and the clock counts it. A
ticket with severity proposals or agreements has a severity dispute: open (a proposal awaits
its answer), agreed, disputed (a proposal was rejected and nothing has settled it since), or
settled (a meeting, recorded with its date and who met, settled it: the severity in force stood).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from accord.core.display import format_iso_utc
from accord.engine import clocks
from accord.helpdesk.models import EventKind, Ticket
from accord.reports import schema


class _Event(Protocol):
    pk: int
    kind: str
    at: Any
    severity: int | None
    data: dict[str, Any]


def restoration_disputes(
    tickets: Sequence[Ticket],
    events: Mapping[int, Sequence[_Event]],
    results: Sequence[clocks.ClockResult],
) -> list[schema.Dispute]:
    """The report's restoration disputes, from each ticket's events up to the cut-off and its
    clock read at the cut-off."""
    found = []
    for ticket, result in zip(tickets, results, strict=True):
        mine = events[ticket.pk]
        contests = [e for e in mine if e.kind == EventKind.RESTORATION_CONTESTED]
        if not contests:
            continue
        designated = [
            e.severity
            for e in mine
            if e.severity is not None
            and e.kind in (EventKind.REPORTED, EventKind.SEVERITY_DESIGNATED)
        ]
        by_pk = {e.pk: e for e in contests}
        lines = []
        for rejected in (e for e in mine if e.kind == EventKind.CONTEST_REJECTED):
            contest = by_pk.get(rejected.data.get("contest"), contests[-1])
            note = rejected.data.get("note", "")
            lines.append(
                (
                    "restoration_disputed",
                    f"{_contested(contest)}; the vendor maintains the restoration"
                    + (f" ({note})" if note else "")
                    + ": the time between them is not counted",
                )
            )
        if result.restoration_contested:
            lines.append(
                (
                    "restoration_contested",
                    f"{_contested(contests[-1])}; not answered by the cut-off: the clock "
                    "counts from the contest",
                )
            )
        found += [
            schema.Dispute(
                ticket_id=ticket.pk,
                summary=ticket.summary,
                designated=designated[-1] if designated else None,
                proposed=[],
                outcome=outcome,
                severity_in_force=result.severity,
                detail=detail,
            )
            for outcome, detail in lines
        ]
    return found


def _contested(contest: _Event) -> str:
    restored = contest.data.get("restored_at", "")
    return f"The customer contested the restoration of {restored} on {format_iso_utc(contest.at)}"


# Severity disputes (accord.helpdesk.severity)


def designates(event: _Event) -> bool:
    """The event designates (or reports with) a severity."""
    return event.severity is not None and event.kind in (
        EventKind.REPORTED,
        EventKind.SEVERITY_DESIGNATED,
    )


def severity_dispute(
    ticket: Ticket, events: Sequence[_Event], result: clocks.ClockResult
) -> schema.Dispute | None:
    """The severity dispute of a ticket with proposals or agreements, as the report states it."""
    proposals = [e for e in events if e.kind == EventKind.SEVERITY_PROPOSED]
    agreements = [e for e in events if e.kind == EventKind.SEVERITY_AGREED]
    if not proposals and not agreements:
        return None
    designated = [e.severity for e in events if designates(e)]
    last = max([*proposals, *agreements], key=lambda e: (e.at, e.pk))
    answers = [e for e in events if e.kind == EventKind.SEVERITY_REJECTED and e.at >= last.at]
    # Proposals before two-party agreements carry no side: they were all the vendor's.
    proposer = proposals[-1].data.get("side", "vendor") if proposals else "vendor"
    answerer = "customer" if proposer == "vendor" else "vendor"
    if result.dispute_open:
        outcome = "open"
        detail = (
            f"Severity {last.severity} proposed by the {proposer}; "
            "the severity in force stands until the other side agrees"
        )
    elif agreements and (not answers or agreements[-1].at >= answers[-1].at):
        agreed = agreements[-1]
        outcome = "agreed"
        how = agreed.data.get("how", "agreed")
        parties = [
            agreed.data.get(key, "")
            for key in ("vendor_party", "customer_party")
            if key in agreed.data
        ]
        detail = f"Severity {agreed.severity} {how}"
        if parties:
            detail += f" ({' and '.join(parties)})"
        detail += "; it applies from the report time"
    elif result.severity_disputed:
        outcome = "disputed"
        detail = (
            f"The {answerer} rejected the {proposer}'s proposal; unresolved: the severity in "
            "force stands until both sides agree or a meeting settles it"
        )
    else:
        meetings = [e for e in events if e.kind == EventKind.SEVERITY_SETTLED]
        outcome = "settled"
        detail = f"The {answerer} rejected the {proposer}'s proposal; the severity in force stands"
        if meetings:
            meeting = meetings[-1].data
            detail += (
                f"; settled at a meeting on {meeting.get('held_on', '')}"
                f" ({meeting.get('attendees', '')})"
            )
    return schema.Dispute(
        ticket_id=ticket.pk,
        summary=ticket.summary,
        designated=designated[-1] if designated else None,
        proposed=[e.severity for e in proposals if e.severity is not None],
        outcome=outcome,
        severity_in_force=result.severity,
        detail=detail,
    )
