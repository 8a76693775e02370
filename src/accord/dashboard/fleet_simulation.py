"""Many customers' months under their contracts' terms and under other terms, in one pass over
arrays (docs/dashboard.md, "The simulator over many customers").

The figures are `accord.reports.build.build_report`'s, without what the simulator does not
show (daily strips, outage lines, disputes): the same tickets counted (reported in the month,
carried over, reopened), every clock read by the engine at the month's cut-off (or now), each
covered module's uptime, and the engine's penalty statement. A test holds them equal to
`build_report` for every customer and month of a fleet.

How it batches. Rows come a chunk of customers at a time (`fleet_data`: tickets and events in
two queries, outages in one, ad-hoc maintenance in two). Clocks are read with
`clocks.evaluate_many`, one call per set of clock rules and instant across the chunk's
customers; a clock that had stopped by an earlier instant, with no event since, is not read
again (a stopped clock does not change with time). Uptime is one `uptime_batch` call per set
of uptime terms and period, one group per module-region (and per customer with outages of its
own there). Statements are one `statements_many` call per penalty schedule; the uptime lines
and severity counts many sides have alike are made once (`_Shared`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from accord.accounts.models import Organisation
from accord.accounts.terms import month_start, prefetch_versions, record_on, terms_for_month
from accord.core.display import format_iso_utc
from accord.dashboard import fleet_data
from accord.dashboard.fleet_data import Adhoc, TicketRow
from accord.dashboard.fleet_uptime import Uptimes, covered_by
from accord.engine import clocks, reporting, statements
from accord.engine.errors import EngineError
from accord.engine.numbers import format_fraction
from accord.engine.policy import ContractTerms
from accord.engine.statement_batch import StatementInput, statements_many
from accord.engine.timeutil import from_epoch, to_epoch
from accord.monitoring.models import ModuleRegion
from accord.reports import schema
from accord.reports.build import Month, ticket_outcome

# What gives the other side's terms of a customer (the simulator's changed terms, or a
# policy every contract is to use).
Proposal = Callable[[Organisation], ContractTerms]


@dataclass(frozen=True)
class TicketFigure:
    """A ticket as a month counts it (the report's ticket line, less what the simulator does
    not show)."""

    id: int
    summary: str
    module: str
    reported_at: str
    severity: int | None
    outcome: str  # met, breached, open, no_severity
    used_seconds: int
    target_seconds: int | None
    breached_at: str | None


@dataclass(frozen=True)
class SeverityFigure:
    severity: int
    name: str
    met: int
    breached: int


@dataclass(frozen=True)
class ModuleFigure:
    module: str  # slug
    module_name: str
    uptime_percent: str  # floored to three decimals
    uptime_exact: Fraction
    target_percent: str
    met: bool


@dataclass(frozen=True)
class Side:
    """One customer-month under one set of terms. `result` is the engine's statement (None
    when the engine refused: `error`, which `statement` raises); `statement` and `period` are
    the report schema's."""

    month: str
    timezone: str
    bounds: Month
    provisional: bool
    tickets: list[TicketFigure]  # only with details=True
    severities: list[SeverityFigure]
    uptime: list[ModuleFigure]
    result: statements.Statement | None
    error: EngineError | None = None

    @cached_property
    def statement(self) -> schema.Statement:
        if self.result is None:
            assert self.error is not None
            raise self.error
        return schema.Statement.of(self.result)

    @cached_property
    def period(self) -> schema.Period:
        bounds = self.bounds
        return schema.Period(
            month=self.month,
            timezone=self.timezone,
            start=_iso(bounds.start),
            end=_iso(bounds.end),
            minutes=(bounds.end - bounds.start) // 60,
            cutoff=_iso(bounds.cutoff),
            provisional=self.provisional,
        )


@dataclass(frozen=True)
class MonthPair:
    organisation: Organisation
    month: str
    current: Side
    proposed: Side


