"""A customer's monthly SLA report, assembled from the help desk's and monitoring's rows and
decided by the engine. Nothing here does time, clock, uptime or credit arithmetic of its own.

Which month a ticket belongs to (docs/reports.md, "Which report counts a ticket"): a report
covers the tickets reported in its month, plus those carried over: reported earlier and still
open (neither restored within target nor breached) at the previous month's cut-off, plus those
reopened: met at the previous cut-off and reopened after it (`engine.reporting.earlier_listing`).
Every clock is read at this report's cut-off, 00:00 on `ACCORD_REPORT_DAY` of the next month in
the reporting time zone, from the events recorded by then. So each breach is counted in exactly
one report, the one whose window holds it, and a report regenerated after its cut-off gives the
same figures unless the rows it reads were corrected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import translation

from accord.accounts.models import Organisation
from accord.accounts.terms import fee_for_month, terms_for_month
from accord.core.display import format_iso_utc
from accord.engine import clocks, reporting, statements
from accord.engine.availability import UptimeResult, format_thousandths
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.numbers import format_fraction
from accord.engine.policy import ContractTerms
from accord.engine.reporting import nearest_rank, outage_shares
from accord.engine.timeutil import from_epoch, local_to_epoch, month_bounds, to_epoch, zone
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.helpdesk.services import clock_events
from accord.monitoring.models import ModuleRegion, Outage, Source
from accord.monitoring.services import (
    DailyUptime,
    PeriodUptime,
    Terms,
    as_engine_outage,
    counted_outage_rows_many,
    covered_module_regions,
    daily_uptime_batch,
    maintenance_schedules,
    uptime_of_rows,
)
from accord.reports import schema
from accord.reports.assumptions import assumptions
from accord.reports.contests import designates, restoration_disputes, severity_dispute

# How far back a ticket can be carried over from (a ticket open for longer is still listed
# while it stays open, as long as it was reported within this span).
CARRY_OVER_LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class Month:
    """A report's month in the reporting time zone, and its cut-off."""

    name: str  # YYYY-MM
    timezone: str
    start: int
    end: int
    cutoff: int
    previous_cutoff: int
    report_day: int = 3

    @classmethod
    def of(cls, name: str, timezone: str, report_day: int | None = None) -> Month:
        day = settings.ACCORD_REPORT_DAY if report_day is None else report_day
        tz = zone(timezone)
        start, end = month_bounds(name, tz)
        first = from_epoch(start).astimezone(tz).date()
        following = from_epoch(end).astimezone(tz).date()
        return cls(
            name=name,
            timezone=timezone,
            start=start,
            end=end,
            cutoff=local_to_epoch(following.replace(day=day), 0, tz),
            previous_cutoff=local_to_epoch(first.replace(day=day), 0, tz),
            report_day=day,
        )

    def days(self) -> list[date]:
        tz = zone(self.timezone)
        first = from_epoch(self.start).astimezone(tz).date()
        last = from_epoch(self.end).astimezone(tz).date()
        return [first + timedelta(days=n) for n in range((last - first).days)]


def _english(label: Any) -> str:
    """A choice's label as a report freezes it: in English (its msgid), whatever language the
    person who froze it reads; the report's pages translate the source from its code."""
    with translation.override(None):
        return str(label)


def report_month(organisation: Organisation, month: str) -> Month:
    return Month.of(month, organisation.contract.terms.reporting_timezone)


def build_report(
    organisation: Organisation,
    month: str,
    *,
    now: datetime,
    terms: ContractTerms | None = None,
    monthly_fee: Decimal | None = None,
) -> schema.Report:
    """The report of `month` as it stands at `now`: final once the cut-off has passed (taken at
    the cut-off), provisional before (taken at `now`). `terms` replaces the contract's (the
    contract simulator); `monthly_fee` likewise."""
    # The version of the contract in force for the month (accord.accounts.terms).
    terms = terms or terms_for_month(organisation, month)
    fee = fee_for_month(organisation, month) if monthly_fee is None else monthly_fee
    period = Month.of(month, terms.reporting_timezone)
    as_of = min(to_epoch(now), period.cutoff)
    uptime = _uptime(organisation, terms, period, as_of)
    return assemble(
        organisation,
        month,
        terms,
        fee,
        period,
        as_of,
        uptime,
        _tickets(organisation, terms, period, as_of),
    )


