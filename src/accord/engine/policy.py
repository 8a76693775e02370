"""Contract policies: the SLA as data, validated, and resolved into the engine's terms.

A policy is a TOML document (see docs/sla-model.md for every field). `parse_policy` validates
its text with pydantic and reports the first problems as `file: field: what is wrong`.
`resolve` turns a policy, the customer's region and the contract's overrides into the concrete
calendars, clock rules, maintenance schedule and penalty schedule the rest of the engine uses.
Reading files is the caller's business: this module takes text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accord.engine.calendar import WEEKDAYS, Duration, SupportCalendar
from accord.engine.clocks import ClockRules
from accord.engine.credits import PenaltySchedule, parse_penalty_schedule
from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.numbers import parse_percent
from accord.engine.policy_sla import CreditModel, DowntimeModel, PeriodModel, SourceModel
from accord.engine.timeutil import parse_clock, zone
from accord.engine.tomltext import line_of, toml_error_line

REGION = "region"
"""Where a policy says `region`, the customer's region decides (time zone, holidays)."""

IMPACTS = ("degraded", "partial_outage", "major_outage")


class PolicyError(EngineError):
    """An invalid policy file: the message names the file, the field and the problem.

    `path` is the field as parts (`("severities", 0, "target", "hours")`); `line` is the line
    of the policy's text the field is written on (or its nearest written ancestor), when the
    policy was read from text (`parse_policy`). `located` is `file:line: field: problem`."""

    def __init__(
        self,
        source: str,
        field: str,
        problem: str,
        *,
        path: tuple[str | int, ...] = (),
        line: int | None = None,
    ) -> None:
        super().__init__(field, problem)
        self.source = source
        self.path = path
        self.line = line
        self.args = (f"{source}: {field}: {problem}" if field else f"{source}: {problem}",)

    @property
    def located(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return (
            f"{where}: {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"
        )

    def at_line(self, line: int | None) -> PolicyError:
        return PolicyError(self.source, self.field, self.problem, path=self.path, line=line)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _percent(value: str, what: str) -> Fraction:
    """A percentage string; pydantic reports the ValueError under the field's own name."""
    try:
        return parse_percent(value, what)
    except EngineError as error:
        raise ValueError(error.problem) from None


class DurationModel(_Model):
    days: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)
    minutes: int = Field(default=0, ge=0)
    seconds: int = Field(default=0, ge=0)

    def to_duration(self) -> Duration:
        return Duration(
            days=self.days, seconds=self.hours * 3600 + self.minutes * 60 + self.seconds
        )


class WindowModel(_Model):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str
    end: str

    @model_validator(mode="after")
    def _times(self) -> WindowModel:
        start = parse_clock(self.start, "start")
        end = parse_clock(self.end, "end", allow_24=True)
        if end <= start:
            raise ValueError("end must be after start (split a window across midnight in two)")
        return self

    def to_window(self) -> WeeklyWindow:
        return WeeklyWindow(
            weekday=WEEKDAYS.index(self.day),
            start=parse_clock(self.start, "start"),
            end=parse_clock(self.end, "end", allow_24=True),
        )


