"""The monthly SLA report as data: what the HTML page, the PDF, the CSV and the JSON export all
show. The JSON export is this model (`accord.report/1`); docs/reports.md documents each field.

Exact numbers travel as strings ("99.842", "1234.5", "250.00") so no reader's float parser can
round them; instants are ISO 8601 in UTC with a `Z`; durations are whole seconds.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from accord.engine import statements

SCHEMA = "accord.report/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    slug: str
    name: str
    region_code: str
    region_name: str


class Period(_Model):
    month: str  # YYYY-MM
    timezone: str  # IANA zone the month is measured in
    start: str  # first instant (UTC)
    end: str  # first instant after the month (UTC)
    minutes: int
    cutoff: str  # the instant the report's figures are taken at (UTC)
    provisional: bool  # the cut-off has not passed yet: figures so far


class OutageLine(_Model):
    source: str  # probe, alertmanager, webhook, incident, ticket
    source_label: str
    impact: str
    weight: str  # the contract's weight of this impact, "1", "0.5"
    start: str
    end: str  # the outage's end, or the cut-off while it lasted beyond it
    ongoing: bool
    counted_seconds: str  # this outage's part of the downtime on its own (overlaps count once)
    customer_only: bool  # hit only this customer
    reference: str
    note: str


class DayUptime(_Model):
    date: str  # local date in the period's time zone
    uptime_percent: str  # floored to 3 decimals
    downtime_seconds: str
    met: bool


class ModuleUptime(_Model):
    module: str  # slug
    module_name: str
    region: str  # region code
    period_seconds: int
    maintenance_seconds: int
    eligible_seconds: int
    downtime_seconds: str  # exact; weighted partial outages can make it fractional
    uptime_percent: str  # floored to 3 decimals, never rounded up into compliance
    uptime_exact: str  # the uptime fraction "numerator/denominator" the verdict is decided on
    target_percent: str
    met: bool
    outages: list[OutageLine]
    daily: list[DayUptime]


class TicketLine(_Model):
    id: int
    summary: str
    module: str
    status: str
    reported_at: str
    severity: int | None  # in force at the cut-off
    severity_designated: int | None  # what the customer designated
    outcome: str  # met, breached, open, no_severity
    used_seconds: int
    target_seconds: int | None
    breached_at: str | None
    carried_over: bool  # reported before this month and still open at the last cut-off
    # The month (YYYY-MM) whose report counted this ticket met before it was reopened after
    # that report's cut-off; None otherwise, and then absent from the JSON, so a report without
    # such a ticket has the same canonical form (and hash) as before the field existed.
    reopened_from: str | None = None

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if data.get("reopened_from") is None:
            data.pop("reopened_from", None)
        return data


class SeveritySummary(_Model):
    severity: int
    name: str
    target: str  # "4 hours", "2 days" (support time)
    tickets: int
    met: int
    breached: int
    open: int
    median_used_seconds: int | None  # nearest rank, over every ticket of this severity
    p90_used_seconds: int | None
    used_percent_of_target: list[str]  # one per ticket, for the distribution plot


class Dispute(_Model):
    ticket_id: int
    summary: str
    designated: int | None
    proposed: list[int]
    # severity: open, agreed, disputed (rejected, unresolved), settled (by a meeting);
    # restorations: restoration_contested, restoration_disputed
    outcome: str
    severity_in_force: int | None
    detail: str  # who agreed, how; or why the customer's severity stands


class StatementLine(_Model):
    rule: str  # uptime_tier, breach, cap
    subject: str
    detail: str
    quantity: int
    percent: str | None
    amount: str | None


class Statement(_Model):
    currency: str
    monthly_fee: str | None
    lines: list[StatementLine]
    total_percent: str
    total_amount: str | None
    capped: bool

    @classmethod
    def of(cls, result: statements.Statement) -> Statement:
        """The engine's statement as the report has it: decimals as strings."""
        return cls(
            currency=result.currency,
            monthly_fee=_text(result.monthly_fee),
            lines=[
                StatementLine(
                    rule=line.rule,
                    subject=line.subject,
                    detail=line.detail,
                    quantity=line.quantity,
                    percent=_text(line.percent),
                    amount=_text(line.amount),
                )
                for line in result.lines
            ],
            total_percent=str(result.total_percent),
            total_amount=_text(result.total_amount),
            capped=result.capped,
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class Report(_Model):
    schema_: str = SCHEMA
    customer: Customer
    period: Period
    policy: str  # the policy id the contract is based on
    assumptions: list[str]
    uptime: list[ModuleUptime]
    severities: list[SeveritySummary]
    tickets: list[TicketLine]
    disputes: list[Dispute]
    statement: Statement

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json_data(self) -> dict[str, object]:
        data = self.model_dump(mode="json", by_alias=True)
        data["schema"] = data.pop("schema_")
        return {"schema": data.pop("schema"), **data}

    @classmethod
    def from_json_data(cls, data: dict[str, object]) -> Report:
        copy = dict(data)
        copy["schema_"] = copy.pop("schema", SCHEMA)
        return cls.model_validate(copy)

    @property
    def breached_tickets(self) -> list[TicketLine]:
        return [t for t in self.tickets if t.outcome == "breached"]
