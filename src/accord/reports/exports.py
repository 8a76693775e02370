"""The report as JSON (the `accord.report/1` schema) and as one CSV table.

The CSV has one row per record and a fixed set of columns (docs/reports.md, "CSV"); the
`record` column says what a row is: uptime, outage, severity, ticket, dispute, penalty, total.
Columns that do not apply to a record are empty.
"""

from __future__ import annotations

import csv
import io
import json

from accord.reports import schema

CSV_COLUMNS = [
    "record",
    "month",
    "module",
    "severity",
    "ticket_id",
    "summary",
    "start",
    "end",
    "source",
    "outcome",
    "used_seconds",
    "p90_used_seconds",
    "restore_seconds",
    "target_seconds",
    "tickets",
    "met_count",
    "breached_count",
    "open_count",
    "eligible_seconds",
    "downtime_seconds",
    "counted_seconds",
    "uptime_percent",
    "target_percent",
    "met",
    "rule",
    "detail",
    "percent",
    "amount",
]


# A ticket's time to restore is the support time its clock used, once service is back.
RESTORED = frozenset({"restored", "fix_delivered", "closed"})


def report_json(report: schema.Report) -> str:
    return json.dumps(report.to_json_data(), indent=2, ensure_ascii=False) + "\n"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def report_csv(report: schema.Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    month = report.period.month

    def row(record: str, **values: object) -> None:
        writer.writerow({"record": record, "month": month, **values})

    for m in report.uptime:
        row(
            "uptime",
            module=m.module,
            eligible_seconds=m.eligible_seconds,
            downtime_seconds=m.downtime_seconds,
            uptime_percent=m.uptime_percent,
            target_percent=m.target_percent,
            met=_yes(m.met),
        )
        for o in m.outages:
            row(
                "outage",
                module=m.module,
                start=o.start,
                end=o.end,
                source=o.source,
                detail=o.impact,
                counted_seconds=o.counted_seconds,
            )
    for s in report.severities:
        row(
            "severity",
            severity=s.severity,
            summary=s.name,
            tickets=s.tickets,
            met_count=s.met,
            breached_count=s.breached,
            open_count=s.open,
            used_seconds="" if s.median_used_seconds is None else s.median_used_seconds,
            p90_used_seconds="" if s.p90_used_seconds is None else s.p90_used_seconds,
            detail=s.target,
        )
    for t in report.tickets:
        row(
            "ticket",
            module=t.module,
            severity="" if t.severity is None else t.severity,
            ticket_id=t.id,
            summary=t.summary,
            start=t.reported_at,
            end=t.breached_at or "",
            outcome=t.outcome,
            used_seconds=t.used_seconds,
            restore_seconds=t.used_seconds if t.status in RESTORED else "",
            target_seconds="" if t.target_seconds is None else t.target_seconds,
            detail=(
                ""
                if t.reopened_from is None
                else f"reopened after the {t.reopened_from} report, which counted it met"
            ),
        )
    for d in report.disputes:
        row(
            "dispute",
            ticket_id=d.ticket_id,
            severity="" if d.severity_in_force is None else d.severity_in_force,
            summary=d.summary,
            outcome=d.outcome,
            detail=d.detail,
        )
    for line in report.statement.lines:
        row(
            "penalty",
            rule=line.rule,
            summary=line.subject,
            detail=line.detail,
            percent=line.percent or "",
            amount=line.amount or "",
        )
    row(
        "total",
        detail=report.statement.currency,
        percent=report.statement.total_percent,
        amount=report.statement.total_amount or "",
    )
    return out.getvalue()