class MaintenanceModel(_Model):
    timezone: str
    reading: str = ""
    weekly: list[WindowModel] = Field(default_factory=list)
    adhoc_notice_hours: int = Field(default=0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value


class AvailabilityModel(_Model):
    target_percent: str
    modules: list[str] = Field(min_length=1)
    # A published SLA without maintenance windows leaves this table out.
    maintenance: MaintenanceModel = MaintenanceModel(timezone="UTC")
    maintenance_mode: Literal["exclude", "count_as_up"] = "exclude"
    min_outage_seconds: int = Field(default=0, ge=0)
    impact_weights: dict[str, str] = Field(default_factory=lambda: {"major_outage": "1"})
    # How a published SLA measures (accord.engine.policy_sla); left out: calendar months in the
    # reporting time zone, outages as given, each module measured on its own.
    period: PeriodModel | None = None
    downtime: DowntimeModel | None = None
    # `per_module`: each module (product) is measured and credited on its own;
    # `service`: the modules are one service, down when any of them is.
    scope: Literal["per_module", "service"] | None = None

    @field_validator("target_percent")
    @classmethod
    def _target(cls, value: str) -> str:
        _percent(value, "target_percent")
        return value

    @property
    def weights(self) -> dict[str, Fraction]:
        """`impact_weights` exact: how much of each impact's time counts as down."""
        return {impact: Fraction(Decimal(weight)) for impact, weight in self.impact_weights.items()}

    @field_validator("modules")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a module is listed twice")
        return value

    @field_validator("impact_weights")
    @classmethod
    def _weights(cls, value: dict[str, str]) -> dict[str, str]:
        for impact, weight in value.items():
            if impact not in IMPACTS:
                raise ValueError(f"{impact!r} is not an impact ({', '.join(IMPACTS)})")
            fraction = _percent(weight, f"weight of {impact}")
            if not 0 < fraction <= 1:
                raise ValueError(f"weight of {impact} must be more than 0 and at most 1")
        return value


# A policy defines its own severity levels, each with its target: whole numbers from 1 (the
# most urgent) to 9, a single digit as customers write it ("Sev 2"); the built-in policy has
# 1 Critical, 2 High, 3 Medium and 4 Normal. A ticket may have only its contract's levels.
MAX_SEVERITY_LEVEL = 9


class SeverityModel(_Model):
    level: int = Field(ge=1, le=MAX_SEVERITY_LEVEL)
    name: str
    description: str
    target: DurationModel
    calendar: Literal["support_hours", "always"] = "support_hours"


class SupportHoursModel(_Model):
    """A calendar object (docs/calc.md) whose time zone may be `region`, plus whether the
    region's public holidays close the help desk's clock."""

    timezone: str = REGION
    weekly: dict[str, list[list[str]]] = Field(default_factory=dict)
    holidays: list[str] = Field(default_factory=list)
    overrides: dict[str, list[list[str]]] = Field(default_factory=dict)
    region_holidays: bool = True
    always: bool = False

    @model_validator(mode="after")
    def _calendar(self) -> SupportHoursModel:
        timezone = "UTC" if self.timezone == REGION else self.timezone
        SupportCalendar.from_dict(self._calendar_data(timezone), "support_hours")
        return self

    def _calendar_data(self, timezone: str) -> dict[str, Any]:
        if self.always:
            return {"always": True, "timezone": timezone}
        return {
            "timezone": timezone,
            "weekly": self.weekly,
            "holidays": self.holidays,
            "overrides": self.overrides,
        }


class ClockModel(_Model):
    warn_at_percent: list[str] = Field(default_factory=lambda: ["50", "75", "90"])
    allow_pause: bool = False
    # How many hours after a restoration the customer may contest it (wall-clock hours, not
    # support hours); 0: restorations cannot be contested. At most a year.
    restoration_contest_hours: int = Field(default=24, ge=0, le=8760)

    @field_validator("warn_at_percent")
    @classmethod
    def _fractions(cls, value: list[str]) -> list[str]:
        for item in value:
            fraction = _percent(item, "warn_at_percent")
            if not 0 < fraction < 100:
                raise ValueError("each warning must be more than 0 and less than 100 percent")
        return value


class ReleasesModel(_Model):
    """The release cadence the vendor keeps for this customer. Accord plans one cadence (a
    minor release every week, a major every month, `accord.engine.releases.cadence`), so these
    are the only values: anything else would be a promise nothing keeps.
    `in_maintenance_window`: planned releases go in this contract's maintenance window (its
    region's plan keeps to it); false lets the vendor release outside it."""

    minor: Literal["weekly"] = "weekly"
    major: Literal["monthly"] = "monthly"
    in_maintenance_window: bool = True


class PolicyModel(_Model):
    schema_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    source: str = ""
    reporting_timezone: str = REGION
    availability: AvailabilityModel
    # A published availability SLA (policies/aws-*.toml ...) has no severities, support hours
    # or penalty schedule: it can be measured (`accord calc period`) but is no contract's terms
    # (`resolve` refuses it).
    severities: list[SeverityModel] = Field(default_factory=list)
    support_hours: SupportHoursModel = SupportHoursModel()
    clock: ClockModel = ClockModel()
    penalties: dict[str, Any] = Field(default_factory=dict)
    credit: CreditModel | None = None
    sources: list[SourceModel] | None = None
    releases: ReleasesModel = ReleasesModel()
    supported_browsers: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)

    @field_validator("reporting_timezone")
    @classmethod
    def _reporting_zone(cls, value: str) -> str:
        if value != REGION:
            zone(value)
        return value

    @field_validator("severities")
    @classmethod
    def _levels(cls, value: list[SeverityModel]) -> list[SeverityModel]:
        levels = [severity.level for severity in value]
        if levels != sorted(set(levels)):
            raise ValueError("severity levels must be distinct and in order, most urgent first")
        return value

    @field_validator("penalties")
    @classmethod
    def _penalties(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            parse_penalty_schedule(value, "")
        except EngineError as error:
            raise ValueError(str(error)) from None
        return value

    @property
    def target(self) -> Fraction:
        return Fraction(Decimal(self.availability.target_percent)) / 100

    @property
    def levels(self) -> tuple[int, ...]:
        """The severity levels this policy defines, most urgent first."""
        return tuple(severity.level for severity in self.severities)

    def severity(self, level: int) -> SeverityModel:
        for severity in self.severities:
            if severity.level == level:
                return severity
        raise EngineError("severity", f"{level} is not a severity of policy {self.id}")


Policy = PolicyModel


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate a policy's TOML text; `source` (a file name) is named in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            source, "", f"not valid TOML: {exc}", line=toml_error_line(str(exc))
        ) from None
    try:
        return policy_from_data(data, source)
    except PolicyError as error:
        raise error.at_line(line_of(text, error.path)) from None


