"""The dashboard of a whole fleet in one pass (docs/dashboard.md, "The batch path").

`services.dashboard` is the reference: one customer at a time, ORM objects, an `uptime_grid`
call per customer. This module gives the same `Customer` and `ModuleRow` values (a test holds
every row, credit, at-risk list and breach count equal on a fleet of 50) with work that grows
with the number of distinct contract terms, not of customers:

- customers and their contract columns are read once as values; contracts whose stored terms
  are the same text (policy, support hours, penalties, reporting zone) in the same region are
  one group, resolved by the engine once (`accounts.terms.resolve_record`). A customer whose
  columns are not in force now (a version dated later) or whose terms are broken goes the
  reference way (`split_by_terms`, `Contract.terms`);
- uptime: one `uptime_grid` call per region and set of uptime terms (target, maintenance,
  weights, zone: what `monitoring.services.Terms` holds) over the public outages; only the
  customers with an outage of their own near the month are measured again on their own;
- tickets: one `values_list` query, the open ones' events in another, their clocks read now by
  the engine in one `evaluate_many` call per set of clock terms (as `refresh_clocks`);
- credits: the engine's statements, one `statements_many` call per penalty schedule.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accord.accounts.models import Organisation
from accord.accounts.terms import (
    InvalidTerms,
    Record,
    reporting_zone,
    resolve_record,
)
from accord.dashboard import services
from accord.dashboard.fleet_tickets import Entry, read_tickets
from accord.dashboard.services import Credit, Customer, ModuleRow
from accord.engine import statement_batch
from accord.engine.availability import error_budget, floor_percent
from accord.engine.credits import PenaltySchedule
from accord.engine.errors import EngineError
from accord.engine.policy import ContractTerms
from accord.engine.statement_batch import StatementInput
from accord.engine.timeutil import epoch_to_local, month_of, to_epoch, zone
from accord.monitoring.fleet import GridRequest, fill
from accord.monitoring.models import ModuleRegion
from accord.monitoring.services import PeriodUptime, Terms, covered_module_regions
from accord.reports.build import Month


@dataclass(frozen=True)
class Totals:
    """The fleet's figures over every row the filters select (all pages)."""

    customers: int
    module_regions: int
    below_target: int
    at_risk: int
    breached: int
    credits: list[tuple[str, Decimal]]  # (currency, total amount), by currency
    percent_only: int  # customers whose credit has no amount (no fee on the contract)
    cannot_compute: int  # customers whose credit the engine refused


@dataclass
class Fleet:
    customers: list[Customer]  # in the order of the queryset, as `services.dashboard`
    broken: list[InvalidTerms] = field(default_factory=list)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a batch: it creates some 200,000 objects at
    10,000 customers, and each collection of the older generations walks them all (0.5-1 s of
    a 3 s pass). What it leaves as cycles (a customer and its rows) is collected afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dashboard(organisations: QuerySet[Organisation], *, now: datetime) -> Fleet:
    """`services.dashboard` of every customer of `organisations` (with a contract), and the
    errors of the broken contracts (`services.split_by_terms`'s), in one pass."""
    with paused_gc():
        return _dashboard(organisations, now=now)


def _dashboard(organisations: QuerySet[Organisation], *, now: datetime) -> Fleet:
    entries, broken = _read_customers(organisations)
    if not entries:
        return Fleet([], broken)
    months: dict[int, tuple[str, str, Month]] = {}
    for entry in entries:
        terms = entry.terms
        assert terms is not None
        if id(terms) not in months:
            months[id(terms)] = _month(terms, now)
        month, label, period = months[id(terms)]
        entry.customer = Customer(
            organisation=entry.organisation,
            month=month,
            month_label=label,
            timezone=terms.reporting_timezone,
            at_risk=[],
            breached={},
            credit=Credit("", [], None, None, False),
        )
    periods = {e.organisation.pk: months[id(e.terms)][2] for e in entries}
    read_tickets(entries, periods, organisations, now=now)
    _uptime(entries, months, now=now)
    _credits(entries)
    return Fleet([e.customer for e in entries if e.customer is not None], broken)


