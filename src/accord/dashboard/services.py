"""The vendor's SLA dashboard: every customer and module-region this month, as the engine sees
it now (docs/dashboard.md).

One customer at a time costs three queries of uptime (`monitoring.services.uptime_grid`: the
whole month and the month so far in one call) and shares two queries of tickets with every
other customer; nothing here does time, uptime or credit arithmetic of its own. The monthly
report (`accord.reports.build.build_report`) is NOT called per customer: it computes a daily
strip, the outage lines and every ticket's clock of the month, which the dashboard does not
show, and its uptime of a month not yet over is the whole month's (eligible time to the month's
end) where the dashboard wants the month so far. docs/dashboard.md has the measurements.

Which tickets count as breached this month follows the report's rule (reports/build.py): those
reported in the month, plus those reported earlier whose breach came after the previous
month's cut-off (tickets carried over), so the projected credit is the one the month's report
will show if nothing else happens.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from accord.accounts.models import Contract, Organisation
from accord.accounts.terms import InvalidTerms
from accord.engine import statements
from accord.engine.availability import error_budget, floor_percent
from accord.engine.clocks import Standing
from accord.engine.errors import EngineError
from accord.engine.numbers import format_fraction
from accord.engine.timeutil import epoch_to_local, from_epoch, month_of, to_epoch, zone
from accord.helpdesk.models import OPEN_STATUSES, Ticket
from accord.helpdesk.services import refresh_clocks
from accord.monitoring.models import ModuleRegion
from accord.monitoring.services import Terms, covered_module_regions, uptime_grid
from accord.reports.build import CARRY_OVER_LOOKBACK, Month

SORTS = (
    "customer",
    "region",
    "module",
    "uptime",
    "target",
    "budget",
    "at_risk",
    "breached",
    "credit",
)


@dataclass(frozen=True)
class AtRisk:
    """An open ticket whose last warning has passed, as the engine reads its clock now."""

    pk: int
    summary: str
    severity: int | None
    module: str
    due_at: datetime | None
    remaining_seconds: int | None


@dataclass(frozen=True)
class Credit:
    """The penalty statement as if the month ended now."""

    currency: str
    lines: list[statements.StatementLine]
    total_percent: Decimal | None
    total_amount: Decimal | None
    capped: bool
    problem: str = ""  # why it could not be computed (a contract the engine refuses)

    @property
    def sort_key(self) -> tuple[Decimal, Decimal]:
        return (
            self.total_amount if self.total_amount is not None else Decimal(-1),
            self.total_percent if self.total_percent is not None else Decimal(-1),
        )


@dataclass
class Customer:
    """One customer's month so far (in its contract's reporting time zone)."""

    organisation: Organisation
    month: str  # YYYY-MM
    month_label: str  # "November 2026"
    timezone: str
    at_risk: list[AtRisk]
    breached: dict[int, int]  # severity -> tickets breached in the month so far
    credit: Credit
    rows: list[ModuleRow] = field(default_factory=list)

    @property
    def breached_total(self) -> int:
        return sum(self.breached.values())

    @property
    def report_url(self) -> str:
        # The monthly report's page (accord.reports), linked by path.
        return f"/reports/{self.organisation.slug}/{self.month}/"


@dataclass(frozen=True)
class ModuleRow:
    """One module-region of one customer: a row of the dashboard."""

    customer: Customer
    module: str
    module_slug: str
    region: str
    region_code: str
    uptime: Fraction  # month to date, exact
    uptime_percent: str  # floored to three decimals
    target: Fraction
    target_percent: str
    met: bool  # month to date, decided exactly
    allowed_seconds: Fraction  # (1 - target) x the whole month's eligible time
    used_seconds: Fraction  # downtime so far
    remaining_seconds: Fraction  # negative once overrun
    position: int = 0  # in the policy's order of modules

    @property
    def remaining_minutes(self) -> str:
        """Budget left in minutes, rounded DOWN to a tenth (never shows more than is left)."""
        return _tenths_down(self.remaining_seconds / 60)

    @property
    def allowed_minutes(self) -> str:
        return _tenths_down(self.allowed_seconds / 60)

    @property
    def overrun_minutes(self) -> str:
        """By how much the budget is overrun, rounded UP to a tenth of a minute."""
        return _tenths_up(-self.remaining_seconds / 60)

    @property
    def overrun(self) -> bool:
        return self.remaining_seconds < 0

    @property
    def budget_left_percent(self) -> int:
        """The bar's length: the part of the budget left, 0-100, floored."""
        if self.allowed_seconds <= 0:
            return 0 if self.used_seconds > 0 else 100
        share = self.remaining_seconds / self.allowed_seconds * 100
        return max(0, min(100, int(share)))

    def sort_value(self, column: str) -> tuple[object, ...]:
        customer = self.customer
        name = customer.organisation.name.casefold()
        values: dict[str, object] = {
            "customer": name,
            "region": self.region.casefold(),
            "module": self.module.casefold(),
            "uptime": self.uptime,
            "target": self.target,
            "budget": self.remaining_seconds,
            "at_risk": len(customer.at_risk),
            "breached": customer.breached_total,
            "credit": customer.credit.sort_key,
        }
        return (values[column], name, self.position)


