"""The report as a document: one template (`reports/_document.html`) for the page and the PDF.

Figures come from the report as they are: exact seconds are turned into minutes by exact
division, instants are shown in the report's time zone with the zone named. WeasyPrint makes
the PDF from the same HTML with print CSS, fetching nothing: the plots are inline SVG, the
fonts are the system's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from accord.core.display import format_span, format_when
from accord.engine.numbers import format_fraction
from accord.reports import plots, schema
from accord.reports.models import ReportVersion


def minutes(seconds: int | str) -> str:
    """Exact minutes with thousands separators: 2674800 -> "44,580", "150" -> "2.5"."""
    value = Fraction(seconds) / 60
    whole, _, part = format_fraction(value).partition(".")
    return f"{int(whole):,}" + (f".{part}" if part else "")


def when(iso: str | None, zone: str) -> str:
    if not iso:
        return "—"
    return format_when(datetime.fromisoformat(iso.replace("Z", "+00:00")), zone)


def money(amount: str | None, currency: str) -> str:
    if amount is None:
        return "—"
    return f"{Decimal(amount):,.2f} {currency}".replace("-", "−")


@dataclass(frozen=True)
class ModuleView:
    module: schema.ModuleUptime
    strip: SafeString
    outages: list[dict[str, Any]]


@dataclass(frozen=True)
class SeverityView:
    summary: schema.SeveritySummary
    median: str
    p90: str
    plot: SafeString | None


def context(report: schema.Report, version: ReportVersion | None) -> dict[str, Any]:
    zone = report.period.timezone
    statement = report.statement
    modules = [
        ModuleView(
            module=m,
            strip=mark_safe(plots.uptime_strip(m)),  # noqa: S308 - built from escaped parts
            outages=[
                {
                    "line": o,
                    "start": when(o.start, zone),
                    "end": when(o.end, zone) + (" (still going on)" if o.ongoing else ""),
                    "counted": minutes(o.counted_seconds),
                }
                for o in m.outages
            ],
        )
        for m in report.uptime
    ]
    severities = [
        SeverityView(
            summary=s,
            median=format_span(s.median_used_seconds),
            p90=format_span(s.p90_used_seconds),
            plot=mark_safe(plots.used_distribution(s)) if s.used_percent_of_target else None,  # noqa: S308
        )
        for s in report.severities
    ]
    breached = [
        {
            "line": t,
            "reported": when(t.reported_at, zone),
            "breached": when(t.breached_at, zone),
            "used": format_span(t.used_seconds),
            "target": format_span(t.target_seconds),
        }
        for t in report.breached_tickets
    ]
    lines = [
        {
            "line": line,
            "percent": "" if line.percent is None else f"{line.percent}%",
            "amount": money(line.amount, statement.currency),
        }
        for line in statement.lines
    ]
    return {
        "report": report,
        "version": version,
        "zone": zone,
        "cutoff": when(report.period.cutoff, zone),
        "period_minutes": f"{report.period.minutes:,}",
        "modules": modules,
        "modules_met": sum(1 for m in report.uptime if m.met),
        "severities": severities,
        "breached": breached,
        "statement_lines": lines,
        "total_amount": money(statement.total_amount, statement.currency),
        "fee": money(statement.monthly_fee, statement.currency),
        "open_tickets": [t for t in report.tickets if t.outcome in ("open", "no_severity")],
        "minutes": minutes,
    }


def report_html(
    report: schema.Report, version: ReportVersion | None, *, for_pdf: bool = False
) -> str:
    """The document alone (`for_pdf`: a whole HTML page with print CSS for WeasyPrint)."""
    template = "reports/pdf.html" if for_pdf else "reports/_document.html"
    data = context(report, version)
    data["uptime_rows"] = [
        {
            "view": view,
            "period": minutes(view.module.period_seconds),
            "maintenance": minutes(view.module.maintenance_seconds),
            "eligible": minutes(view.module.eligible_seconds),
            "downtime": minutes(view.module.downtime_seconds),
        }
        for view in data["modules"]
    ]
    return render_to_string(template, data)


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a report fetches nothing; refused {url[:60]}")


def report_pdf(report: schema.Report, version: ReportVersion | None) -> bytes:
    from weasyprint import HTML  # imported when a PDF is made: it loads Pango

    html = report_html(report, version, for_pdf=True)
    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_refuse).write_pdf()
    return pdf