def _month(terms: ContractTerms, now: datetime) -> tuple[str, str, Month]:
    """`services.current_month` and the report's `Month`, once per set of terms."""
    tz = zone(terms.reporting_timezone)
    local = epoch_to_local(to_epoch(now), tz)
    month = month_of(to_epoch(now), tz)
    return month, f"{local:%B %Y}", Month.of(month, terms.reporting_timezone)


# ---------------------------------------------------------------------------------------------
# Customers and their terms


_ORG_FIELDS = ["id", "name", "slug", "region_id"]


def _read_customers(
    organisations: QuerySet[Organisation],
) -> tuple[list[Entry], list[InvalidTerms]]:
    rows = list(
        organisations.filter(contract__isnull=False).values_list(
            "pk",
            "name",
            "slug",
            "region_id",
            Cast("contract__policy_data", TextField()),
            Cast("contract__support_hours", TextField()),
            Cast("contract__penalties", TextField()),
            "contract__reporting_timezone",
            "contract__monthly_fee",
            "contract__terms_from",
        )
    )
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault((row[3], *row[4:8]), []).append(index)
    # One customer of each group, as ORM objects, stands for its group's terms.
    first = {rows[members[0]][0]: key for key, members in groups.items()}
    group_terms: dict[tuple[Any, ...], tuple[ContractTerms, str] | None] = {}
    for organisation in Organisation.objects.filter(pk__in=list(first)).select_related(
        "region", "contract"
    ):
        contract = organisation.contract
        try:
            terms = resolve_record(contract, Record.of(contract))
            name = reporting_zone(contract)
        except InvalidTerms:
            group_terms[first[organisation.pk]] = None
        else:
            group_terms[first[organisation.pk]] = (terms, name)
    # The terms are those in force now (`Contract.terms` reads them at `timezone.now()`).
    today: dict[str, date] = {}
    wall = timezone.now()
    entries: list[Entry | None] = [None] * len(rows)
    slow: list[int] = []
    for key, members in groups.items():
        found = group_terms[key]
        for index in members:
            pk, name, slug, region_id, *_rest, fee, terms_from = rows[index]
            if found is not None and terms_from is not None:
                zone_name = found[1]
                if zone_name not in today:
                    today[zone_name] = wall.astimezone(zone(zone_name)).date()
                in_force = today[zone_name] >= terms_from
            else:
                in_force = found is not None
            if not in_force:
                slow.append(pk)
                continue
            entries[index] = Entry(
                # As the database gives it (the other columns deferred): `Model.__init__`
                # with keywords fills every default, ~40 us a customer.
                organisation=Organisation.from_db(None, _ORG_FIELDS, (pk, name, slug, region_id)),
                terms_from=terms_from,
                monthly_fee=fee,
                terms=found[0] if found else None,
            )
    broken: list[InvalidTerms] = []
    if slow:
        index_of = {row[0]: n for n, row in enumerate(rows)}
        loaded = list(services.customers_with_contracts(Organisation.objects.filter(pk__in=slow)))
        loaded.sort(key=lambda o: index_of[o.pk])
        usable, broken = services.split_by_terms(loaded)
        for organisation in usable:
            contract = organisation.contract
            entries[index_of[organisation.pk]] = Entry(
                organisation=organisation,
                terms_from=contract.terms_from,
                monthly_fee=contract.monthly_fee,
                terms=contract.terms,
                contract=contract,
            )
    return [e for e in entries if e is not None], broken


# ---------------------------------------------------------------------------------------------
# Uptime


