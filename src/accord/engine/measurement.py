"""One service period measured as a published SLA measures it: its uptime and its credit.

A `MeasurementRule` holds what a policy says (its period, its downtime rule, its target, its
maintenance, the notice scheduled downtime needs, its credit terms); `measure_period` takes a
period label and the period's evidence and answers. It only combines the engine's rules:

- the period's bounds: `accord.engine.periods`;
- downtime: `outages` as given, or `erroring_runs` of error-rate samples
  (`accord.engine.error_rates.downtime_runs`), both measured by
  `accord.engine.availability.uptime` (maintenance, minimum outage, the exact uptime and `met`);
  or `mean_error_rate` (AWS S3), where uptime is 1 - the mean error rate and the downtime
  figure, for a fee-multiple credit, is (1 - uptime) x the period;
- scheduled downtime (Slack: "at least 48 hours' notice") is excluded like a maintenance window
  when it was announced at least `notice_hours` before it started
  (`availability.announced_in_time`), and counts like any other time when it was not, or
  when the policy excludes no scheduled downtime (`notice_hours` None);
- the credit: `accord.engine.credit_forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from numpy.typing import ArrayLike

from accord.engine.availability import (
    MaintenanceMode,
    Outage,
    announced_in_time,
    floor_percent,
    uptime,
)
from accord.engine.credit_forms import CreditResult, CreditTerms, period_credit
from accord.engine.error_rates import ErrorRateRule, Samples, downtime_runs, mean_error_rate
from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.periods import Period, PeriodRule


class DowntimeRule(StrEnum):
    OUTAGES = "outages"
    ERRORING_RUNS = "erroring_runs"
    MEAN_ERROR_RATE = "mean_error_rate"


@dataclass(frozen=True)
class ScheduledDowntime:
    """Downtime the vendor announced: [start, end) and when it was announced (epoch seconds)."""

    start: int
    end: int
    announced_at: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise EngineError("scheduled.end", "must be after its start")
        if self.announced_at > self.start:
            raise EngineError("scheduled.announced_at", "is after the downtime started")


@dataclass(frozen=True)
class MeasurementRule:
    period: PeriodRule
    target: Fraction
    downtime: DowntimeRule = DowntimeRule.OUTAGES
    error_rate: ErrorRateRule | None = None
    maintenance: MaintenanceSchedule | None = None
    maintenance_mode: MaintenanceMode = "exclude"
    min_outage_seconds: int = 0
    # None: the policy excludes no scheduled downtime (it counts like any other time).
    notice_hours: int | None = 0
    credit: CreditTerms | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.downtime, DowntimeRule):
            try:
                object.__setattr__(self, "downtime", DowntimeRule(self.downtime))
            except ValueError:
                rules = ", ".join(rule.value for rule in DowntimeRule)
                raise EngineError("downtime.rule", f"must be one of {rules}") from None
        if self.downtime is not DowntimeRule.OUTAGES and self.error_rate is None:
            raise EngineError(
                "downtime", f"rule {self.downtime.value} needs its error-rate settings"
            )
        if self.notice_hours is None:
            return
        if isinstance(self.notice_hours, bool) or not isinstance(self.notice_hours, int):
            raise EngineError("notice_hours", "must be a whole number of hours")
        if self.notice_hours < 0:
            raise EngineError("notice_hours", "must be 0 or more")


@dataclass(frozen=True)
class PeriodMeasurement:
    """A period's figures, exact; `credit` is None when the rule has no credit terms."""

    period: Period
    period_days: int
    eligible_seconds: int
    excluded_seconds: int
    downtime_seconds: Fraction
    uptime_fraction: Fraction
    met: bool
    scheduled_excluded: tuple[ScheduledDowntime, ...]
    scheduled_counted: tuple[ScheduledDowntime, ...]
    credit: CreditResult | None

    @property
    def uptime_percent(self) -> str:
        """Floored to three decimals, never rounded up into compliance."""
        return floor_percent(self.uptime_fraction)


def _period_days(rule: PeriodRule, period: Period) -> int:
    following = rule.containing(period.end)
    return (rule.first_day(following.label) - rule.first_day(period.label)).days


def measure_period(
    rule: MeasurementRule,
    label: str,
    *,
    outages: Sequence[Outage] = (),
    samples: Samples | None = None,
    scheduled: Sequence[ScheduledDowntime] = (),
) -> PeriodMeasurement:
    """The period `label` names, measured by `rule` from outages (rule `outages`) or error-rate
    samples (the two error-rate rules); giving the other kind of evidence is an error."""
    period = rule.period.bounds(label)
    days = _period_days(rule.period, period)
    uses_samples = rule.downtime is not DowntimeRule.OUTAGES
    if uses_samples and samples is None:
        raise EngineError("samples", f"are needed: downtime is {rule.downtime.value}")
    if uses_samples and outages:
        raise EngineError("outages", f"are not used: downtime is {rule.downtime.value}")
    if not uses_samples and samples is not None:
        raise EngineError("samples", "are not used: downtime is outages")
    notice = rule.notice_hours
    excluded = tuple(
        item
        for item in scheduled
        if notice is not None and announced_in_time(item.start, item.announced_at, notice)
    )
    counted = tuple(item for item in scheduled if item not in excluded)

    if rule.downtime is DowntimeRule.MEAN_ERROR_RATE:
        assert rule.error_rate is not None and samples is not None
        if excluded or (rule.maintenance and (rule.maintenance.weekly or rule.maintenance.windows)):
            raise EngineError(
                "scheduled", "the mean error rate counts every sample interval: nothing is excluded"
            )
        fraction = 1 - mean_error_rate(
            (period.start, period.end), rule.error_rate.sample_seconds, samples
        )
        seconds = period.end - period.start
        downtime = (1 - fraction) * seconds
        met = fraction >= rule.target
        eligible, maintenance_seconds = seconds, 0
    else:
        windows = tuple((item.start, item.end) for item in excluded)
        base = rule.maintenance or MaintenanceSchedule(timezone=rule.period.timezone)
        schedule = MaintenanceSchedule(base.timezone, base.weekly, base.windows + windows)
        evidence: Sequence[Outage] | tuple[ArrayLike, ArrayLike]
        if rule.downtime is DowntimeRule.ERRORING_RUNS:
            assert rule.error_rate is not None and samples is not None
            evidence = downtime_runs(rule.error_rate, samples)
        else:
            evidence = outages
        result = uptime(
            period=(period.start, period.end),
            outages=evidence,
            maintenance=schedule,
            target=rule.target,
            min_outage_seconds=rule.min_outage_seconds,
            maintenance_mode=rule.maintenance_mode,
        )
        fraction, downtime, met = result.uptime_fraction, result.downtime_seconds, result.met
        eligible, maintenance_seconds = result.eligible_seconds, result.maintenance_seconds
    credit = None
    if rule.credit is not None:
        credit = period_credit(
            rule.credit,
            uptime_fraction=fraction,
            met=met,
            downtime_seconds=downtime,
            period_seconds=period.end - period.start,
            period_days=days,
        )
    return PeriodMeasurement(
        period=period,
        period_days=days,
        eligible_seconds=eligible,
        excluded_seconds=maintenance_seconds,
        downtime_seconds=downtime,
        uptime_fraction=fraction,
        met=met,
        scheduled_excluded=excluded,
        scheduled_counted=counted,
        credit=credit,
    )
