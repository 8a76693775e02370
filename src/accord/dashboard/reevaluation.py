"""Fleet re-evaluation: what every customer's months would have credited if every contract
used other terms (`accord simulate --fleet --policy FILE`, docs/dashboard.md).

Per customer and month: the credit owed under the contract's terms (the version in force that
month) and under the proposed ones, and the totals per currency, fleet-wide and per customer.
Customers are read and evaluated a chunk at a time (`fleet_simulation.evaluate`), so memory
stays bounded whatever the fleet's size. Nothing is saved.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from accord.accounts.models import Organisation
from accord.accounts.terms import reporting_zone, resolve_terms
from accord.dashboard.fleet import paused_gc
from accord.dashboard.fleet_simulation import MonthPair, Side, evaluate
from accord.engine.errors import EngineError
from accord.engine.policy import ContractTerms, Policy

CHUNK = 250  # customers read and evaluated together


def policy_terms(policy: Policy) -> Callable[[Organisation], ContractTerms]:
    """Every contract on `policy` (its support hours and penalties) for the customer's region,
    its months still measured in the contract's reporting time zone (so they stay the same
    months). Resolved once per region and zone."""
    cache: dict[tuple[int, str], ContractTerms] = {}

    def terms(organisation: Organisation) -> ContractTerms:
        key = (organisation.region_id, reporting_zone(organisation.contract))
        if key not in cache:
            cache[key] = resolve_terms(policy, organisation.region, reporting_timezone=key[1])
        return cache[key]

    return terms


@dataclass(frozen=True)
class Row:
    """A customer-month, as it is and as proposed. Amounts are None without a fee to take a
    percent of; `error` says why the engine refused a side (then its figures are empty)."""

    customer: str
    month: str
    provisional: bool
    current_currency: str
    current_amount: str | None
    current_percent: str | None
    proposed_currency: str
    proposed_amount: str | None
    proposed_percent: str | None
    current_breaches: int
    proposed_breaches: int
    error: str = ""

    @classmethod
    def refused(cls, customer: str, month: str, error: str) -> Row:
        """A month the engine could not evaluate at all (the contract's terms are broken)."""
        return cls(customer, month, False, "", None, None, "", None, None, 0, 0, error)

    @classmethod
    def of(cls, pair: MonthPair) -> Row:
        current, proposed = pair.current, pair.proposed
        return cls(
            customer=pair.organisation.slug,
            month=pair.month,
            provisional=current.provisional,
            current_currency=_currency(current),
            current_amount=_amount(current),
            current_percent=_percent(current),
            proposed_currency=_currency(proposed),
            proposed_amount=_amount(proposed),
            proposed_percent=_percent(proposed),
            current_breaches=sum(s.breached for s in current.severities),
            proposed_breaches=sum(s.breached for s in proposed.severities),
            error="; ".join(str(side.error) for side in (current, proposed) if side.error),
        )


def _currency(side: Side) -> str:
    return side.result.currency if side.result else ""


def _amount(side: Side) -> str | None:
    amount = side.result.total_amount if side.result else None
    return None if amount is None else str(amount)


def _percent(side: Side) -> str | None:
    return str(side.result.total_percent) if side.result else None


@dataclass
class Total:
    """Sums of amounts in one currency (the amounts that exist), and how many rows."""

    currency: str
    current: Decimal = Decimal(0)
    proposed: Decimal = Decimal(0)
    months: int = 0
    without_amount: int = 0  # rows with no amount on a side (no fee, or refused)

    @property
    def change(self) -> Decimal:
        return self.proposed - self.current


@dataclass
class FleetResult:
    months: list[str]
    rows: list[Row]
    totals: dict[str, Total] = field(default_factory=dict)  # by currency
    customers: dict[str, dict[str, Total]] = field(default_factory=dict)  # slug -> currency
    by_month: dict[str, dict[str, Total]] = field(default_factory=dict)  # month -> currency
    seconds: float = 0.0

    def add(self, row: Row) -> None:
        for totals in (
            self.totals,
            self.customers.setdefault(row.customer, {}),
            self.by_month.setdefault(row.month, {}),
        ):
            _add(totals, row)
        self.rows.append(row)


def _add(totals: dict[str, Total], row: Row) -> None:
    # A side's amount goes to its own currency's total: a change of currency is visible.
    for currency, amount, which in (
        (row.current_currency, row.current_amount, "current"),
        (row.proposed_currency, row.proposed_amount, "proposed"),
    ):
        total = totals.setdefault(currency, Total(currency))
        if amount is None:
            total.without_amount += 1
        else:
            setattr(total, which, getattr(total, which) + Decimal(amount))
    totals[row.current_currency].months += 1


def chunks(
    organisations: Sequence[Organisation], size: int = CHUNK
) -> Iterator[list[Organisation]]:
    for first in range(0, len(organisations), size):
        yield list(organisations[first : first + size])


def re_evaluate(
    organisations: Sequence[Organisation],
    months: Sequence[str],
    proposed: Callable[[Organisation], ContractTerms],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> FleetResult:
    """Every customer's months under its terms and under `proposed`, a chunk at a time;
    with `workers` > 1, chunks go to that many forked processes (one per core), each with its
    own database connection, and the rows come back in the customers' order."""
    import time

    started = time.perf_counter()
    result = FleetResult(months=list(months), rows=[])
    parts = list(chunks(organisations))
    if workers > 1 and len(parts) > 1:
        answers: Iterator[list[Row]] = _in_processes(parts, months, proposed, now, workers)
    else:
        answers = (_rows(chunk, months, proposed, now) for chunk in parts)
    for chunk, rows in zip(parts, answers, strict=True):
        for row in rows:
            result.add(row)
        if progress is not None:
            progress(len(chunk))
    result.seconds = time.perf_counter() - started
    return result


def _rows(
    chunk: list[Organisation],
    months: Sequence[str],
    proposed: Callable[[Organisation], ContractTerms],
    now: datetime,
) -> list[Row]:
    try:
        # Without the cyclic GC: a chunk's tickets, events and clocks are some million objects
        # that every collection of the older generations would walk, again and again.
        with paused_gc():
            return [Row.of(pair) for pair in evaluate(chunk, months, proposed, now=now)]
    except EngineError:
        if len(chunk) == 1:
            raise
    # A contract whose stored terms are broken (or the proposed ones for its region): the
    # others are evaluated one by one, and its months are rows that say why.
    rows = []
    for organisation in chunk:
        try:
            rows += _rows([organisation], months, proposed, now)
        except EngineError as error:
            rows += [Row.refused(organisation.slug, month, str(error)) for month in months]
    return rows


# What the forked processes inherit (a closure cannot be sent to them).
_WORK: dict[str, Any] = {}


def _in_processes(
    parts: list[list[Organisation]],
    months: Sequence[str],
    proposed: Callable[[Organisation], ContractTerms],
    now: datetime,
    workers: int,
) -> Iterator[list[Row]]:
    import multiprocessing

    from django.db import connections

    _WORK.update(months=list(months), proposed=proposed, now=now)
    connections.close_all()  # each process opens its own
    # A PostgreSQL pool's sockets and threads must not cross the fork: closed here, no child
    # inherits them (closing them in a child would end the parent's sessions on the server);
    # each child opens its own pool, and this process a new one on its next query.
    for connection in connections.all(initialized_only=True):
        if connection.alias in getattr(type(connection), "_connection_pools", {}):
            connection.close_pool()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_forget_inherited_pools) as pool:
        yield from pool.imap(_chunk_in_process, [[o.pk for o in part] for part in parts])


def _forget_inherited_pools() -> None:
    """In each forked child: drop any pool object copied from the parent (its worker threads
    did not survive the fork) without closing its sockets, which are the parent's."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper._connection_pools.clear()


def _chunk_in_process(ids: list[int]) -> list[Row]:
    found = Organisation.objects.filter(pk__in=ids).select_related("contract", "region")
    by_pk = {o.pk: o for o in found}
    chunk = [by_pk[pk] for pk in ids]
    return _rows(chunk, _WORK["months"], _WORK["proposed"], _WORK["now"])


# ---------------------------------------------------------------------------------------------
# Output


def as_csv(result: FleetResult) -> str:
    out = io.StringIO()
    names = list(Row.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in result.rows:
        writer.writerow(asdict(row))
    return out.getvalue()


def _total(total: Total) -> dict[str, object]:
    return {
        "currency": total.currency,
        "current": str(total.current),
        "proposed": str(total.proposed),
        "change": str(total.change),
        "months": total.months,
        "without_amount": total.without_amount,
    }


def as_json(result: FleetResult) -> str:
    data = {
        "months": result.months,
        "totals": [_total(t) for _, t in sorted(result.totals.items())],
        "months_totals": {
            month: [_total(t) for _, t in sorted(totals.items())]
            for month, totals in sorted(result.by_month.items())
        },
        "customers": {
            slug: [_total(t) for _, t in sorted(totals.items())]
            for slug, totals in result.customers.items()
        },
        "rows": [asdict(row) for row in result.rows],
    }
    return json.dumps(data, indent=2)
