"""The rows a batch of simulated months reads, for many customers at once, in a few queries:
tickets and their clock events as tuples of epoch seconds, outages, ad-hoc maintenance and
module-regions (docs/dashboard.md, "The simulator over many customers").

The rules of `accord.reports.build` for which rows a month reads are applied to these in
memory by `accord.dashboard.fleet_simulation`. Database comparisons of datetimes with whole
seconds are kept exact: an event recorded within the second after an instant a month's
figures are taken at is marked (`TicketRow.codes`), so "at or before the cut-off" excludes it
as the report's query does.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Func, Q

from accord.engine import clocks
from accord.engine.availability import announced_in_time
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk.models import Ticket, TicketEvent
from accord.monitoring.models import ModuleRegion, Outage
from accord.monitoring.services import EpochSeconds, adhoc_windows

KINDS = {kind.value: kind for kind in clocks.EventKind}
REOPENINGS = (clocks.EventKind.REOPENED, clocks.EventKind.RESTORATION_CONTESTED)
# How far back a month reads tickets (reports.build.CARRY_OVER_LOOKBACK).
LOOKBACK = timedelta(days=400)


@dataclass
class TicketRow:
    """A ticket and its clock events in order. `codes` are the events' instants as
    2 x epoch second, plus 1 for an event recorded within the second after an instant a
    month is taken at: "recorded at or before T" is then `code <= 2 T`, as the report's
    query compares datetimes. `signature` numbers the ticket's events (kinds, instants,
    severities): tickets with the same events have the same clocks under the same rules."""

    pk: int
    organisation_id: int
    module_id: int
    reported_at: int
    breached_at: int | None
    summary: str = ""
    reported: datetime | None = None  # the exact instant (details only)
    events: list[clocks.ClockEvent] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    signature: int = 0

    def upto(self, instant: int) -> int:
        """How many events were recorded at or before `instant`."""
        return bisect_right(self.codes, 2 * instant)

    def floored_upto(self, instant: int) -> int:
        """How many events have an instant (fractions dropped) at or before `instant`."""
        return bisect_right(self.codes, 2 * instant + 1)

    def reopened_after(self, instant: int) -> bool:
        """Reopened (or its restoration contested) after `instant`, at any time since."""
        return any(
            event.kind in REOPENINGS and code > 2 * instant
            for event, code in zip(self.events, self.codes, strict=True)
        )


def tickets(
    organisation_ids: Sequence[int],
    start: int,
    end: int,
    instants: Iterable[int],
    *,
    details: bool = False,
) -> dict[int, list[TicketRow]]:
    """The tickets of these customers reported in [start - LOOKBACK, end), with their clock
    events in order, by organisation id, each customer's by report time. Two queries."""
    low, high = from_epoch(start) - LOOKBACK, from_epoch(end)
    found = Ticket.objects.filter(
        organisation_id__in=list(organisation_ids), reported_at__gte=low, reported_at__lt=high
    )
    fields = ["pk", "organisation_id", "module_id", EpochSeconds("reported_at")]
    fields.append(EpochSeconds("breached_at"))
    if details:
        fields += ["summary"]
    rows: dict[int, TicketRow] = {}
    # In report order (the exact instant, then the id): each customer's list is in it.
    for values in _raw(found.order_by("reported_at", "pk").values_list(*fields)):
        row = TicketRow(*values[:5])
        if details:
            row.summary = values[5]
        rows[row.pk] = row
    if details:  # the exact instants, through the database's converters
        for pk, reported in found.values_list("pk", "reported_at"):
            rows[pk].reported = reported
    events = TicketEvent.objects.filter(
        ticket__organisation_id__in=list(organisation_ids),
        ticket__reported_at__gte=low,
        ticket__reported_at__lt=high,
        kind__in=list(KINDS),
    )
    chosen = set(instants)
    ordered = events.order_by("ticket_id", "at", "pk")
    shared: dict[tuple[Any, ...], clocks.ClockEvent] = {}
    values = ("ticket_id", "kind", EpochSeconds("at"), "severity", WithinSecond("at"))
    last = None
    events_of: list[clocks.ClockEvent] = []
    codes: list[int] = []
    for ticket_id, kind, at, severity, within in _raw(ordered.values_list(*values)):
        if ticket_id != last:
            row = rows[ticket_id]
            events_of, codes, last = row.events, row.codes, ticket_id
        key = (kind, at, severity)
        event = shared.get(key)
        if event is None:
            event = shared[key] = clocks.ClockEvent(kind=KINDS[kind], at=at, severity=severity)
        events_of.append(event)
        # Recorded strictly within the second after an instant a month is taken at.
        codes.append(2 * at + 1 if within and at in chosen else 2 * at)
    signatures: dict[tuple[Any, ...], int] = {}
    answer: dict[int, list[TicketRow]] = {pk: [] for pk in organisation_ids}
    for row in rows.values():
        events_key = (tuple(row.codes), tuple(map(id, row.events)))
        row.signature = signatures.setdefault(events_key, len(signatures))
        answer[row.organisation_id].append(row)
    return answer