def assemble(
    organisation: Organisation,
    month: str,
    terms: ContractTerms,
    fee: Decimal | None,
    period: Month,
    as_of: int,
    uptime: list[schema.ModuleUptime],
    ticket_part: tuple[list[schema.TicketLine], list[schema.SeveritySummary], list[schema.Dispute]],
) -> schema.Report:
    """The report from its uptime and ticket sections: the statement decided by the engine
    (`build_report`, and every customer's month at once in `accord.reports.batch`)."""
    tickets, summaries, disputes = ticket_part
    breaches: dict[int, int] = {}
    for ticket in tickets:
        if ticket.outcome == "breached" and ticket.severity is not None:
            breaches[ticket.severity] = breaches.get(ticket.severity, 0) + 1
    result = statements.statement(
        schedule=terms.penalties,
        monthly_fee=fee,
        module_uptimes={m.module_name: Fraction(m.uptime_exact) for m in uptime},
        breaches=breaches,
    )
    return schema.Report(
        customer=schema.Customer(
            slug=organisation.slug,
            name=organisation.name,
            region_code=organisation.region.code,
            region_name=organisation.region.name,
        ),
        period=schema.Period(
            month=month,
            timezone=terms.reporting_timezone,
            start=_iso(period.start),
            end=_iso(period.end),
            minutes=(period.end - period.start) // 60,
            cutoff=_iso(period.cutoff),
            provisional=as_of < period.cutoff,
        ),
        policy=terms.policy.id,
        assumptions=assumptions(terms, period),
        uptime=uptime,
        severities=summaries,
        tickets=tickets,
        disputes=disputes,
        statement=schema.Statement.of(result),
    )


def _iso(epoch: int) -> str:
    return format_iso_utc(from_epoch(epoch))


# ---------------------------------------------------------------------------------------------
# Uptime


_shared: ContextVar[dict[Any, Any] | None] = ContextVar("accord_shared_uptime", default=None)


@contextmanager
def sharing_uptime() -> Iterator[None]:
    """Inside, reports of customers in the same region on the same terms share the work on
    their module-regions: each module-region's uptime, outages and daily strip are read and
    computed once per month and cut-off, and again only for a customer whose own outages
    (those that hit it alone) touch that module-region. For a batch of reports taken at one
    moment (every customer's month); rows changed during the batch may not be seen by the
    reports built after the change."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _uptime(
    organisation: Organisation, terms: ContractTerms, period: Month, as_of: int
) -> list[schema.ModuleUptime]:
    uptime_terms = Terms.of(terms)
    module_regions = covered_module_regions(organisation, terms)
    cache = _shared.get()
    if cache is None:
        return _module_uptimes(
            module_regions, organisation.region_id, organisation, terms, period, as_of
        )
    start, end = from_epoch(period.start), from_epoch(period.end)
    own = set(
        Outage.objects.filter(
            organisation=organisation,
            module_region__in=module_regions,
            start__lt=end,
            impact__in=list(uptime_terms.impact_weights),
        )
        .filter(Q(end__isnull=True) | Q(end__gt=start))
        .values_list("module_region_id", flat=True)
    )
    key = (tuple(mr.pk for mr in module_regions), id(terms), period, as_of)
    entry = cache.get(key)
    if entry is None:  # the terms are kept with the figures, so their id stays theirs
        shared = _module_uptimes(module_regions, organisation.region_id, None, terms, period, as_of)
        entry = cache[key] = (terms, dict(zip(key[0], shared, strict=True)))
    mine = [mr for mr in module_regions if mr.pk in own]
    fresh = (
        dict(
            zip(
                [mr.pk for mr in mine],
                _module_uptimes(mine, organisation.region_id, organisation, terms, period, as_of),
                strict=True,
            )
        )
        if mine
        else {}
    )
    return [fresh.get(mr.pk) or entry[1][mr.pk] for mr in module_regions]


def _module_uptimes(
    module_regions: Sequence[ModuleRegion],
    region_id: int,
    organisation: Organisation | None,
    terms: ContractTerms,
    period: Month,
    as_of: int,
) -> list[schema.ModuleUptime]:
    """The uptime section of these module-regions; with `organisation`, counting the outages
    that hit it alone, without, the module-regions' own."""
    uptime_terms = Terms.of(terms)
    now = from_epoch(as_of)
    start, end = from_epoch(period.start), from_epoch(period.end)
    days = period.days()
    daily = daily_uptime_batch(
        module_regions,
        {region_id: uptime_terms},
        days,
        now=now,
        organisation=organisation,
    )
    weights = uptime_terms.impact_weights
    # The outages and maintenance of every covered module-region in three queries.
    counted = counted_outage_rows_many(
        module_regions, start, end, weights, organisation=organisation
    )
    schedules = maintenance_schedules(module_regions, uptime_terms, start, end)
    return uptime_lines(module_regions, daily, counted, schedules, terms, period, as_of)