@dataclass
class _Job:
    """A customer-month on one side: the terms it is read by, and what it finds."""

    index: int  # of the customer in the chunk
    organisation: Organisation
    month: str
    terms: ContractTerms
    fee: Decimal | None
    period: Month
    as_of: int
    listed: list[TicketRow] | None = None
    results: list[clocks.ClockResult] | None = None
    uptime_key: int | None = None
    covered: list[ModuleRegion] | None = None


def evaluate(
    organisations: Sequence[Organisation],
    months: Sequence[str],
    proposed: Proposal,
    *,
    now: datetime,
    details: bool = False,
) -> list[MonthPair]:
    """Each customer's months under its contract's terms (the version in force each month) and
    under `proposed(organisation)`, in the order given. `details` keeps each ticket's
    figures (the simulator's page lists the tickets whose outcome changes)."""
    if not organisations or not months:
        return []
    prefetch_versions(o.contract for o in organisations)
    now_epoch = to_epoch(now)
    periods: dict[tuple[str, str], Month] = {}
    terms_of: dict[tuple[Any, ...], ContractTerms] = {}
    jobs: list[tuple[_Job, _Job]] = []
    starts = {month: month_start(month) for month in months}
    for index, organisation in enumerate(organisations):
        other = proposed(organisation)
        for month in months:
            record = record_on(organisation, starts[month])
            key = (organisation.pk, record.number, record.effective_from)
            if key not in terms_of:
                terms_of[key] = terms_for_month(organisation, month)
            terms, fee = terms_of[key], record.monthly_fee
            jobs.append(
                (
                    _job(index, organisation, month, terms, fee, now_epoch, periods),
                    _job(index, organisation, month, other, fee, now_epoch, periods),
                )
            )
    flat = [job for pair in jobs for job in pair]
    start = min(job.period.start for job in flat)
    end = max(job.period.end for job in flat)
    instants = {t for job in flat for t in (job.period.previous_cutoff, job.as_of)}
    ids = [o.pk for o in organisations]
    rows = fleet_data.tickets(ids, start, end, instants, details=details)
    _read_clocks(flat, rows)
    region_ids = {o.region_id for o in organisations}
    covered = fleet_data.module_regions(region_ids)
    margin = max(job.terms.min_outage_seconds for job in flat) + 1
    outages = fleet_data.outages(region_ids, ids, start - margin, end + margin)
    adhoc = Adhoc.read(region_ids, start, end)
    uptimes = Uptimes(outages, adhoc)
    chosen: dict[tuple[int, int], list[ModuleRegion]] = {}
    for job in flat:
        which = (job.organisation.region_id, id(job.terms))
        if which not in chosen:
            chosen[which] = covered_by(covered, job)
        job.covered = chosen[which]
        uptimes.ask(job, job.covered)
    uptimes.compute()
    modules = {mr.module_id: mr.module.slug for region in covered.values() for mr in region}
    shared = _Shared()
    figures = [_figures(job, job.covered or [], uptimes, modules, details, shared) for job in flat]
    _statements(figures)
    sides = [_side(figure) for figure in figures]
    return [
        MonthPair(first.organisation, first.month, sides[2 * n], sides[2 * n + 1])
        for n, (first, _) in enumerate(jobs)
    ]


def _job(
    index: int,
    organisation: Organisation,
    month: str,
    terms: ContractTerms,
    fee: Decimal | None,
    now: int,
    periods: dict[tuple[str, str], Month],
) -> _Job:
    key = (month, terms.reporting_timezone)
    period = periods.get(key) or periods.setdefault(key, Month.of(*key))
    return _Job(index, organisation, month, terms, fee, period, min(now, period.cutoff))


# ---------------------------------------------------------------------------------------------
# Clocks


