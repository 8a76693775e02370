"""The schemas of the contracts API (`accord.accounts.contract_api`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Schema

from accord.accounts.api import UtcDateTime


class ContractVersionOut(Schema):
    number: int
    effective_from: date | None = Field(description="null: since the contract began")
    in_force: bool = Field(description="The version in force today (the contract's time zone)")
    policy_id: str
    policy_text: str = Field(description="The policy's TOML as it was entered")
    policy_data: Any = Field(description="The policy as validated data (docs/sla-model.md)")
    support_hours: Any = Field(description="A calendar replacing the policy's; null: none")
    penalties: Any = Field(description="A penalty schedule replacing the policy's; null: none")
    reporting_timezone: str
    monthly_fee: str | None = Field(description='Exact decimal as a string, e.g. "2500.00"')
    note: str
    created_at: UtcDateTime
    created_by: str | None = Field(description="The author's email (the staff only; else null)")
    error: str = Field(description="Why the engine refuses these terms now; empty: valid")


class ContractSummary(Schema):
    organisation: str = Field(description="Organisation slug")
    name: str
    region: str = Field(description="Region code")
    policy_id: str = Field(description="The policy of the terms in force")
    reporting_timezone: str
    monthly_fee: str | None = Field(description="The latest version's fee, exact decimal")
    starts_on: date | None
    version_in_force: int | None = Field(description="The number of the version in force today")
    url: str


class ContractList(Schema):
    count: int
    items: list[ContractSummary]


class ContractOut(ContractSummary):
    versions: list[ContractVersionOut] = Field(description="Every version, newest first")