def uptime_lines(
    module_regions: Sequence[ModuleRegion],
    daily: Mapping[int, DailyUptime],
    counted: Mapping[int, Sequence[Outage]],
    schedules: Mapping[int, MaintenanceSchedule],
    terms: ContractTerms,
    period: Month,
    as_of: int,
    *,
    from_totals: bool = False,
) -> list[schema.ModuleUptime]:
    """The uptime section from the rows read: each module-region's daily figures, counted
    outage rows and maintenance, decided by the engine. `from_totals`: the month's figure is
    the daily figures' total (the same when the month is over: `uptime_grid`'s rules are
    `period_uptime`'s), not a call of its own."""
    uptime_terms = Terms.of(terms)
    weights = uptime_terms.impact_weights
    now = from_epoch(as_of)
    start, end = from_epoch(period.start), from_epoch(period.end)
    days = period.days()
    answer = []
    for mr in module_regions:
        result: UptimeResult | PeriodUptime = (
            daily[mr.pk].total
            if from_totals
            else uptime_of_rows(counted[mr.pk], schedules[mr.pk], uptime_terms, start, end, now=now)
        )
        rows = [row for row in counted[mr.pk] if to_epoch(row.start) < as_of]
        shares = outage_shares(
            period=(period.start, period.end),
            outages=[as_engine_outage(row, weights, now=now) for row in rows],
            maintenance=schedules[mr.pk],
            min_outage_seconds=uptime_terms.min_outage_seconds,
            maintenance_mode=uptime_terms.maintenance_mode,  # type: ignore[arg-type]
        )
        outages = [
            schema.OutageLine(
                source=row.source,
                source_label=_english(Source(row.source).label),
                impact=row.impact,
                weight=format_fraction(weights[row.impact]),
                start=format_iso_utc(row.start),
                end=_iso(min(to_epoch(row.end), as_of) if row.end else as_of),
                ongoing=row.end is None or to_epoch(row.end) > as_of,
                counted_seconds=format_fraction(share),
                customer_only=row.organisation_id is not None,
                reference=row.reference,
                note=row.note,
            )
            for row, share in zip(rows, shares, strict=True)
        ]
        fraction = result.uptime_fraction
        answer.append(
            schema.ModuleUptime(
                module=mr.module.slug,
                module_name=mr.module.name,
                region=mr.region.code,
                period_seconds=period.end - period.start if from_totals else result.period_seconds,
                maintenance_seconds=result.maintenance_seconds,
                eligible_seconds=result.eligible_seconds,
                downtime_seconds=format_fraction(result.downtime_seconds),
                uptime_percent=result.uptime_percent_display,
                uptime_exact=f"{fraction.numerator}/{fraction.denominator}",
                target_percent=format_fraction(terms.target * 100),
                met=result.met,
                outages=outages,
                daily=[
                    _day(
                        day,
                        cell.uptime_thousandths,
                        cell.downtime_numerator,
                        cell.downtime_denominator,
                        cell.met,
                    )
                    for day, cell in zip(days, daily[mr.pk].days, strict=True)
                ],
            )
        )
    return answer


@lru_cache(maxsize=4096)
def _day(
    day: date, thousandths: int, numerator: int, denominator: int, met: bool
) -> schema.DayUptime:
    """One day of a module's strip (frozen, so the same day and figures are one object: most
    days of most reports are the same 100%)."""
    return schema.DayUptime(
        date=day.isoformat(),
        uptime_percent=format_thousandths(thousandths),
        downtime_seconds=format_fraction(Fraction(numerator, denominator)),
        met=met,
    )


# ---------------------------------------------------------------------------------------------
# Tickets


class _Event(NamedTuple):
    """A ticket event as the report reads it: a tuple, not a model instance (a month of a
    big customer is thousands of rows)."""

    pk: int
    ticket_id: int
    kind: str
    at: datetime
    severity: int | None
    data: dict[str, Any]


