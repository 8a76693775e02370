"""Tickets as CSV: the rows a list's filters select, every page of them, streamed.

One header row, then one ticket a row, one value a column (docs/helpdesk.md, "Exporting
tickets"): times in ISO 8601 UTC (the header names the zone), durations in whole minutes,
numbers in their own columns, `yes`/`no` for booleans. A text cell that a spreadsheet would
read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed
with `'`. Customers see "Support" for an assigned ticket, never who.

The caller hands in a queryset already scoped (`accord.accounts.access.scope`) and filtered;
the clock's standing is refreshed in memory for each batch, as the lists show it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from accord.helpdesk import services
from accord.helpdesk.models import EventKind, Ticket, TicketEvent

HEADER = [
    "Ticket",
    "Summary",
    "Organisation",
    "Module",
    "Region",
    "State",
    "Severity",
    "Standing",
    "Breached",
    "Reported (UTC)",
    "Due (UTC)",
    "Breached at (UTC)",
    "Time to respond (minutes)",
    "Time to restore (minutes)",
    "Support time used (minutes)",
    "Target (minutes)",
    "Assignee",
    "Group",
]
BATCH = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that cannot run as a spreadsheet formula; numbers and blanks as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _utc(instant: datetime | None) -> str:
    if instant is None:
        return ""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _minutes(start: datetime | None, end: datetime | None) -> int | str:
    if start is None or end is None:
        return ""
    return int((end - start).total_seconds() // 60)


def _first(kind: str) -> Subquery:
    return Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=kind)
        .order_by("at", "pk")
        .values("at")[:1]
    )


def with_response_times(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with the first acknowledgement and restoration times (`responded_at`,
    `restored_at`)."""
    return tickets.annotate(
        responded_at=_first(EventKind.ACKNOWLEDGED), restored_at=_first(EventKind.RESTORED)
    )


def _english(label: Any) -> str:
    """A choice's label as the (English, fixed) CSV has it, whatever the page's language."""
    with translation.override("en"):
        return str(label())


def row_of(ticket: Any, *, customer: bool) -> list[Any]:
    if customer:
        assignee = "Support" if ticket.assignee_id or ticket.group_id else ""
        group = ""
    else:
        who = ticket.assignee
        assignee = (who.get_full_name() or who.email) if who is not None else ""
        group = ticket.group.name if ticket.group_id else ""
    target = ticket.target_seconds
    breached = ticket.standing == "breached" or ticket.breached_at is not None
    row = [
        ticket.pk,
        ticket.summary,
        ticket.organisation.name,
        ticket.module.name,
        ticket.region.name,
        _english(ticket.get_status_display),
        ticket.severity_in_force if ticket.severity_in_force is not None else "",
        ticket.standing,
        "yes" if breached else "no",
        _utc(ticket.reported_at),
        _utc(ticket.due_at),
        _utc(ticket.breached_at),
        _minutes(ticket.reported_at, getattr(ticket, "responded_at", None)),
        _minutes(ticket.reported_at, getattr(ticket, "restored_at", None)),
        ticket.used_seconds // 60,
        target // 60 if target is not None else "",
        assignee,
        group,
    ]
    return [safe_cell(value) for value in row]


def rows(tickets: QuerySet[Ticket], *, customer: bool) -> Iterator[list[Any]]:
    """The header, then every ticket's row, read and measured a batch at a time."""
    yield HEADER
    now = timezone.now()
    batch: list[Ticket] = []
    for ticket in with_response_times(tickets).iterator(chunk_size=BATCH):
        batch.append(ticket)
        if len(batch) == BATCH:
            yield from _measured(batch, now, customer)
            batch = []
    if batch:
        yield from _measured(batch, now, customer)


def _measured(batch: list[Ticket], now: datetime, customer: bool) -> Iterable[list[Any]]:
    services.refresh_clocks(batch, now=now)  # standing as of now, in memory only
    return [row_of(ticket, customer=customer) for ticket in batch]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(tickets: QuerySet[Ticket], *, customer: bool, name: str) -> StreamingHttpResponse:
    """A streamed CSV download of `tickets` (already scoped and filtered)."""
    writer = csv.writer(_Echo())
    stream = (writer.writerow(row) for row in rows(tickets, customer=customer))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
