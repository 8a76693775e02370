"""Every customer's monthly report in one pass (docs/reports.md, "Every customer's month").

`build_reports` gives exactly the reports `build.build_report` gives one at a time (the same
JSON, the same content hash; tests/reports/test_batch.py holds the two equal on a fleet), with
the rows read for many customers at once:

- the customers in chunks of `CHUNK`; for each chunk the contract versions, the tickets of the
  month with the earlier candidates, their events and the customer-only outages, in a few
  queries (one per reporting time zone for tickets and events), as tuples;
- customers whose terms in force are the same (terms are compiled once per content and region,
  `accord.accounts.terms`) share them, the month, the covered module-regions and the public
  uptime of those module-regions (`build._module_uptimes`, through the engine's
  `uptime_batch`), computed once for the whole fleet; only a customer's module-regions that a
  customer-only outage touched are computed again, for it;
- every clock of a group is read in one `clocks.evaluate_many` call (and one
  `reporting.earlier_listings` call for the earlier candidates); the ticket lines, the
  statement and the rest come from the same functions as `build_report`'s.

Earlier tickets whose events show them stopped, with a severity, at the previous cut-off and
not reopened since are left out by the database (`_settled`): they can be listed by no report
(`reporting.earlier_listing`), and a customer has a year of them. A customer whose terms are
broken gets its error (`InvalidTerms`) instead of a report; the others are not held up. A group
whose rows the engine refuses (a malformed event log) is built one customer at a time by
`build_report`, so that only the customer at fault gets the error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from accord.accounts.models import Organisation
from accord.accounts.terms import fee_for_month, prefetch_versions, terms_for_month
from accord.engine import clocks, reporting
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.policy import ContractTerms
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.helpdesk.services import clock_events
from accord.monitoring.models import ModuleRegion, Outage
from accord.monitoring.services import (
    DailyUptime,
    Terms,
    adhoc_windows,
    daily_periods,
    grid_of_rows,
    grid_span,
    maintenance_schedules,
)
from accord.reports import schema
from accord.reports.build import (
    _TICKET_FIELDS,
    Month,
    _earlier,
    _Event,
    _module_uptimes,
    assemble,
    build_report,
    listed_tickets,
    own_month,
    ticket_section,
    uptime_lines,
)

# Customers whose rows are read and held at once.
CHUNK = 1_000
# Ticket ids in one query's IN list (SQLite allows 32,766 parameters).
IDS_AT_ONCE = 20_000

# The events after which a clock is no longer stopped (a restoration stops it): the stopped
# clock's restarts, and pausing and resuming, which only a running or paused clock has.
_STATE_CHANGES = (
    EventKind.RESTORED,
    EventKind.REOPENED,
    EventKind.RESTORATION_CONTESTED,
    EventKind.PAUSED,
    EventKind.RESUMED,
)
_SEVERITY_SETTERS = (EventKind.REPORTED, EventKind.SEVERITY_DESIGNATED, EventKind.SEVERITY_AGREED)
# An event's data as the report reads it: only these kinds' (the disputes' sides, parties and
# notes); every other event's is left unread ({}): a month of a fleet is ~50 events a customer.
_DATA = Case(
    When(
        kind__in=(
            EventKind.SEVERITY_PROPOSED,
            EventKind.SEVERITY_AGREED,
            EventKind.SEVERITY_SETTLED,
            EventKind.RESTORATION_CONTESTED,
            EventKind.CONTEST_REJECTED,
        ),
        then=F("data"),
    ),
    default=Value(None),
    output_field=JSONField(),
)


def _settled(period: Month) -> Q:
    """Tickets whose clock was stopped, with a severity, at the previous cut-off: their last
    state-changing event by then (in the engine's order) is a restoration, and a severity
    was set by then. Unless reopened after it (`build._earlier` keeps those), no report
    after that cut-off lists them: met there, they were counted met; breached, breached."""
    by = from_epoch(period.previous_cutoff + 1)  # events at or before the cut-off's second
    last_change = Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), kind__in=_STATE_CHANGES, at__lt=by)
        .order_by("-at", "-pk")
        .values("kind")[:1],
        output_field=CharField(),
    )
    severity = Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), kind__in=_SEVERITY_SETTERS, severity__isnull=False, at__lt=by
        )
    )
    ran_again = Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            kind__in=reporting.REOPENINGS,
            at__gt=from_epoch(period.previous_cutoff),
        )
    )
    # Never NULL (no state change yet reads ""), so that its negation keeps every other ticket.
    stopped = Exact(Coalesce(last_change, Value("")), EventKind.RESTORED.value)
    return Q(stopped) & Q(severity) & ~Q(ran_again)


@dataclass
class _Group:
    """Customers on the same terms in the same region: what they share."""

    terms: ContractTerms
    period: Month
    as_of: int
    module_regions: list[ModuleRegion]
    shared: list[schema.ModuleUptime] | None = None
    own: _OwnBase | None = None


@dataclass
class _OwnBase:
    """What every customer of a group with outages of its own shares: the days' periods, the
    span read, the maintenance and the module-regions' public outages."""

    periods: dict[int, list[tuple[datetime, datetime]]]
    low: datetime
    high: datetime
    adhoc: list[tuple[int, int, datetime, datetime, datetime]]
    only_for: dict[int, set[int]]
    schedules: dict[int, MaintenanceSchedule]
    public: dict[int, list[Outage]]

    @classmethod
    def of(cls, group: _Group, region_id: int) -> _OwnBase:
        uptime_terms = {region_id: Terms.of(group.terms)}
        mrs = group.module_regions
        periods = daily_periods(mrs, uptime_terms, group.period.days(), now=from_epoch(group.as_of))
        low, high = (from_epoch(edge) for edge in grid_span(uptime_terms, periods))
        adhoc, only_for = adhoc_windows({region_id}, low, high)
        start, end = from_epoch(group.period.start), from_epoch(group.period.end)
        schedules = maintenance_schedules(mrs, uptime_terms[region_id], start, end)
        public: dict[int, list[Outage]] = {mr.pk: [] for mr in mrs}
        for row in _overlapping(
            Outage.objects.filter(module_region_id__in=list(public), organisation=None), low, high
        ):
            public[row.module_region_id].append(row)
        return cls(periods, low, high, adhoc, only_for, schedules, public)


@dataclass
class _Fleet:
    """What a batch keeps across its chunks: the groups and the catalogue."""

    month: str
    now: datetime
    groups: dict[tuple[Any, ...], _Group] = field(default_factory=dict)
    module_regions: dict[int, list[ModuleRegion]] = field(default_factory=dict)
    module_slugs: dict[int, dict[int, str]] = field(default_factory=dict)

    def catalogue(self) -> None:
        rows = ModuleRegion.objects.select_related("module", "region")
        for mr in rows:
            self.module_regions.setdefault(mr.region_id, []).append(mr)
            self.module_slugs.setdefault(mr.region_id, {})[mr.module_id] = mr.module.slug

    def group(self, organisation: Organisation, terms: ContractTerms) -> _Group:
        key = (organisation.region_id, id(terms))
        group = self.groups.get(key)
        if group is None or group.terms is not terms:
            period = Month.of(self.month, terms.reporting_timezone)
            order = {name: n for n, name in enumerate(terms.modules)}
            covered = sorted(
                (
                    mr
                    for mr in self.module_regions.get(organisation.region_id, [])
                    if mr.module.name in order
                ),
                key=lambda mr: order[mr.module.name],
            )
            as_of = min(to_epoch(self.now), period.cutoff)
            group = self.groups[key] = _Group(terms, period, as_of, covered)
        return group


def build_reports(
    organisations: Sequence[Organisation], month: str, *, now: datetime
) -> dict[int, schema.Report | Exception]:
    """The report of `month` as it stands at `now` of each organisation (with its contract and
    region selected), by organisation id: `build_report`'s, or the error that stops it."""
    return dict(iter_reports(organisations, month, now=now))


def iter_reports(
    organisations: Sequence[Organisation], month: str, *, now: datetime, chunk: int = CHUNK
) -> Iterator[tuple[int, schema.Report | Exception]]:
    """`build_reports` a chunk at a time (what the month-end issuing stores as it goes)."""
    fleet = _Fleet(month, now)
    fleet.catalogue()
    for first in range(0, len(organisations), chunk):
        yield from _chunk(fleet, organisations[first : first + chunk])


def _chunk(
    fleet: _Fleet, organisations: Sequence[Organisation]
) -> Iterator[tuple[int, schema.Report | Exception]]:
    prefetch_versions(o.contract for o in organisations)
    failed: dict[int, Exception] = {}
    fees: dict[int, Decimal | None] = {}
    groups: dict[int, _Group] = {}
    for organisation in organisations:
        try:
            terms = terms_for_month(organisation, fleet.month)
            fees[organisation.pk] = fee_for_month(organisation, fleet.month)
            groups[organisation.pk] = fleet.group(organisation, terms)
        except Exception as error:  # broken terms: this customer's report says so, not others'
            failed[organisation.pk] = error
    members: dict[int, list[Organisation]] = defaultdict(list)
    by_group: dict[int, _Group] = {}
    for organisation in organisations:
        if organisation.pk in groups:
            group = groups[organisation.pk]
            members[id(group)].append(organisation)
            by_group[id(group)] = group
    own = _own_outages(list(by_group.values()), members)
    rows, events = _ticket_rows(list(by_group.values()), members)
    built: dict[int, schema.Report | Exception] = dict(failed)
    for key, group in by_group.items():
        try:
            built.update(_group_reports(fleet, group, members[key], fees, own, rows, events))
        except Exception:  # one customer's rows the engine refuses: each on its own
            built.update(_one_by_one(members[key], fleet.month, fleet.now))
    for organisation in organisations:
        yield organisation.pk, built[organisation.pk]


def _one_by_one(
    organisations: Sequence[Organisation], month: str, now: datetime
) -> Iterator[tuple[int, schema.Report | Exception]]:
    for organisation in organisations:
        try:
            yield organisation.pk, build_report(organisation, month, now=now)
        except Exception as error:
            yield organisation.pk, error


def _overlapping(rows: QuerySet[Outage], low: datetime, high: datetime) -> QuerySet[Outage]:
    return rows.filter(start__lt=high).filter(Q(end__isnull=True) | Q(end__gt=low))


def _own_outages(
    groups: Sequence[_Group], members: dict[int, list[Organisation]]
) -> dict[int, list[Outage]]:
    """The outages that hit one customer alone, over the span the uptime reads (the month,
    widened by the longest minimum outage), by organisation: one query."""
    answer: dict[int, list[Outage]] = defaultdict(list)
    if not groups:
        return answer
    ids = [o.pk for g in groups for o in members[id(g)]]
    margin = timedelta(seconds=max(g.terms.min_outage_seconds for g in groups) + 1)
    low = from_epoch(min(g.period.start for g in groups)) - margin
    high = from_epoch(max(g.period.end for g in groups)) + margin
    for row in _overlapping(Outage.objects.filter(organisation_id__in=ids), low, high):
        answer[row.organisation_id].append(row)
    return answer


def _touched(group: _Group, rows: Sequence[Outage]) -> list[ModuleRegion]:
    """The group's module-regions that one of a customer's own outages touches, with an impact
    its terms count: in the month widened by the minimum outage (an outage just before the
    month can join one in it, `uptime_grid`), so that every other module-region's figures are
    the shared ones exactly."""
    margin = timedelta(seconds=group.terms.min_outage_seconds + 1)
    start = from_epoch(group.period.start) - margin
    end = from_epoch(group.period.end) + margin
    touched = {
        row.module_region_id
        for row in rows
        if row.impact in group.terms.impact_weights
        and row.start < end
        and (row.end is None or row.end > start)
    }
    return [mr for mr in group.module_regions if mr.pk in touched]


class _Member(NamedTuple):
    """One customer's module-region in the shared grid: `pk` is its place, not a row's id."""

    pk: int
    region_id: int


def _own_uptimes(
    group: _Group,
    region_id: int,
    hits: Mapping[int, Sequence[ModuleRegion]],
    own: Mapping[int, Sequence[Outage]],
) -> dict[int, list[schema.ModuleUptime]]:
    """`build._module_uptimes` of the module-regions `hits` names for each customer (by
    organisation id), counting its own outages: the group's shared rows, no query, and one
    grid (`uptime_batch` calls) for all of them."""
    if group.own is None:
        group.own = _OwnBase.of(group, region_id)
    base = group.own
    terms, period, as_of = group.terms, group.period, group.as_of
    start, end = from_epoch(period.start), from_epoch(period.end)
    weights = terms.impact_weights
    members: list[_Member] = []
    grid_rows: dict[int, list[tuple[str, int, int]]] = {}
    counted: dict[int, dict[int, list[Outage]]] = {}
    only_for: dict[int, set[int]] = {}
    for organisation_id, hit in hits.items():
        counted[organisation_id] = {}
        for mr in hit:
            member = _Member(len(members), region_id)
            members.append(member)
            for window, ids in base.only_for.items():
                if mr.pk in ids:
                    only_for.setdefault(window, set()).add(member.pk)
            mine = [
                row
                for row in [*base.public[mr.pk], *own[organisation_id]]
                if row.module_region_id == mr.pk
                and row.start < base.high
                and (row.end is None or row.end > base.low)
            ]
            grid_rows[member.pk] = [
                (
                    row.impact,
                    to_epoch(row.start),
                    max(as_of, to_epoch(row.start)) if row.end is None else to_epoch(row.end),
                )
                for row in mine
            ]
            counted[organisation_id][mr.pk] = sorted(
                (
                    row
                    for row in mine
                    if row.impact in weights
                    and row.start < end
                    and (row.end is None or row.end > start)
                ),
                key=lambda row: (row.start, row.pk),
            )
    uptime_terms = {region_id: Terms.of(terms)}
    grid = grid_of_rows(members, uptime_terms, base.periods, grid_rows, base.adhoc, only_for)
    answer = {}
    place = 0
    for organisation_id, hit in hits.items():
        daily = {}
        for mr in hit:
            row = grid[place]
            daily[mr.pk] = DailyUptime(days=row[:-1], total=row[-1])
            place += 1
        answer[organisation_id] = uptime_lines(
            hit,
            daily,
            counted[organisation_id],
            base.schedules,
            terms,
            period,
            as_of,
            from_totals=as_of >= period.end,
        )
    return answer


def _ticket_rows(
    groups: Sequence[_Group], members: dict[int, list[Organisation]]
) -> tuple[dict[int, list[Ticket]], dict[int, list[_Event]]]:
    """The month's tickets and the earlier candidates of every customer, by organisation, and
    their events: two queries per reporting time zone (and cut-off taken)."""
    by_period: dict[tuple[Month, int], list[int]] = defaultdict(list)
    for group in groups:
        by_period[(group.period, group.as_of)].extend(o.pk for o in members[id(group)])
    rows: dict[int, list[Ticket]] = defaultdict(list)
    events: dict[int, list[_Event]] = {}
    for (period, as_of), organisation_ids in by_period.items():
        wanted = Ticket.objects.filter(
            own_month(period, as_of) | (_earlier(period) & ~_settled(period)),
            organisation_id__in=organisation_ids,
        )
        tickets = list(wanted.only(*_TICKET_FIELDS, "organisation_id"))
        for ticket in tickets:
            rows[ticket.organisation_id].append(ticket)
            events[ticket.pk] = []
        until = from_epoch(max(as_of, period.previous_cutoff))
        fields = ("pk", "ticket_id", "kind", "at", "severity", _DATA)
        ids = [t.pk for t in tickets]
        for first in range(0, len(ids), IDS_AT_ONCE):
            found = TicketEvent.objects.filter(
                ticket_id__in=ids[first : first + IDS_AT_ONCE], at__lte=until
            ).order_by("at", "pk")
            for *row, data in found.values_list(*fields):
                event = _Event(*row, data or {})
                events[event.ticket_id].append(event)
    return rows, events


def _group_reports(
    fleet: _Fleet,
    group: _Group,
    organisations: Sequence[Organisation],
    fees: dict[int, Decimal | None],
    own: dict[int, list[Outage]],
    rows: dict[int, list[Ticket]],
    everything: dict[int, list[_Event]],
) -> Iterator[tuple[int, schema.Report]]:
    terms, period, as_of = group.terms, group.period, group.as_of
    region_id = organisations[0].region_id
    if group.shared is None:
        group.shared = _module_uptimes(group.module_regions, region_id, None, terms, period, as_of)
    start = from_epoch(period.start)
    earlier = [t for o in organisations for t in rows[o.pk] if t.reported_at < start]
    listed = reporting.earlier_listings(
        {t.pk: clock_events(everything[t.pk]) for t in earlier},
        terms.clock_rules,
        previous_cutoff=period.previous_cutoff,
        cutoff=as_of,
    )
    chosen = {
        o.pk: listed_tickets(rows[o.pk], everything, listed, period, as_of) for o in organisations
    }
    results = clocks.evaluate_many(
        [clock_events(events[t.pk]) for tickets, events in chosen.values() for t in tickets],
        terms.clock_rules,
        as_of,
    )
    modules = fleet.module_slugs.get(region_id, {})
    hits = {o.pk: hit for o in organisations if (hit := _touched(group, own.get(o.pk, [])))}
    fresh = _own_uptimes(group, region_id, hits, own) if hits else {}
    offset = 0
    for organisation in organisations:
        tickets, events = chosen[organisation.pk]
        mine = results[offset : offset + len(tickets)]
        offset += len(tickets)
        uptime = list(group.shared)
        if organisation.pk in fresh:
            mine_uptime = dict(
                zip([mr.pk for mr in hits[organisation.pk]], fresh[organisation.pk], strict=True)
            )
            uptime = [
                mine_uptime.get(mr.pk) or shared
                for mr, shared in zip(group.module_regions, group.shared, strict=True)
            ]
        section = ticket_section(tickets, events, listed, mine, modules, terms, period)
        yield (
            organisation.pk,
            assemble(
                organisation,
                fleet.month,
                terms,
                fees[organisation.pk],
                period,
                as_of,
                uptime,
                section,
            ),
        )