def policy_from_data(data: Mapping[str, Any], source: str = "<policy>") -> Policy:
    try:
        return PolicyModel.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        path = tuple(first["loc"])
        field = ".".join(str(part) for part in path)
        message = str(first["msg"]).removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise PolicyError(source, field, message, path=_deeper(path, message)) from None
    except EngineError as error:
        path = tuple(part for part in re.split(r"[.\[\]]+", error.field) if part)
        raise PolicyError(source, error.field, error.problem, path=path) from None


_NESTED = re.compile(r"^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[\d+\])*): ")


def _deeper(path: tuple[str | int, ...], message: str) -> tuple[str | int, ...]:
    """A validator of a whole table (support hours, penalties) names the part at fault at the
    start of its message (`weekly.mon[0][1]: ...`): the path goes on into it, for its line."""
    match = _NESTED.match(message)
    if match is None:
        return path
    parts: list[str | int] = []
    for token in re.findall(r"[A-Za-z_]\w*|\[\d+\]", match.group(1)):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    if parts and parts[0] == path[-1]:
        parts = parts[1:]  # the message repeats the table's own name
    return (*path, *parts)


def policy_to_data(policy: Policy) -> dict[str, Any]:
    """The policy as plain data (for storing in a database or a JSON report). The measuring
    keys a policy leaves out are left out here too, so a policy written before they existed
    gives the same data (and the same stored versions) as it always did."""
    data = policy.model_dump(mode="json")
    for key in _OPTIONAL_TOP:
        if data.get(key) is None:
            data.pop(key, None)
    for key in _OPTIONAL_AVAILABILITY:
        if data["availability"].get(key) is None:
            data["availability"].pop(key, None)
    return data


_OPTIONAL_TOP = ("credit", "sources")
_OPTIONAL_AVAILABILITY = ("period", "downtime", "scope")


