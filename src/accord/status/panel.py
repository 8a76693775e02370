"""A signed-in customer's own month on the status page: month-to-date uptime and error budget
of each module its contract covers, from its contract's terms, counting the outages that hit
only it as well as the public ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from accord.accounts.models import Contract, Organisation, User
from accord.engine.availability import error_budget
from accord.engine.timeutil import (
    epoch_to_local,
    from_epoch,
    month_bounds,
    month_of,
    to_epoch,
    zone,
)
from accord.monitoring.services import PeriodUptime, Terms, covered_module_regions, uptime_grid
from accord.status.bars import minutes_ceil, minutes_floor


@dataclass
class BudgetRow:
    module: str
    month_to_date: PeriodUptime
    month: PeriodUptime
    allowed_seconds: Fraction
    used_seconds: Fraction
    remaining_seconds: Fraction

    @property
    def allowed_display(self) -> str:
        return minutes_floor(self.allowed_seconds)

    @property
    def used_display(self) -> str:
        return minutes_ceil(self.used_seconds)

    @property
    def remaining_display(self) -> str:
        return minutes_floor(self.remaining_seconds)

    @property
    def overrun_display(self) -> str:
        return minutes_ceil(-self.remaining_seconds)

    @property
    def exhausted(self) -> bool:
        """Overrun: the month can no longer meet the target (exactly 0 left still meets it)."""
        return self.remaining_seconds < 0


@dataclass
class CustomerPanel:
    organisation: Organisation
    month: str  # "2026-11"
    month_label: str  # "November 2026"
    timezone: str
    target_percent: str
    rows: list[BudgetRow]


def customer_panel(user: User, *, now: datetime) -> CustomerPanel | None:
    """Month-to-date uptime and error budget of each module the customer's contract covers, in
    its region, from its contract's terms (the month in its reporting time zone), counting the
    outages that hit everyone and those that hit only this customer; None for anyone who is
    not a customer with a contract.

    Error budget = (1 - target) x the month's eligible time (the whole month less its
    maintenance windows) - the downtime so far. It is shown floored to a tenth of a minute and
    the downtime rounded up, so the page never shows more budget than is left."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or user.is_vendor_staff:
        return None
    try:
        contract: Contract = organisation.contract
    except Contract.DoesNotExist:
        return None
    contract_terms = contract.terms
    terms = Terms.of(contract_terms)
    tz = zone(terms.timezone)
    local = epoch_to_local(to_epoch(now), tz)
    month = month_of(to_epoch(now), tz)
    first, following = (from_epoch(b) for b in month_bounds(month, tz))
    module_regions = covered_module_regions(organisation, contract_terms)
    grid = uptime_grid(
        module_regions,
        {organisation.region_id: terms},
        {organisation.region_id: [(first, following), (first, max(first, now))]},
        now=now,
        organisation=organisation,
    )
    rows = []
    for mr in module_regions:
        whole_month, so_far = grid[mr.pk]
        budget = error_budget(terms.target, whole_month.eligible_seconds, so_far.downtime_seconds)
        rows.append(
            BudgetRow(
                module=mr.module.name,
                month_to_date=so_far,
                month=whole_month,
                allowed_seconds=budget.allowed_seconds,
                used_seconds=budget.used_seconds,
                remaining_seconds=budget.remaining_seconds,
            )
        )
    return CustomerPanel(
        organisation=organisation,
        month=month,
        month_label=f"{local:%B %Y}",
        timezone=terms.timezone,
        target_percent=_percent(terms.target),
        rows=rows,
    )


def _percent(fraction: Fraction) -> str:
    """An exact target as a percent without trailing zeros: 999/1000 -> "99.9"."""
    value = fraction * 100
    for decimals in range(7):
        scaled = value * 10**decimals
        if scaled.denominator == 1:
            text = str(scaled.numerator).rjust(decimals + 1, "0")
            return text[: len(text) - decimals] + ("." + text[-decimals:] if decimals else "")
    return f"{float(value):.6f}"
