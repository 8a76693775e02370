"""The parts of a policy file that say how a published SLA measures: its period, its downtime
rule, its scope, its credit and the sources it was written from (docs/sla-model.md).

`accord.engine.policy` holds these models in the policy; `measurement_rule` turns a validated
policy into the `accord.engine.measurement.MeasurementRule` that measures its periods. A policy
that leaves them out measures as the built-in one always has: calendar months in its reporting
time zone, outages as given, credit by its penalty schedule's uptime tiers and cap.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.engine.credit_forms import (
    CreditTerms,
    FeeMultipleCredit,
    ServiceDaysCredit,
    TierCredit,
)
from accord.engine.credits import parse_penalty_schedule, parse_tiers
from accord.engine.error_rates import ErrorRateRule
from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.measurement import DowntimeRule, MeasurementRule
from accord.engine.numbers import parse_decimal, parse_percent
from accord.engine.periods import PeriodKind, PeriodRule
from accord.engine.timeutil import zone

if TYPE_CHECKING:
    from accord.engine.policy import Policy

REGION = "region"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _problem(error: EngineError) -> ValueError:
    return ValueError(f"{error.field}: {error.problem}" if error.field else error.problem)


class PeriodModel(_Model):
    """`[availability.period]`: how time is cut into service periods (`PeriodRule`)."""

    kind: Literal["month", "quarter", "billing_cycle", "fiscal_quarter"] = "month"
    # `region`: the policy's reporting time zone (the customer's region unless it names one).
    timezone: str = REGION
    anchor_day: int = Field(default=1, ge=1, le=31)
    fiscal_start_month: int = Field(default=1, ge=1, le=12)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value != REGION:
            zone(value)
        return value


class DowntimeModel(_Model):
    """`[availability.downtime]`: what counts as downtime."""

    rule: Literal["outages", "erroring_runs", "mean_error_rate"] = "outages"
    sample_seconds: int | None = Field(default=None, ge=1, le=3600)
    threshold_percent: str | None = None
    threshold_inclusive: bool | None = None
    min_run: int | None = Field(default=None, ge=1)
    reading: str = ""

    @model_validator(mode="after")
    def _settings(self) -> DowntimeModel:
        runs = ("threshold_percent", "threshold_inclusive", "min_run")
        if self.rule == "outages":
            given = [name for name in ("sample_seconds", *runs) if getattr(self, name) is not None]
            if given:
                raise ValueError(f"{given[0]}: is not used when rule is outages")
            return self
        if self.sample_seconds is None:
            raise ValueError(f"sample_seconds: is required when rule is {self.rule}")
        if self.rule == "mean_error_rate":
            given = [name for name in runs if getattr(self, name) is not None]
            if given:
                raise ValueError(f"{given[0]}: is not used when rule is mean_error_rate")
        elif self.threshold_percent is None:
            raise ValueError("threshold_percent: is required when rule is erroring_runs")
        try:
            self.error_rate_rule()
        except EngineError as error:
            raise ValueError(str(error).replace("error_rate.", "")) from None
        return self

    def error_rate_rule(self) -> ErrorRateRule | None:
        if self.rule == "outages" or self.sample_seconds is None:
            return None
        threshold = Fraction(0)
        if self.threshold_percent is not None:
            threshold = parse_percent(self.threshold_percent, "threshold_percent")
        return ErrorRateRule(
            sample_seconds=self.sample_seconds,
            threshold_percent=threshold,
            threshold_inclusive=bool(self.threshold_inclusive),
            min_run=self.min_run or 1,
        )


class CreditModel(_Model):
    """`[credit]`: the period's credit as the published text states it."""

    form: Literal["tiers", "fee_multiple", "service_days"]
    tiers: list[dict[str, Any]] = Field(default_factory=list)
    multiple: str | None = None
    cap_percent: str | None = None
    reading: str = ""

    @model_validator(mode="after")
    def _form(self) -> CreditModel:
        if self.form == "fee_multiple":
            if self.tiers:
                raise ValueError("tiers: are not used when form is fee_multiple")
            if self.multiple is None:
                raise ValueError("multiple: is required when form is fee_multiple")
        else:
            if self.multiple is not None:
                raise ValueError(f"multiple: is not used when form is {self.form}")
            if not self.tiers:
                raise ValueError(f"tiers: at least one tier is required when form is {self.form}")
        try:
            self.terms()
        except EngineError as error:
            raise _problem(error) from None
        return self

    def terms(self) -> CreditTerms:
        cap = None
        if self.cap_percent is not None:
            cap = parse_percent(self.cap_percent, "cap_percent")
        if self.form == "fee_multiple":
            multiple = Fraction(parse_decimal(self.multiple, "multiple"))
            if multiple <= 0:
                raise EngineError("multiple", "must be more than 0")
            return CreditTerms(FeeMultipleCredit(multiple), cap)
        if self.form == "tiers":
            return CreditTerms(TierCredit(parse_tiers(self.tiers, "tiers")), cap)
        days: list[int] = []
        bounds: list[dict[str, Any]] = []
        for index, item in enumerate(self.tiers):
            value = item.get("credit_days")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise EngineError(f"tiers[{index}].credit_days", "must be a whole number of days")
            if "credit_percent" in item:
                raise EngineError(
                    f"tiers[{index}].credit_percent", "is not used when form is service_days"
                )
            days.append(value)
            bounds.append(
                {k: v for k, v in item.items() if k != "credit_days"} | {"credit_percent": "0"}
            )
        return CreditTerms(ServiceDaysCredit(parse_tiers(bounds, "tiers"), tuple(days)), cap)