def _raw(query: Any) -> Iterable[tuple[Any, ...]]:
    """The rows of a `values_list` query of integers and text, straight from the database
    cursor (no per-row converters: a fleet's events are millions of rows)."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            yield from batch


class WithinSecond(Func):
    """Whether a datetime column has a fraction of a second (is strictly after the whole
    second `EpochSeconds` gives), as the database compares it: with `EpochSeconds`, "recorded
    strictly within the second after T" is `within and seconds == T`."""

    output_field = BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Datetimes are stored as text, "YYYY-MM-DD HH:MM:SS[.ffffff]", compared as text.
        return self.as_sql(
            compiler, connection, template="(%(expressions)s > datetime(%(expressions)s))"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s > date_trunc('second', %(expressions)s))",
        )


@dataclass(frozen=True)
class OutageRow:
    module_region_id: int
    organisation_id: int | None
    impact: str
    start: datetime
    end: datetime | None


def outages(
    region_ids: Iterable[int], organisation_ids: Sequence[int], start: int, end: int
) -> dict[int, list[OutageRow]]:
    """Every outage of these regions' module-regions overlapping [start, end), of the whole
    module-region or hitting one of these customers, oldest first, by module-region id."""
    low, high = from_epoch(start), from_epoch(end)
    rows = (
        Outage.objects.filter(module_region__region_id__in=list(region_ids), start__lt=high)
        .filter(Q(end__isnull=True) | Q(end__gt=low))
        .filter(Q(organisation__isnull=True) | Q(organisation_id__in=list(organisation_ids)))
        .order_by("start", "pk")
        .values_list("module_region_id", "organisation_id", "impact", "start", "end")
    )
    answer: dict[int, list[OutageRow]] = {}
    for values in rows:
        answer.setdefault(values[0], []).append(OutageRow(*values))
    return answer


@dataclass(frozen=True)
class Adhoc:
    """The ad-hoc maintenance windows of some regions over a span."""

    windows: list[tuple[int, int, int, int, int]]  # pk, region id, start, end, announced
    only_for: dict[int, set[int]]

    @classmethod
    def read(cls, region_ids: set[int], start: int, end: int) -> Adhoc:
        rows, only_for = adhoc_windows(region_ids, from_epoch(start), from_epoch(end))
        return cls(
            [(pk, r, to_epoch(a), to_epoch(b), to_epoch(c)) for pk, r, a, b, c in rows], only_for
        )

    def of(
        self, module_region: ModuleRegion, notice_hours: int, start: int, end: int
    ) -> tuple[tuple[int, int], ...]:
        """The windows of `monitoring.services.maintenance_schedules` for this module-region
        and period [start, end)."""
        return tuple(
            (first, last)
            for pk, region_id, first, last, at in self.windows
            if first < end
            and last > start
            and announced_in_time(first, at, notice_hours)
            and region_id == module_region.region_id
            and (pk not in self.only_for or module_region.pk in self.only_for[pk])
        )


def module_regions(region_ids: Iterable[int]) -> dict[int, list[ModuleRegion]]:
    """The module-regions of these regions, with their modules, by region id."""
    answer: dict[int, list[ModuleRegion]] = {}
    found = ModuleRegion.objects.filter(region_id__in=list(region_ids))
    for mr in found.select_related("module", "region").order_by("pk"):
        answer.setdefault(mr.region_id, []).append(mr)
    return answer