class _Clocks:
    """Requests for clocks, read in one `evaluate_many` call per rules and instant. A clock
    is a function of its events, rules and instant: tickets with the same events (the same
    `signature`) are read once, and a clock found stopped is not read again at a later
    instant until an event is added. Warnings are not read (the rules go to the engine
    without warning fractions)."""

    def __init__(self) -> None:
        self.stopped: dict[tuple[int, int, int], clocks.ClockResult] = {}
        self.keep: dict[int, clocks.ClockRules] = {}
        self.originals: list[clocks.ClockRules] = []  # so that their ids stay theirs
        self.asked: dict[tuple[int, int], dict[tuple[int, int], list[clocks.ClockEvent]]] = {}
        self.answers: dict[tuple[int, int, int, int], clocks.ClockResult] = {}
        self.evaluated = 0

    def ask(self, rules: clocks.ClockRules, ticket: TicketRow, count: int, at: int) -> None:
        key = (id(rules), ticket.signature, count)
        if key in self.stopped or (*key, at) in self.answers:
            return
        if id(rules) not in self.keep:
            # The months read no warnings: without them the engine skips their instants,
            # and every other field of the clock is the same.
            self.keep[id(rules)] = replace(rules, warn_fractions=())
            self.originals.append(rules)
        wanted = self.asked.setdefault((id(rules), at), {})
        if (ticket.signature, count) not in wanted:
            wanted[(ticket.signature, count)] = ticket.events[:count]

    def compute(self) -> None:
        for (rules_id, at), wanted in self.asked.items():
            results = clocks.evaluate_many(list(wanted.values()), self.keep[rules_id], at)
            self.evaluated += len(results)
            for (signature, count), result in zip(wanted, results, strict=True):
                if result.state is clocks.ClockState.STOPPED:
                    self.stopped[(rules_id, signature, count)] = result
                else:
                    self.answers[(rules_id, signature, count, at)] = result
        self.asked = {}

    def get(
        self, rules: clocks.ClockRules, ticket: TicketRow, count: int, at: int
    ) -> clocks.ClockResult:
        key = (id(rules), ticket.signature, count)
        found = self.stopped.get(key)
        return found if found is not None else self.answers[(*key, at)]


@dataclass
class _Candidates:
    """A customer's tickets as arrays, for choosing a month's candidates for carrying over;
    `final` holds, per set of rules, the tickets whose clock has stopped with a severity and
    all their events: no later month lists them again (`reporting.earlier_listing`)."""

    rows: list[TicketRow]
    reported: np.ndarray[Any, Any]
    breached: np.ndarray[Any, Any]
    reopened: np.ndarray[Any, Any]  # 2 x the last reopening's instant (+1 late), or -1
    final: dict[int, set[int]]
    # The last period's candidates (both sides of a month ask for the same period in turn).
    last: tuple[Month | None, list[tuple[int, int, int]]] = (None, [])

    @classmethod
    def of(cls, rows: list[TicketRow]) -> _Candidates:
        never = np.iinfo(np.int64).max
        reopened = [
            max(
                (c for e, c in zip(t.events, t.codes, strict=True) if e.kind in REOPENINGS),
                default=-1,
            )
            for t in rows
        ]
        return cls(
            rows,
            np.asarray([t.reported_at for t in rows], dtype=np.int64),
            np.asarray([never if t.breached_at is None else t.breached_at for t in rows]),
            np.asarray(reopened, dtype=np.int64),
            {},
        )

    def earlier(self, period: Month, as_of: int) -> list[tuple[int, int, int]]:
        """`reports.build._earlier`: reported before the month within the lookback, not
        breached before the previous cut-off or run again since; each as (index, events
        recorded by the month's cut-off or the previous one, events by the previous)."""
        if self.last[0] is period:
            return self.last[1]
        previous = period.previous_cutoff
        low = period.start - LOOKBACK
        mask = (self.reported >= low) & (self.reported < period.start)
        mask &= (self.breached >= previous) | (self.reopened > 2 * previous)
        # `TicketRow.upto` and `floored_upto`, inline.
        seen, floored = 2 * max(as_of, previous), 2 * previous + 1
        found = []
        for index in np.flatnonzero(mask).tolist():
            codes = self.rows[index].codes
            shown = bisect_right(codes, seen)
            found.append((index, shown, min(shown, bisect_right(codes, floored))))
        self.last = (period, found)
        return found