def _events_by_ticket(ticket_ids: Sequence[int], until: int) -> dict[int, list[_Event]]:
    events: dict[int, list[_Event]] = {pk: [] for pk in ticket_ids}
    rows = TicketEvent.objects.filter(ticket_id__in=ticket_ids, at__lte=from_epoch(until))
    fields = ("pk", "ticket_id", "kind", "at", "severity", "data")
    for row in rows.order_by("at", "pk").values_list(*fields):
        event = _Event(*row)
        events[event.ticket_id].append(event)
    return events


def ticket_outcome(result: clocks.ClockResult) -> str:
    """A ticket line's outcome in a report: no_severity, breached, met or open."""
    if result.severity is None:
        return "no_severity"
    if result.breached:
        return "breached"
    if result.state is clocks.ClockState.STOPPED:
        return "met"
    return "open"


# The ticket columns a report shows (never the description, up to 50,000 characters).
_TICKET_FIELDS = ("id", "summary", "module_id", "reported_at", "breached_at")


def own_month(period: Month, as_of: int) -> Q:
    """Tickets reported in the month, up to `as_of`."""
    return Q(
        reported_at__gte=from_epoch(period.start),
        reported_at__lt=from_epoch(min(period.end, as_of + 1)),
    )


def _earlier(period: Month) -> Q:
    """Tickets reported before the month (within the lookback) not breached by the previous
    cut-off, or reopened (or their restoration contested) after it: those that may have been
    open at it or run again since. A withdrawn restoration can put the breach before the
    previous cut-off, in a month already reported met: it is counted in this one."""
    ran_again = Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            kind__in=reporting.REOPENINGS,
            at__gt=from_epoch(period.previous_cutoff),
        )
    )
    return Q(
        reported_at__lt=from_epoch(period.start),
        reported_at__gte=from_epoch(period.start) - CARRY_OVER_LOOKBACK,
    ) & (~Q(breached_at__lt=from_epoch(period.previous_cutoff)) | Q(ran_again))


def _listed(
    earlier: Sequence[Ticket],
    events: Mapping[int, Sequence[_Event]],
    terms: ContractTerms,
    period: Month,
    as_of: int,
) -> dict[int, reporting.Listing]:
    """The tickets of `earlier` the month lists (`reporting.earlier_listing`): carried over
    (open or without a severity at the previous cut-off) or reopened (met there, reopened by
    `as_of`), their clocks read from the events recorded by then: one engine call."""
    return reporting.earlier_listings(
        {t.pk: clock_events(events[t.pk]) for t in earlier},
        terms.clock_rules,
        previous_cutoff=period.previous_cutoff,
        cutoff=as_of,
    )


def carried_over(organisation: Organisation, terms: ContractTerms, period: Month) -> list[Ticket]:
    """Tickets reported before the month that were still open at the previous cut-off."""
    earlier = list(
        Ticket.objects.filter(_earlier(period), organisation=organisation).only(*_TICKET_FIELDS)
    )
    events = _events_by_ticket([t.pk for t in earlier], period.previous_cutoff)
    listed = _listed(earlier, events, terms, period, period.previous_cutoff)
    return [t for t in earlier if listed.get(t.pk) is reporting.Listing.CARRIED_OVER]


def _tickets(
    organisation: Organisation, terms: ContractTerms, period: Month, as_of: int
) -> tuple[list[schema.TicketLine], list[schema.SeveritySummary], list[schema.Dispute]]:
    # The month's tickets and the candidates for carrying over in one query, and all their
    # events (up to the later of the cut-off taken and the previous one) in another.
    rows = list(
        Ticket.objects.filter(
            own_month(period, as_of) | _earlier(period), organisation=organisation
        ).only(*_TICKET_FIELDS)
    )
    everything = _events_by_ticket([t.pk for t in rows], max(as_of, period.previous_cutoff))
    start = from_epoch(period.start)
    listed = _listed([t for t in rows if t.reported_at < start], everything, terms, period, as_of)
    modules = dict(
        ModuleRegion.objects.filter(region_id=organisation.region_id).values_list(
            "module_id", "module__slug"
        )
    )
    tickets, events = listed_tickets(rows, everything, listed, period, as_of)
    results = clocks.evaluate_many(
        [clock_events(events[t.pk]) for t in tickets], terms.clock_rules, as_of
    )
    return ticket_section(tickets, events, listed, results, modules, terms, period)