def _uptime(
    entries: Sequence[Entry], months: dict[int, tuple[str, str, Month]], *, now: datetime
) -> None:
    """Every customer's rows: the public figure once per region and set of uptime terms, and
    the customers with outages of their own on their own (`monitoring.fleet`), each row as
    `services._module_rows` makes it."""
    covered: dict[tuple[int, tuple[str, ...]], list[ModuleRegion]] = {}
    groups: dict[tuple[Any, ...], list[Entry]] = {}
    for entry in entries:
        terms = entry.terms
        assert terms is not None
        region_id = entry.organisation.region_id
        modules = tuple(terms.modules)
        if (region_id, modules) not in covered:
            covered[(region_id, modules)] = covered_module_regions(entry.organisation, terms)
        key = (region_id, modules, repr(Terms.of(terms)))
        groups.setdefault(key, []).append(entry)
    requests: list[tuple[GridRequest, list[Entry]]] = []
    for (region_id, modules, _), members in groups.items():
        terms = members[0].terms
        assert terms is not None
        period = months[id(terms)][2]
        so_far_end = max(period.start, min(to_epoch(now), period.end))
        request = GridRequest(
            module_regions=covered[(region_id, modules)],
            terms=Terms.of(terms),
            periods=[(period.start, period.end), (period.start, so_far_end)],
            customers=[e.organisation.pk for e in members],
        )
        requests.append((request, members))
    fill([request for request, _ in requests], now=now)
    for request, members in requests:
        terms_ = request.terms
        target_percent = services._percent(terms_.target)
        public = [
            _cell(mr, terms_, target_percent, *request.public[mr.pk])
            for mr in request.module_regions
        ]
        own_pks = {pk for pk, _ in request.own}
        for entry in members:
            customer = entry.customer
            assert customer is not None
            pk = entry.organisation.pk
            cells = public
            if pk in own_pks:
                cells = [
                    _cell(mr, terms_, target_percent, *request.own[(pk, mr.pk)])
                    if (pk, mr.pk) in request.own
                    else public[n]
                    for n, mr in enumerate(request.module_regions)
                ]
            customer.rows = _rows(customer, cells)


def _rows(customer: Customer, cells: Sequence[dict[str, Any]]) -> list[ModuleRow]:
    """`ModuleRow(customer=customer, position=n, **cell)` of each cell, without the frozen
    dataclass's `__init__` (a `object.__setattr__` per field, 50,000 rows at 10,000
    customers): the same attributes, set at once. `ModuleRow` has no `__post_init__`."""
    rows = []
    for position, cell in enumerate(cells):
        row = _new(ModuleRow)
        vars(row).update(cell, customer=customer, position=position)
        rows.append(row)
    return rows


_new = object.__new__


def _cell(
    mr: ModuleRegion,
    terms: Terms,
    target_percent: str,
    whole_month: PeriodUptime,
    so_far: PeriodUptime,
) -> dict[str, Any]:
    budget = error_budget(terms.target, whole_month.eligible_seconds, so_far.downtime_seconds)
    fraction = so_far.uptime_fraction
    return {
        "module": mr.module.name,
        "module_slug": mr.module.slug,
        "region": mr.region.name,
        "region_code": mr.region.code,
        "uptime": fraction,
        "uptime_percent": floor_percent(fraction),
        "target": terms.target,
        "target_percent": target_percent,
        "met": so_far.met,
        "allowed_seconds": budget.allowed_seconds,
        "used_seconds": budget.used_seconds,
        "remaining_seconds": budget.remaining_seconds,
    }


# ---------------------------------------------------------------------------------------------
# Credits


def _credits(entries: Sequence[Entry]) -> None:
    """`services._credit` of every customer: the engine's statements, one `statements_many`
    call per penalty schedule (tier and breach lines once per distinct value)."""
    groups: dict[int, tuple[PenaltySchedule, list[Customer], list[StatementInput]]] = {}
    for entry in entries:
        customer = entry.customer
        assert customer is not None and entry.terms is not None
        schedule = entry.terms.penalties
        if id(schedule) not in groups:
            groups[id(schedule)] = (schedule, [], [])
        _, customers, inputs = groups[id(schedule)]
        customers.append(customer)
        uptimes = {row.module: row.uptime for row in customer.rows}
        inputs.append((entry.monthly_fee, uptimes, customer.breached))
    for schedule, customers, inputs in groups.values():
        answers = statement_batch.statements_many(schedule, inputs)
        for customer, answer in zip(customers, answers, strict=True):
            if isinstance(answer, EngineError):
                customer.credit = Credit(schedule.currency, [], None, None, False, str(answer))
            else:
                customer.credit = Credit(
                    currency=answer.currency,
                    lines=list(answer.lines),
                    total_percent=answer.total_percent,
                    total_amount=answer.total_amount,
                    capped=answer.capped,
                )


