"""Reports as people get them: live (provisional) until the month's cut-off, then frozen.

`report_for` is the one way pages, exports, the command and the worker obtain a report.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from accord.accounts.models import Contract, Organisation, User
from accord.core.errors import StateConflict
from accord.engine.timeutil import to_epoch
from accord.reports import schema
from accord.reports.batch import build_reports, iter_reports
from accord.reports.build import build_report, report_month
from accord.reports.models import ReportVersion


class MonthNotClosed(StateConflict):
    """A month's report can be frozen only after its cut-off (a core state conflict, 409)."""


def canonical_json(data: object) -> bytes:
    """The bytes a report's hash is taken of: keys sorted, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(report: schema.Report) -> str:
    return hashlib.sha256(canonical_json(report.to_json_data())).hexdigest()


@dataclass(frozen=True)
class Issued:
    report: schema.Report
    version: ReportVersion | None  # None while the month is open (a provisional report)


def is_closed(organisation: Organisation, month: str, *, now: datetime) -> bool:
    return to_epoch(now) >= report_month(organisation, month).cutoff


def latest_version(organisation: Organisation, month: str) -> ReportVersion | None:
    return (
        ReportVersion.objects.filter(organisation=organisation, month=month)
        .order_by("-version")
        .first()
    )


def report_for(organisation: Organisation, month: str, *, now: datetime) -> Issued:
    """The latest frozen version of a closed month (freezing it on first use), or the live
    provisional report of an open one."""
    if not is_closed(organisation, month, now=now):
        return Issued(build_report(organisation, month, now=now), None)
    version = latest_version(organisation, month)
    if version is None:
        version, _ = freeze(organisation, month, now=now)
    return Issued(schema.Report.from_json_data(version.data), version)


def freeze(
    organisation: Organisation,
    month: str,
    *,
    now: datetime,
    actor: User | None = None,
    reason: str = "",
) -> tuple[ReportVersion, bool]:
    """Store the closed month's report as it stands now. A new version only when its content
    differs from the latest one (regenerating an unchanged month is a no-op): returns the
    version and whether it is new."""
    if not is_closed(organisation, month, now=now):
        raise MonthNotClosed(f"month: {month} is still open; its report is provisional")
    report = build_report(organisation, month, now=now)
    digest = content_hash(report)
    for _attempt in range(3):
        latest = latest_version(organisation, month)
        if latest is not None and latest.content_hash == digest:
            return latest, False
        changes = (
            []
            if latest is None
            else describe_changes(schema.Report.from_json_data(latest.data), report)
        )
        try:
            with transaction.atomic():
                version = ReportVersion.objects.create(
                    organisation=organisation,
                    month=month,
                    version=1 if latest is None else latest.version + 1,
                    data=report.to_json_data(),
                    content_hash=digest,
                    reason=reason or ("First issue" if latest is None else "Correction"),
                    changes=changes,
                    created_at=now,
                    created_by=actor,
                )
            return version, True
        except IntegrityError:
            continue  # another process froze the same month at the same moment: read again
    raise RuntimeError(f"could not store the report of {organisation.slug} {month}")


def describe_changes(old: schema.Report, new: schema.Report) -> list[str]:
    """What a correction changed, one sentence per figure a reader would compare."""
    changes: list[str] = []
    old_uptime = {m.module: m for m in old.uptime}
    for module in new.uptime:
        before = old_uptime.pop(module.module, None)
        if before is None:
            changes.append(f"{module.module_name}: added ({module.uptime_percent}%)")
        elif before.uptime_percent != module.uptime_percent or before.met != module.met:
            changes.append(
                f"{module.module_name} uptime {before.uptime_percent}% -> "
                f"{module.uptime_percent}%"
                + (
                    ""
                    if before.met == module.met
                    else f" ({'met' if module.met else 'not met'} now)"
                )
            )
        elif before.outages != module.outages:
            changes.append(f"{module.module_name}: outage list changed, uptime unchanged")
    for gone in old_uptime.values():
        changes.append(f"{gone.module_name}: no longer covered")
    old_severity = {s.severity: s for s in old.severities}
    for summary in new.severities:
        before = old_severity.get(summary.severity)
        if before is None:
            continue
        for label in ("tickets", "met", "breached", "open"):
            a, b = getattr(before, label), getattr(summary, label)
            if a != b:
                changes.append(f"Severity {summary.severity} {label}: {a} -> {b}")
    old_tickets = {t.id: t for t in old.tickets}
    for ticket in new.tickets:
        before = old_tickets.pop(ticket.id, None)
        if before is None:
            changes.append(f"Ticket #{ticket.id} added ({ticket.outcome})")
        elif (before.outcome, before.severity) != (ticket.outcome, ticket.severity):
            changes.append(
                f"Ticket #{ticket.id}: severity {before.severity} {before.outcome} -> "
                f"severity {ticket.severity} {ticket.outcome}"
            )
    for gone in old_tickets.values():
        changes.append(f"Ticket #{gone.id} removed")
    old_total = (old.statement.total_amount, old.statement.total_percent)
    new_total = (new.statement.total_amount, new.statement.total_percent)
    if old_total != new_total:
        changes.append(f"Penalty total {_total(old.statement)} -> {_total(new.statement)}")
    if old.assumptions != new.assumptions:
        changes.append("The assumptions printed on the report changed")
    if not changes:
        changes.append("Wording or detail changed; no figure changed")
    return changes


def _total(statement: schema.Statement) -> str:
    if statement.total_amount is not None:
        return f"{statement.total_amount} {statement.currency}"
    return f"{statement.total_percent}% of the monthly fee"


# The reports' part in the contract terms rules (registered in ReportsConfig.ready through
# accord.accounts.terms.on_terms).


def latest_frozen_month(contract: Contract, since: date) -> str | None:
    """The latest month from `since` on whose report is frozen: a new version of the terms
    cannot take effect in or before it."""
    return (
        ReportVersion.objects.filter(
            organisation_id=contract.organisation_id, month__gte=f"{since:%Y-%m}"
        )
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def has_reports(contract: Contract) -> bool:
    return ReportVersion.objects.filter(organisation_id=contract.organisation_id).exists()


# ---------------------------------------------------------------------------------------------
# Every customer's month at once (docs/reports.md, "Every customer's month")

# Report versions stored in one INSERT (and one transaction).
BULK_BATCH = 500


@dataclass(frozen=True)
class Frozen:
    """One customer's outcome in `freeze_many`: its version and whether it is new, or the error
    that kept its report from being built."""

    version: ReportVersion | None
    created: bool
    error: Exception | None = None


def _latest_versions(organisation_ids: list[int], month: str) -> dict[int, ReportVersion]:
    latest: dict[int, ReportVersion] = {}
    for version in ReportVersion.objects.filter(organisation_id__in=organisation_ids, month=month):
        if (
            version.organisation_id not in latest
            or version.version > latest[version.organisation_id].version
        ):
            latest[version.organisation_id] = version
    return latest


def freeze_many(
    organisations: list[Organisation],
    month: str,
    *,
    now: datetime,
    reason: str = "",
    actor: User | None = None,
) -> dict[int, Frozen]:
    """`freeze` of every organisation (with its contract and region selected) for a closed
    month, the reports built in one pass (`batch.iter_reports`) and the new versions stored
    `BULK_BATCH` at a time with `bulk_create`, by organisation id. A customer whose month is
    still open, or whose report cannot be built, gets its error, not a version. A batch that
    meets a version stored meanwhile (another process) is frozen one by one (`freeze`)."""
    answer: dict[int, Frozen] = {}
    closed = []
    for organisation in organisations:
        try:
            if is_closed(organisation, month, now=now):
                closed.append(organisation)
            else:
                error = MonthNotClosed(f"month: {month} is still open; its report is provisional")
                answer[organisation.pk] = Frozen(None, False, error)
        except Exception as error:  # broken terms: no zone to close the month in
            answer[organisation.pk] = Frozen(None, False, error)
    by_id = {o.pk: o for o in closed}
    pending: list[tuple[Organisation, schema.Report]] = []
    for organisation_id, report in iter_reports(closed, month, now=now):
        if isinstance(report, Exception):
            answer[organisation_id] = Frozen(None, False, report)
            continue
        pending.append((by_id[organisation_id], report))
        if len(pending) >= BULK_BATCH:
            answer.update(_store(pending, month, now=now, reason=reason, actor=actor))
            pending = []
    if pending:
        answer.update(_store(pending, month, now=now, reason=reason, actor=actor))
    return answer


def _store(
    built: list[tuple[Organisation, schema.Report]],
    month: str,
    *,
    now: datetime,
    reason: str,
    actor: User | None,
) -> dict[int, Frozen]:
    latest = _latest_versions([o.pk for o, _ in built], month)
    answer: dict[int, Frozen] = {}
    new: list[ReportVersion] = []
    for organisation, report in built:
        data = report.to_json_data()
        digest = hashlib.sha256(canonical_json(data)).hexdigest()
        before = latest.get(organisation.pk)
        if before is not None and before.content_hash == digest:
            answer[organisation.pk] = Frozen(before, False)
            continue
        changes = (
            []
            if before is None
            else describe_changes(schema.Report.from_json_data(before.data), report)
        )
        new.append(
            ReportVersion(
                organisation=organisation,
                month=month,
                version=1 if before is None else before.version + 1,
                data=data,
                content_hash=digest,
                reason=reason or ("First issue" if before is None else "Correction"),
                changes=changes,
                created_at=now,
                created_by=actor,
            )
        )
    try:
        with transaction.atomic():
            ReportVersion.objects.bulk_create(new)
    except IntegrityError:  # another process froze some of them meanwhile: one at a time
        for version in new:
            organisation = version.organisation
            answer[organisation.pk] = Frozen(
                *freeze(organisation, month, now=now, actor=actor, reason=reason)
            )
        return answer
    for version in new:
        answer[version.organisation_id] = Frozen(version, True)
    return answer


def issue_many(
    organisations: list[Organisation], month: str, *, now: datetime
) -> dict[int, Issued]:
    """`report_for` of every organisation, by organisation id: the latest frozen version of a
    closed month (the months never frozen are frozen together, `freeze_many`), the live report
    of an open one (built together). Raises the first customer's error, as `report_for` would."""
    answer: dict[int, Issued] = {}
    open_ = [o for o in organisations if not is_closed(o, month, now=now)]
    for organisation_id, report in build_reports(open_, month, now=now).items():
        if isinstance(report, Exception):
            raise report
        answer[organisation_id] = Issued(report, None)
    closed = [o for o in organisations if o.pk not in answer]
    latest = _latest_versions([o.pk for o in closed], month)
    fresh = [o for o in closed if o.pk not in latest]
    for organisation_id, frozen in freeze_many(fresh, month, now=now).items():
        if frozen.error is not None:
            raise frozen.error
        assert frozen.version is not None
        latest[organisation_id] = frozen.version
    for organisation in closed:
        version = latest[organisation.pk]
        answer[organisation.pk] = Issued(schema.Report.from_json_data(version.data), version)
    return answer