class SourceModel(_Model):
    """`[[sources]]`: where the policy's text comes from and the sentences it encodes."""

    title: str
    url: str = Field(pattern=r"^https?://\S+$")
    # How it was read (from the page, from a stored copy), or, honestly, that it was not.
    read: str = Field(min_length=1)
    sentences: list[str] = Field(min_length=1)
    # The text's own date (its "Last Updated" / "Effective" line), YYYY-MM-DD; left out when
    # the copy read shows none (then `read` says so).
    text_date: str | None = None
    # The day the text was read, YYYY-MM-DD; a text cannot be read before it is dated.
    read_on: str | None = None

    @field_validator("text_date", "read_on")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            _calendar_date(value)
        return value

    @model_validator(mode="after")
    def _read_after_dated(self) -> SourceModel:
        dated, read = self.text_date, self.read_on
        if dated is not None and read is not None and _calendar_date(read) < _calendar_date(dated):
            raise ValueError(f"read_on: {read} is before text_date {dated}")
        return self


def _calendar_date(value: str) -> date:
    """A YYYY-MM-DD day; ValueError (the field's problem) for anything else."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def period_rule(policy: Policy, timezone: str | None = None) -> PeriodRule:
    """The policy's periods; `timezone` stands for `region` (the customer's region zone)."""
    model = policy.availability.period or PeriodModel()
    zone_name = model.timezone if model.timezone != REGION else policy.reporting_timezone
    if zone_name == REGION:
        if timezone is None:
            raise EngineError(
                "timezone",
                f"policy {policy.id} measures periods in the customer's region time zone: "
                "name the zone",
            )
        zone_name = timezone
    return PeriodRule(
        kind=PeriodKind(model.kind),
        timezone=zone_name,
        anchor_day=model.anchor_day,
        fiscal_start_month=model.fiscal_start_month,
    )


def credit_terms(policy: Policy) -> CreditTerms | None:
    """`[credit]`, or else the penalty schedule's uptime tiers and percent cap; None when the
    policy states no uptime credit at all."""
    if policy.credit is not None:
        return policy.credit.terms()
    schedule = parse_penalty_schedule(policy.penalties, "penalties")
    if not schedule.uptime_tiers.tiers:
        return None
    cap = schedule.cap.percent if schedule.cap is not None else None
    return CreditTerms(
        TierCredit(schedule.uptime_tiers), None if cap is None else Fraction(Decimal(cap))
    )


def measurement_rule(policy: Policy, timezone: str | None = None) -> MeasurementRule:
    """How the policy measures a period for one product (or the whole service, by its scope)."""
    availability = policy.availability
    periods = period_rule(policy, timezone)
    downtime = availability.downtime or DowntimeModel()
    maintenance = availability.maintenance
    schedule = MaintenanceSchedule(
        timezone=maintenance.timezone,
        weekly=tuple(window.to_window() for window in maintenance.weekly),
    )
    return MeasurementRule(
        period=periods,
        target=policy.target,
        downtime=DowntimeRule(downtime.rule),
        error_rate=downtime.error_rate_rule(),
        maintenance=schedule,
        maintenance_mode=availability.maintenance_mode,
        min_outage_seconds=availability.min_outage_seconds,
        # A policy that writes no maintenance table excludes no scheduled downtime.
        notice_hours=(
            maintenance.adhoc_notice_hours
            if "maintenance" in availability.model_fields_set
            else None
        ),
        credit=credit_terms(policy),
    )