@dataclass(frozen=True)
class Region:
    """Where a customer's service runs: its time zone and the public holidays that apply."""

    code: str
    name: str
    timezone: str
    holiday_country: str | None = None
    holiday_subdiv: str | None = None

    def __post_init__(self) -> None:
        zone(self.timezone, "region.timezone")


@dataclass(frozen=True)
class ContractTerms:
    """A policy resolved for one customer: every value the engine needs, concrete."""

    policy: Policy
    region: Region
    modules: list[str]
    target: Fraction
    reporting_timezone: str
    maintenance: MaintenanceSchedule
    maintenance_mode: Literal["exclude", "count_as_up"]
    adhoc_notice_hours: int
    min_outage_seconds: int
    impact_weights: Mapping[str, Fraction]
    support_calendar: SupportCalendar
    clock_rules: ClockRules
    penalties: PenaltySchedule
    assumptions: list[str]


def resolve(
    policy: Policy,
    region: Region,
    *,
    support_hours: Mapping[str, Any] | None = None,
    penalties: Mapping[str, Any] | None = None,
    reporting_timezone: str | None = None,
) -> ContractTerms:
    """The terms of a contract on `policy` for a customer in `region`. A contract may replace
    the policy's support hours (a calendar object) and its penalty schedule."""
    if not policy.severities:
        raise EngineError(
            "severities",
            f"policy {policy.id} defines no severities: it states an availability SLA only "
            "and cannot be a contract's terms",
        )
    hours = policy.support_hours
    if support_hours is not None:
        try:
            hours = SupportHoursModel.model_validate(dict(support_hours))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(["support_hours", *(str(part) for part in first["loc"])])
            raise EngineError(field, str(first["msg"]).removeprefix("Value error, ")) from None
    calendar = _support_calendar(hours, region)
    always = SupportCalendar.twenty_four_seven(calendar.timezone)
    clock_rules = ClockRules(
        targets={s.level: s.target.to_duration() for s in policy.severities},
        calendars={
            s.level: always if s.calendar == "always" else calendar for s in policy.severities
        },
        warn_fractions=tuple(
            Fraction(Decimal(item)) / 100 for item in policy.clock.warn_at_percent
        ),
        allow_pause=policy.clock.allow_pause,
        restoration_contest_seconds=policy.clock.restoration_contest_hours * 3600,
    )
    availability = policy.availability
    maintenance = MaintenanceSchedule(
        timezone=availability.maintenance.timezone,
        weekly=tuple(window.to_window() for window in availability.maintenance.weekly),
    )
    zone_name = reporting_timezone or policy.reporting_timezone
    if zone_name == REGION:
        zone_name = region.timezone
    zone(zone_name, "reporting_timezone")
    return ContractTerms(
        policy=policy,
        region=region,
        modules=availability.modules,
        target=policy.target,
        reporting_timezone=zone_name,
        maintenance=maintenance,
        maintenance_mode=availability.maintenance_mode,
        adhoc_notice_hours=availability.maintenance.adhoc_notice_hours,
        min_outage_seconds=availability.min_outage_seconds,
        impact_weights=availability.weights,
        support_calendar=calendar,
        clock_rules=clock_rules,
        penalties=parse_penalty_schedule(
            penalties if penalties is not None else policy.penalties, "penalties"
        ),
        assumptions=policy.assumptions,
    )


def _support_calendar(hours: SupportHoursModel, region: Region) -> SupportCalendar:
    timezone = region.timezone if hours.timezone == REGION else hours.timezone
    data = hours._calendar_data(timezone)
    if hours.region_holidays and region.holiday_country and not hours.always:
        holiday_set = {"country": region.holiday_country}
        if region.holiday_subdiv:
            holiday_set["subdiv"] = region.holiday_subdiv
        data["holiday_sets"] = [holiday_set]
    return SupportCalendar.from_dict(data, "support_hours")