LOOKBACK = int(fleet_data.LOOKBACK.total_seconds())
REOPENINGS = fleet_data.REOPENINGS


def _read_clocks(jobs: Sequence[_Job], rows: dict[int, list[TicketRow]]) -> _Clocks:
    """Which tickets each job's month counts and their clocks at its cut-off, month by month
    (so clocks stopped in one month are not read again in the next)."""
    reader = _Clocks()
    tables = {pk: _Candidates.of(found) for pk, found in rows.items()}
    by_month: dict[str, list[_Job]] = {}
    for job in jobs:
        by_month.setdefault(job.month, []).append(job)
    ask = reader.ask
    for month in sorted(by_month):
        chosen = by_month[month]
        earlier: list[list[tuple[int, int, int]]] = []
        for job in chosen:
            table = tables[job.organisation.pk]
            rules = job.terms.clock_rules
            previous, rows = job.period.previous_cutoff, table.rows
            final = table.final.setdefault(id(rules), set())
            found = [c for c in table.earlier(job.period, job.as_of) if c[0] not in final]
            for index, _, count in found:
                ask(rules, rows[index], count, previous)
            earlier.append(found)
        reader.compute()
        counts: list[list[int]] = []
        for job, found in zip(chosen, earlier, strict=True):
            rules, as_of = job.terms.clock_rules, job.as_of
            job.listed = listed = _listed(job, found, tables[job.organisation.pk], reader)
            twice = 2 * as_of
            upto = [bisect_right(ticket.codes, twice) for ticket in listed]  # `upto`
            for ticket, count in zip(listed, upto, strict=True):
                ask(rules, ticket, count, as_of)
            counts.append(upto)
        reader.compute()
        get = reader.get
        for job, upto in zip(chosen, counts, strict=True):
            assert job.listed is not None
            rules, as_of = job.terms.clock_rules, job.as_of
            job.results = [
                get(rules, t, count, as_of) for t, count in zip(job.listed, upto, strict=True)
            ]
    return reader


def _listed(
    job: _Job, earlier: Sequence[tuple[int, int, int]], table: _Candidates, reader: _Clocks
) -> list[TicketRow]:
    """The month's tickets in report order (`table`'s: by report time): the earlier ones
    `reporting.earlier_listing` lists, then those reported in the month."""
    period, previous, rules = job.period, job.period.previous_cutoff, job.terms.clock_rules
    final = table.final[id(rules)]
    kept = []
    for index, shown, count in earlier:
        ticket = table.rows[index]
        result = reader.get(rules, ticket, count, previous)
        if (
            result.state is clocks.ClockState.STOPPED
            and result.severity is not None
            and count == len(ticket.events)
        ):
            final.add(index)  # breached before, or met and never reopened since
            continue
        listing = reporting.earlier_listing(
            result, ticket.events[:shown], previous_cutoff=previous, cutoff=job.as_of
        )
        if listing is not None:
            kept.append(ticket)
    first, last = np.searchsorted(table.reported, [period.start, min(period.end, job.as_of + 1)])
    # The earlier ones were reported before the month, in order: no sorting needed.
    kept += table.rows[int(first) : int(last)]
    return kept


# ---------------------------------------------------------------------------------------------
# A side's figures


@dataclass
class _Figures:
    """A side's figures before its statement: the breaches per severity go to the engine."""

    job: _Job
    tickets: list[TicketFigure]
    severities: list[SeverityFigure]
    uptime: list[ModuleFigure]
    breaches: dict[int, int]
    statement: statements.Statement | EngineError | None = None


