"""The schemas of the reports API (`accord.reports.api`)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from accord.accounts.api import Clean, SlugQuery, UtcDateTime

ReportState = Literal["provisional", "closed", "frozen"]


class ReportFilters(Clean):
    organisation: SlugQuery | None = Field(
        default=None, description="Organisation slug (the staff; a customer admin's own)"
    )
    month: str | None = Field(
        default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM"
    )


class ReportLinks(Schema):
    api: str = Field(description="This report's figures as JSON (this API)")
    page: str = Field(description="The report page (a signed-in browser session)")
    pdf: str = Field(description="The PDF export (a signed-in browser session)")
    csv: str = Field(description="The CSV export (a signed-in browser session)")


class ReportSummary(Schema):
    organisation: str = Field(description="Organisation slug")
    name: str
    month: str = Field(description="YYYY-MM in the contract's reporting time zone")
    state: ReportState = Field(
        description="provisional: the month is open, figures so far; closed: past its cut-off, "
        "not frozen yet (reading it freezes version 1); frozen: a stored version"
    )
    version: int | None = Field(description="The latest frozen version; null: none yet")
    links: ReportLinks


class ReportList(Schema):
    count: int
    items: list[ReportSummary]


class ReportVersionOut(Schema):
    version: int
    created_at: UtcDateTime
    reason: str
    changes: list[str]
    content_hash: str = Field(description="SHA-256 of the report's canonical JSON")


class ReportOut(ReportSummary):
    frozen_at: UtcDateTime | None = Field(description="When the version shown was stored")
    versions: list[ReportVersionOut] = Field(description="Every frozen version, newest first")
    report: dict[str, Any] = Field(
        description="The report, schema accord.report/1 (docs/reports.md): the same data as "
        "the page, the PDF and the JSON export; exact numbers as strings"
    )
