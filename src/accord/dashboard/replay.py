"""Replay under a published SLA: a customer's month measured by one of the shipped policy files
(src/accord/policies/), beside the month as the customer's contract has it (docs/dashboard.md).

Every figure is the engine's: the policy's `measurement_rule` and `measure_period` decide the
uptime and the credit, from the customer's counted outages (`monitoring.services.
engine_outages`, weighted by the published policy's impact weights) or, for a policy whose
downtime is measured from error rates, from the module-region's stored samples
(`monitoring.error_rates.samples_for`). The contract's side is the month's report
(`reports.build.build_report`). Nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext

from accord.accounts.models import Organisation
from accord.accounts.terms import fee_for_month, terms_for_month
from accord.core.errors import Invalid
from accord.dashboard.simulator import month_range
from accord.engine.availability import Outage as EngineOutage
from accord.engine.errors import EngineError
from accord.engine.measurement import DowntimeRule, PeriodMeasurement, measure_period
from accord.engine.numbers import format_fraction
from accord.engine.policy import Policy
from accord.engine.policy_sla import measurement_rule
from accord.engine.timeutil import format_utc, from_epoch, month_bounds, month_of, zone
from accord.monitoring.error_rates import samples_for
from accord.monitoring.services import covered_module_regions, engine_outages
from accord.policies import builtin_names, load_builtin
from accord.reports.build import build_report

NO_SAMPLES = "no error-rate samples for this period"


class ReplayError(Invalid):
    """The policy cannot measure this customer's month; `field` is the replay form's field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.message = message


def policy_choices() -> list[tuple[str, str]]:
    """The shipped policies, by id, with their names."""
    return [(name, f"{name}: {load_builtin(name).name}") for name in builtin_names()]


@dataclass(frozen=True)
class ReplayRow:
    module: str
    region: str
    # None (with `note`) when the policy could not measure the module-region.
    measurement: PeriodMeasurement | None
    credit_percent: str | None  # of the period's fee, three decimals; None: no credit terms
    credit_amount: Decimal | None  # half-up to the cent; None without a fee
    note: str  # why not: the engine's refusal, or NO_SAMPLES
    contract_uptime: str | None  # the contract's month figure (floored percent)
    contract_met: bool | None

    @property
    def no_samples(self) -> bool:
        return self.note == NO_SAMPLES


@dataclass(frozen=True)
class Replay:
    organisation: Organisation
    policy: Policy
    month: str
    period_label: str
    period_start: str  # ISO 8601, UTC
    period_end: str
    error_rates: bool  # downtime from error-rate samples, not outages
    fee: Decimal | None  # the contract's fees for the months of the policy's period
    currency: str
    rows: list[ReplayRow]
    contract_credit_percent: str
    contract_credit_amount: str | None
    contract_currency: str
    provisional: bool


def _period_fee(organisation: Organisation, first: str, last: str) -> Decimal | None:
    """The contract's fee for the months a policy's period spans (a quarter: three months)."""
    fees = [fee_for_month(organisation, month) for month in month_range(first, last)]
    if any(fee is None for fee in fees):
        return None
    return sum((fee for fee in fees if fee is not None), Decimal(0))


def replay(organisation: Organisation, month: str, policy_id: str, *, now: datetime) -> Replay:
    """`month` of `organisation` measured by the shipped policy `policy_id` (its period: the
    one holding the month's first day), and the same month as the contract has it."""
    if policy_id not in builtin_names():
        raise ReplayError(
            "policy", gettext("%(policy)r is not a shipped policy") % {"policy": policy_id}
        )
    policy = load_builtin(policy_id)
    terms = terms_for_month(organisation, month)
    try:
        rule = measurement_rule(policy, terms.region.timezone)
        first_instant, _ = month_bounds(month, zone(rule.period.timezone))
        period = rule.period.containing(first_instant)
    except EngineError as error:
        raise ReplayError("month", str(error)) from None
    report = build_report(organisation, month, now=now, terms=terms)
    contract = {line.module: line for line in report.uptime}
    # The calendar months the policy's period spans, in the policy's own time zone.
    tz = zone(rule.period.timezone)
    fee = _period_fee(organisation, month_of(period.start, tz), month_of(period.end - 1, tz))
    weights = policy.availability.weights
    start, end = from_epoch(period.start), from_epoch(period.end)
    error_rates = rule.downtime is not DowntimeRule.OUTAGES
    rows = []
    for module_region in covered_module_regions(organisation, terms):
        measured: PeriodMeasurement | None = None
        note = ""
        try:
            if error_rates:
                assert rule.error_rate is not None
                samples = samples_for(
                    module_region.pk, period.start, period.end, rule.error_rate.sample_seconds
                )
                if len(samples.starts) == 0:
                    note = NO_SAMPLES
                else:
                    measured = measure_period(rule, period.label, samples=samples)
            else:
                outages: list[EngineOutage] = engine_outages(
                    module_region, start, end, weights, organisation=organisation, now=now
                )
                measured = measure_period(rule, period.label, outages=outages)
        except (EngineError, Invalid) as error:
            note = str(error)
        amount, percent = None, None
        if measured is not None and measured.credit is not None:
            percent = format_fraction(measured.credit.percent)
        if measured is not None and measured.credit is not None and fee is not None:
            amount = measured.credit.amount_to_cents(fee)
        line = contract.get(module_region.module.slug)
        rows.append(
            ReplayRow(
                module=module_region.module.name,
                region=module_region.region.code,
                measurement=measured,
                credit_percent=percent,
                credit_amount=amount,
                note=note,
                contract_uptime=line.uptime_percent if line else None,
                contract_met=line.met if line else None,
            )
        )
    return Replay(
        organisation=organisation,
        policy=policy,
        month=month,
        period_label=period.label,
        period_start=format_utc(period.start),
        period_end=format_utc(period.end),
        error_rates=error_rates,
        fee=fee,
        currency=report.statement.currency,
        rows=rows,
        contract_credit_percent=report.statement.total_percent,
        contract_credit_amount=report.statement.total_amount,
        contract_currency=report.statement.currency,
        provisional=report.period.provisional,
    )