def listed_tickets(
    rows: Sequence[Ticket],
    everything: Mapping[int, Sequence[_Event]],
    listed: Mapping[int, reporting.Listing],
    period: Month,
    as_of: int,
) -> tuple[list[Ticket], dict[int, list[_Event]]]:
    """The tickets the month lists (its own and the `listed` earlier ones), in report order,
    with their events up to `as_of`."""
    start = from_epoch(period.start)
    tickets = sorted(
        [*(t for t in rows if t.reported_at < start and t.pk in listed)]
        + [t for t in rows if t.reported_at >= start],
        key=lambda t: (t.reported_at, t.pk),
    )
    until = from_epoch(as_of)
    return tickets, {t.pk: [e for e in everything[t.pk] if e.at <= until] for t in tickets}


def ticket_section(
    tickets: Sequence[Ticket],
    events: Mapping[int, Sequence[_Event]],
    listed: Mapping[int, reporting.Listing],
    results: Sequence[clocks.ClockResult],
    modules: Mapping[int, str],
    terms: ContractTerms,
    period: Month,
) -> tuple[list[schema.TicketLine], list[schema.SeveritySummary], list[schema.Dispute]]:
    """The ticket lines, severity summaries and disputes of the listed tickets from their
    clocks (`results`, read at the report's cut-off)."""
    lines = []
    window: dict[str, Any] = {"timezone": period.timezone, "report_day": period.report_day}
    for ticket, result in zip(tickets, results, strict=True):
        designated = [e.severity for e in events[ticket.pk] if designates(e)]
        again = ticket.pk in listed and result.severity is not None  # reported earlier
        reopened = again and reporting.reopened_from(clock_events(events[ticket.pk]), **window)
        lines.append(
            schema.TicketLine(
                id=ticket.pk,
                summary=ticket.summary,
                module=modules.get(ticket.module_id, str(ticket.module_id)),
                status=_status_at(events[ticket.pk]),
                reported_at=format_iso_utc(ticket.reported_at),
                severity=result.severity,
                severity_designated=designated[-1] if designated else None,
                outcome=ticket_outcome(result),
                used_seconds=result.used_seconds,
                target_seconds=result.target_seconds,
                breached_at=None if result.breached_at is None else _iso(result.breached_at),
                carried_over=listed.get(ticket.pk) is reporting.Listing.CARRIED_OVER,
                reopened_from=reopened or None,
            )
        )
    summaries = []
    for level in terms.policy.severities:
        mine = [
            (line, result)
            for line, result in zip(lines, results, strict=True)
            if line.severity == level.level
        ]
        used = [line.used_seconds for line, _ in mine]
        summaries.append(
            schema.SeveritySummary(
                severity=level.level,
                name=level.name,
                target=level.target.to_duration().describe(),
                tickets=len(mine),
                met=sum(1 for line, _ in mine if line.outcome == "met"),
                breached=sum(1 for line, _ in mine if line.outcome == "breached"),
                open=sum(1 for line, _ in mine if line.outcome == "open"),
                median_used_seconds=nearest_rank(used, 50),
                p90_used_seconds=nearest_rank(used, 90),
                used_percent_of_target=[
                    format_fraction(Fraction(line.used_seconds * 100, line.target_seconds), 1)
                    for line, _ in mine
                    if line.target_seconds
                ],
            )
        )
    disputes = [
        dispute
        for ticket, result in zip(tickets, results, strict=True)
        if (dispute := severity_dispute(ticket, events[ticket.pk], result)) is not None
    ]
    disputes += restoration_disputes(tickets, events, results)
    return lines, summaries, disputes


_STATUS_AFTER = {
    EventKind.REPORTED: "reported",
    EventKind.ACKNOWLEDGED: "acknowledged",
    EventKind.IN_PROGRESS: "in_progress",
    EventKind.RESTORED: "restored",
    EventKind.FIX_DELIVERED: "fix_delivered",
    EventKind.CLOSED: "closed",
    EventKind.REOPENED: "in_progress",
    EventKind.RESTORATION_CONTESTED: "in_progress",
}


def _status_at(events: Sequence[_Event]) -> str:
    """The ticket's status as its events up to the cut-off leave it."""
    status = "reported"
    for event in events:
        status = _STATUS_AFTER.get(EventKind(event.kind), status)
    return status