# ---------------------------------------------------------------------------------------------
# The page: totals over the selection


def totals(rows: Sequence[ModuleRow]) -> Totals:
    """The fleet totals of the rows the filters select (every page)."""
    seen: dict[int, Customer] = {}
    below = 0
    for row in rows:
        seen.setdefault(id(row.customer), row.customer)
        if not row.met:
            below += 1
    money: dict[str, Decimal] = {}
    percent_only = refused = 0
    for customer in seen.values():
        credit = customer.credit
        if credit.problem:
            refused += 1
        elif credit.total_amount is None:
            percent_only += 1
        else:
            money[credit.currency] = money.get(credit.currency, Decimal(0)) + credit.total_amount
    return Totals(
        customers=len(seen),
        module_regions=len(rows),
        below_target=below,
        at_risk=sum(len(c.at_risk) for c in seen.values()),
        breached=sum(c.breached_total for c in seen.values()),
        credits=sorted(money.items()),
        percent_only=percent_only,
        cannot_compute=refused,
    )


_COLUMNS = {
    "region": lambda row: row.region.casefold(),
    "module": lambda row: row.module.casefold(),
    "uptime": lambda row: row.uptime,
    "target": lambda row: row.target,
    "budget": lambda row: row.remaining_seconds,
    "at_risk": lambda row: len(row.customer.at_risk),
    "breached": lambda row: row.customer.breached_total,
    "credit": lambda row: row.customer.credit.sort_key,
}


def select_rows(
    customers: Sequence[Customer],
    *,
    module: str | None = None,
    at_risk_only: bool = False,
    below_target_only: bool = False,
    sort: str = "customer",
    descending: bool = False,
) -> list[ModuleRow]:
    """`services.select_rows` (the same rows in the same order: a test holds them equal) with
    each row's sort key computed once, not a dictionary of every column per comparison key."""
    if sort not in services.SORTS:
        raise ValueError(f"sort: {sort!r} is not a column")
    rows = services.filtered_rows(customers, module, at_risk_only, below_target_only)
    names = {id(c): c.organisation.name.casefold() for c in customers}

    def ties(row: ModuleRow) -> tuple[str, int]:
        return names[id(row.customer)], row.position

    if sort == "customer":
        value: Any = lambda row: names[id(row.customer)]  # noqa: E731
    else:
        value = _COLUMNS[sort]
    # Each distinct value's rank: rows share their values (a group's public figures), so
    # sorting integers spares comparing fractions and decimals row by row.
    values = [value(row) for row in rows]
    rank = _ranks(values)
    ranked = [(rank[id(v)], row) for v, row in zip(values, rows, strict=True)]
    if descending:
        ranked.sort(key=lambda pair: ties(pair[1]))
        ranked.sort(key=lambda pair: pair[0], reverse=True)
    else:
        ranked.sort(key=lambda pair: (pair[0], *ties(pair[1])))
    return [row for _, row in ranked]


def _ranks(values: Sequence[Any]) -> dict[int, int]:
    """The rank of each value among the distinct ones, by `id` (equal values, one rank): the
    rows share value objects, and hashing a `Fraction` costs a modular inverse."""
    distinct = sorted({id(v): v for v in values}.items(), key=lambda item: item[1])
    rank: dict[int, int] = {}
    n = -1
    previous: Any = object()
    for key, v in distinct:
        if n < 0 or v != previous:
            n += 1
            previous = v
        rank[key] = n
    return rank