def _tenths(tenths: int) -> str:
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole:,}.{tenth}"


def _tenths_down(minutes: Fraction) -> str:
    return _tenths(math.floor(minutes * 10))


def _tenths_up(minutes: Fraction) -> str:
    return _tenths(math.ceil(minutes * 10))


def _percent(fraction: Fraction) -> str:
    """An exact target as a percent without trailing zeros: 999/1000 -> "99.9"."""
    return format_fraction(fraction * 100)


def customers_with_contracts(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return queryset.filter(contract__isnull=False).select_related("region", "contract")


def current_month(contract: Contract, now: datetime) -> tuple[str, str]:
    """This month in the contract's reporting time zone: ("2026-11", "November 2026")."""
    tz = zone(contract.terms.reporting_timezone)
    local = epoch_to_local(to_epoch(now), tz)
    return month_of(to_epoch(now), tz), f"{local:%B %Y}"


def split_by_terms(
    organisations: Iterable[Organisation],
) -> tuple[list[Organisation], list[InvalidTerms]]:
    """The customers whose contract terms read, and the errors of those whose stored terms are
    broken: one broken contract is a row naming its field, not a page that fails for all."""
    usable: list[Organisation] = []
    broken: list[InvalidTerms] = []
    for organisation in organisations:
        if not hasattr(organisation, "contract"):
            continue
        try:
            organisation.contract.terms  # noqa: B018 (read to validate)
        except InvalidTerms as error:
            broken.append(error)
        else:
            usable.append(organisation)
    return usable, broken


def dashboard(organisations: Iterable[Organisation], *, now: datetime) -> list[Customer]:
    """Every given customer's month so far, with one row per covered module-region (customers
    whose contract terms are broken are left out: `split_by_terms` lists them)."""
    customers, _broken = split_by_terms(organisations)
    if not customers:
        return []
    periods = {o.pk: Month.of(current_month(o.contract, now)[0], _zone(o)) for o in customers}
    at_risk, breached = _tickets(customers, periods, now=now)
    covered: dict[tuple[int, tuple[str, ...]], list[ModuleRegion]] = {}
    answer = []
    for organisation in customers:
        contract = organisation.contract
        terms = contract.terms
        month, label = current_month(contract, now)
        period = periods[organisation.pk]
        customer = Customer(
            organisation=organisation,
            month=month,
            month_label=label,
            timezone=terms.reporting_timezone,
            at_risk=at_risk.get(organisation.pk, []),
            breached=breached.get(organisation.pk, {}),
            credit=Credit("", [], None, None, False),
        )
        key = (organisation.region_id, tuple(contract.terms.modules))
        if key not in covered:
            covered[key] = covered_module_regions(organisation, contract.terms)
        customer.rows = _module_rows(customer, period, covered[key], now=now)
        customer.credit = _credit(contract, customer)
        answer.append(customer)
    return answer


def _zone(organisation: Organisation) -> str:
    return organisation.contract.terms.reporting_timezone


def _module_rows(
    customer: Customer, period: Month, module_regions: list[ModuleRegion], *, now: datetime
) -> list[ModuleRow]:
    organisation = customer.organisation
    contract_terms = organisation.contract.terms
    terms = Terms.of(contract_terms)
    first, following = from_epoch(period.start), from_epoch(period.end)
    so_far_end = from_epoch(max(period.start, min(to_epoch(now), period.end)))
    grid = uptime_grid(
        module_regions,
        {organisation.region_id: terms},
        {organisation.region_id: [(first, following), (first, so_far_end)]},
        now=now,
        organisation=organisation,
    )
    rows = []
    for position, mr in enumerate(module_regions):
        whole_month, so_far = grid[mr.pk]
        budget = error_budget(terms.target, whole_month.eligible_seconds, so_far.downtime_seconds)
        fraction = so_far.uptime_fraction
        rows.append(
            ModuleRow(
                customer=customer,
                module=mr.module.name,
                module_slug=mr.module.slug,
                region=mr.region.name,
                region_code=mr.region.code,
                uptime=fraction,
                uptime_percent=floor_percent(fraction),
                target=terms.target,
                target_percent=_percent(terms.target),
                met=so_far.met,
                allowed_seconds=budget.allowed_seconds,
                used_seconds=budget.used_seconds,
                remaining_seconds=budget.remaining_seconds,
                position=position,
            )
        )
    return rows


def _credit(contract: Contract, customer: Customer) -> Credit:
    """The engine's statement over the month-to-date uptime of each module and the breaches
    so far: what the customer would be owed if the month ended now."""
    schedule = contract.terms.penalties
    try:
        result = statements.statement(
            schedule=schedule,
            monthly_fee=contract.monthly_fee,
            module_uptimes={row.module: row.uptime for row in customer.rows},
            breaches=customer.breached,
        )
    except EngineError as error:
        return Credit(schedule.currency, [], None, None, False, problem=str(error))
    return Credit(
        currency=result.currency,
        lines=list(result.lines),
        total_percent=result.total_percent,
        total_amount=result.total_amount,
        capped=result.capped,
    )


def _tickets(
    customers: Sequence[Organisation], periods: dict[int, Month], *, now: datetime
) -> tuple[dict[int, list[AtRisk]], dict[int, dict[int, int]]]:
    """Open tickets at risk now, and the month's breaches per severity, per customer.

    Open tickets' clocks are read now by the engine (`refresh_clocks`, nothing saved), so a
    warning or a breach that the worker has not recorded yet still shows. Other tickets'
    clock columns were written by the engine when their clock last stopped."""
    ids = [o.pk for o in customers]
    earliest = min(p.start for p in periods.values())
    now_epoch = to_epoch(now)
    rows = list(
        Ticket.objects.filter(organisation_id__in=ids)
        .filter(
            # Open now, or reported in a month on show, or breached after a previous cut-off
            # (carried over): the database narrows, the loop below decides per customer.
            _open_or_recent(earliest, min(p.previous_cutoff for p in periods.values()))
        )
        .select_related("module")
    )
    # The organisations (and their contracts) already in hand: a contract's policy is JSON
    # that would otherwise be read and decoded once per ticket.
    by_id = {o.pk: o for o in customers}
    for ticket in rows:
        ticket.organisation = by_id[ticket.organisation_id]
    open_rows = [t for t in rows if t.status in OPEN_STATUSES]
    refresh_clocks(open_rows, now=now)
    at_risk: dict[int, list[AtRisk]] = {}
    breached: dict[int, dict[int, int]] = {}
    for ticket in sorted(rows, key=lambda t: (t.due_at is None, t.due_at or now, t.pk)):
        period = periods[ticket.organisation_id]
        if ticket.status in OPEN_STATUSES and ticket.standing == Standing.AT_RISK:
            target = ticket.target_seconds
            at_risk.setdefault(ticket.organisation_id, []).append(
                AtRisk(
                    pk=ticket.pk,
                    summary=ticket.summary,
                    severity=ticket.severity_in_force,
                    module=ticket.module.name,
                    due_at=ticket.due_at,
                    remaining_seconds=None if target is None else target - ticket.used_seconds,
                )
            )
        if ticket.breached_at is None or ticket.severity_in_force is None:
            continue
        breach = to_epoch(ticket.breached_at)
        reported = to_epoch(ticket.reported_at)
        if breach > now_epoch or reported >= period.end:
            continue
        in_month = reported >= period.start
        carried = (
            reported < period.start
            and breach >= period.previous_cutoff
            and reported >= period.start - int(CARRY_OVER_LOOKBACK.total_seconds())
        )
        if in_month or carried:
            counts = breached.setdefault(ticket.organisation_id, {})
            counts[ticket.severity_in_force] = counts.get(ticket.severity_in_force, 0) + 1
    return at_risk, breached


def _open_or_recent(earliest: int, earliest_cutoff: int) -> object:
    from django.db.models import Q

    return (
        Q(status__in=OPEN_STATUSES)
        | Q(reported_at__gte=from_epoch(earliest))
        | Q(breached_at__gte=from_epoch(earliest_cutoff))
    )


# ---------------------------------------------------------------------------------------------
# Filtering and sorting (plain values in, rows out)


def select_rows(
    customers: Sequence[Customer],
    *,
    module: str | None = None,
    at_risk_only: bool = False,
    below_target_only: bool = False,
    sort: str = "customer",
    descending: bool = False,
) -> list[ModuleRow]:
    """The dashboard's rows: filtered by module (slug), by customers with tickets at risk, by
    module-regions below target so far; sorted by a column of `SORTS`, customer and module
    (in the policy's order) breaking ties."""
    if sort not in SORTS:
        raise ValueError(f"sort: {sort!r} is not a column")
    rows = filtered_rows(customers, module, at_risk_only, below_target_only)
    key = ModuleRow.sort_value
    if descending:
        # Ties stay in customer and module order whichever way the column goes.
        rows.sort(key=lambda row: key(row, sort)[1:])
        rows.sort(key=lambda row: key(row, sort)[0], reverse=True)  # type: ignore[arg-type,return-value]
        return rows
    return sorted(rows, key=lambda row: key(row, sort))  # type: ignore[arg-type,return-value]


def filtered_rows(
    customers: Sequence[Customer], module: str | None, at_risk_only: bool, below_target_only: bool
) -> list[ModuleRow]:
    """The customers' rows the filters keep, in customer and module order."""
    rows = [row for customer in customers for row in customer.rows]
    if module:
        rows = [row for row in rows if row.module_slug == module]
    if at_risk_only:
        rows = [row for row in rows if row.customer.at_risk]
    if below_target_only:
        rows = [row for row in rows if not row.met]
    return rows