class _Shared:
    """Figures many sides have alike, made once: the uptime lines of a period's terms for the
    customers without outages of their own, severity counts, and each clock's outcome."""

    def __init__(self) -> None:
        self.uptime: dict[tuple[int, int], list[ModuleFigure]] = {}
        self.severities: dict[tuple[Any, ...], list[SeverityFigure]] = {}
        self.outcomes: dict[int, str] = {}
        self.results: list[clocks.ClockResult] = []  # so that their ids stay theirs

    def outcome(self, result: clocks.ClockResult) -> str:
        found = self.outcomes.get(id(result))
        if found is None:
            found = self.outcomes[id(result)] = ticket_outcome(result)
            self.results.append(result)
        return found


def _figures(
    job: _Job,
    covered: Sequence[ModuleRegion],
    uptimes: Uptimes,
    modules: dict[int, str],
    details: bool,
    shared: _Shared,
) -> _Figures:
    assert job.listed is not None and job.results is not None
    terms = job.terms
    key = uptimes.key(job)
    alike = uptimes.alike(job, covered)
    uptime = shared.uptime.get((key, id(covered))) if alike else None
    if uptime is None:
        target = format_fraction(terms.target * 100)
        uptime = []
        for mr in covered:
            fraction, shown, up = uptimes.answers[(key, mr.pk, uptimes.owner(job, mr))]
            figure = ModuleFigure(mr.module.slug, mr.module.name, shown, fraction, target, up)
            uptime.append(figure)
        if alike:
            shared.uptime[(key, id(covered))] = uptime
    outcomes = [shared.outcome(result) for result in job.results]
    breaches: dict[int, int] = {}
    met: dict[int | None, int] = {}
    for result, outcome in zip(job.results, outcomes, strict=True):
        if outcome == "breached" and result.severity is not None:
            breaches[result.severity] = breaches.get(result.severity, 0) + 1
        elif outcome == "met":
            met[result.severity] = met.get(result.severity, 0) + 1
    counted = (id(terms.policy), tuple(met.items()), tuple(breaches.items()))
    severities = shared.severities.get(counted)
    if severities is None:
        severities = shared.severities[counted] = [
            SeverityFigure(
                level.level, level.name, met.get(level.level, 0), breaches.get(level.level, 0)
            )
            for level in terms.policy.severities
        ]
    tickets = []
    if details:
        tickets = [
            TicketFigure(
                id=t.pk,
                summary=t.summary,
                module=modules.get(t.module_id, str(t.module_id)),
                reported_at=format_iso_utc(t.reported or from_epoch(t.reported_at)),
                severity=r.severity,
                outcome=o,
                used_seconds=r.used_seconds,
                target_seconds=r.target_seconds,
                breached_at=None if r.breached_at is None else _iso(r.breached_at),
            )
            for t, r, o in zip(job.listed, job.results, outcomes, strict=True)
        ]
    return _Figures(job, tickets, severities, uptime, breaches)


def _statements(figures: Sequence[_Figures]) -> None:
    """Each side's statement (or the engine's refusal): one `statements_many` call per
    penalty schedule."""
    by_schedule: dict[int, list[_Figures]] = {}
    for figure in figures:
        by_schedule.setdefault(id(figure.job.terms.penalties), []).append(figure)
    for chosen in by_schedule.values():
        inputs: list[StatementInput] = [
            (f.job.fee, {m.module_name: m.uptime_exact for m in f.uptime}, f.breaches)
            for f in chosen
        ]
        try:
            answers = statements_many(chosen[0].job.terms.penalties, inputs)
        except EngineError as error:
            answers = [error] * len(chosen)
        for figure, answer in zip(chosen, answers, strict=True):
            figure.statement = answer


def _side(figure: _Figures) -> Side:
    job, found = figure.job, figure.statement
    assert found is not None
    period = job.period
    side = (job.month, job.terms.reporting_timezone, period, job.as_of < period.cutoff)
    lists = (figure.tickets, figure.severities, figure.uptime)
    if isinstance(found, EngineError):
        return Side(*side, *lists, None, found)
    return Side(*side, *lists, found)


def _iso(epoch: int) -> str:
    return format_iso_utc(from_epoch(epoch))
