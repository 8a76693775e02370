"""Monthly delivery: each customer's report, PDF attached, to its customer admins at the month's
cut-off, once (docs/reports.md, "Delivery").

Everything is a `Job` row claimed by `accord worker` like every other job; nothing is held in
memory:

- `report_deliver`, key `report:<organisation id>:<YYYY-MM>`, due at the month's cut-off (00:00
  on `ACCORD_REPORT_DAY` of the next month in the contract's reporting time zone). Its handler
  runs in the transaction that marks the job done (an atomic handler): it freezes the month
  (`services.freeze`, idempotent), enqueues one `report_email` job per customer admin (unique
  keys, `INSERT ... ON CONFLICT DO NOTHING`) and the next month's `report_deliver` job. Either
  all of that commits with the job marked done, or none of it does and the job is claimed again
  (after its lease, if the worker died).
- `report_email`, key `report-email:<organisation id>:<YYYY-MM>:user-<id>`: renders the frozen
  version's PDF and sends the email, outside any transaction (SMTP is network I/O), retried with
  backoff when the mail server fails. This is the outbox of every email (`accord.work.outbox`):
  the decision to send is taken once, in the database; the send itself is at-least-once at
  the SMTP boundary (a worker killed after the server accepted the message and before the job
  is marked done sends it again, with the same Message-ID).
- `issue_due_reports` (run by `accord worker` every minute, before it claims jobs) freezes the
  due months of all organisations in one pass (`services.freeze_many`), so that their
  `report_deliver` jobs find the version frozen (`_freeze`); a job run before it freezes its own.
- `plan_reports` (run by `accord worker` at start and every `PLAN_INTERVAL`) gives every
  organisation with a contract and no pending report job the job of its next report: the
  earliest month whose cut-off is still ahead. After that each month's job schedules the next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

from accord.accounts.models import Contract, Organisation, Role, User
from accord.core.display import format_span, format_when, recipient_language
from accord.core.links import absolute_url
from accord.core.message_ids import mail_domain
from accord.engine.timeutil import from_epoch, to_epoch, zone
from accord.reports import schema
from accord.reports.build import Month
from accord.reports.models import ReportVersion
from accord.reports.render import format_percent
from accord.reports.services import MonthNotClosed, freeze, freeze_many, latest_version
from accord.work import services as work
from accord.work.models import Job, JobState
from accord.work.outbox import enqueue_many

logger = logging.getLogger(__name__)

DELIVER = "report_deliver"
EMAIL = "report_email"
# How often `accord worker` looks for organisations without a next report job.
PLAN_INTERVAL = timedelta(hours=1)


def deliver_key(organisation_id: int, month: str) -> str:
    return f"report:{organisation_id}:{month}"


def email_key(organisation_id: int, month: str, user_id: int) -> str:
    return f"report-email:{organisation_id}:{month}:user-{user_id}"


# --- months ---------------------------------------------------------------------------------


def month_name(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def following_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def preceding_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def next_report_month(contract: Contract, *, now: datetime) -> str:
    """The earliest month whose report is still to come: the previous month while its cut-off
    is ahead (the first days of a month), else the current one, in the reporting time zone;
    never a month before the contract starts."""
    timezone = contract.terms.reporting_timezone
    current = month_name(now.astimezone(zone(timezone)).date())
    previous = preceding_month(current)
    month = previous if to_epoch(now) < Month.of(previous, timezone).cutoff else current
    if contract.starts_on is not None:
        month = max(month, month_name(contract.starts_on))
    return month


def _deliver_job(organisation_id: int, month: str, timezone: str) -> Job:
    return Job(
        key=deliver_key(organisation_id, month),
        kind=DELIVER,
        due_at=from_epoch(Month.of(month, timezone).cutoff),
        payload={"organisation": organisation_id, "month": month},
    )


# --- planning -------------------------------------------------------------------------------


def plan_reports(*, now: datetime) -> int:
    """Give every organisation with a contract and no pending (or running) report job the job
    of its next report; the number of jobs created. Two reads when every organisation has its
    job already; the contracts are resolved only for those that do not."""
    planned = {
        int(key.split(":")[1])
        for key in Job.objects.filter(
            kind=DELIVER, state__in=[JobState.PENDING, JobState.RUNNING]
        ).values_list("key", flat=True)
    }
    missing = Contract.objects.exclude(organisation_id__in=planned).select_related(
        "organisation__region"
    )
    jobs = []
    for contract in missing:
        try:
            month = next_report_month(contract, now=now)
            job = _deliver_job(contract.organisation_id, month, contract.terms.reporting_timezone)
        except Exception:  # one broken contract must not stop the others' reports (or the worker)
            logger.exception("no report job for organisation %s", contract.organisation_id)
            continue
        jobs.append(job)
    if not jobs:
        return 0
    before = Job.objects.filter(key__in=[job.key for job in jobs]).count()
    enqueue_many(jobs)
    created = Job.objects.filter(key__in=[job.key for job in jobs]).count() - before
    if created:
        logger.info("planned %s monthly report job(s)", created)
    return created


# --- the month's job ------------------------------------------------------------------------


def _record(job: Job, outcome: str) -> None:
    """What the job did, on its row (the admin shows it)."""
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "outcome": outcome})


def recipients(organisation: Organisation) -> list[User]:
    """The organisation's active customer admins with an address."""
    return list(
        User.objects.filter(organisation=organisation, role=Role.CUSTOMER_ADMIN, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


@work.handler(DELIVER)
def deliver_report(job: Job, now: datetime) -> None:
    """Freeze the month's report and enqueue its emails and the next month's job, in the
    transaction that marks this job done: once, however often the job is claimed."""
    organisation_id, month = int(job.payload["organisation"]), str(job.payload["month"])
    organisation = (
        Organisation.objects.select_related("contract", "region").filter(pk=organisation_id).first()
    )
    if organisation is None or not Contract.objects.filter(organisation=organisation).exists():
        return _record(job, "skipped: no such organisation or no contract")
    timezone = organisation.contract.terms.reporting_timezone
    cutoff = Month.of(month, timezone).cutoff
    if to_epoch(now) < cutoff:  # the zone or the report day changed since it was planned
        raise work.Defer(from_epoch(cutoff), f"{month} closes at its cut-off")
    version, created = _freeze(organisation, month, now)
    people = recipients(organisation)
    jobs = [
        Job(
            key=email_key(organisation.pk, month, person.pk),
            kind=EMAIL,
            due_at=now,
            payload={
                "organisation": organisation.pk,
                "month": month,
                "version": version.pk,
                "user": person.pk,
                "to": person.email,
            },
        )
        for person in people
    ]
    following = following_month(month)
    jobs.append(_deliver_job(organisation.pk, following, timezone))
    enqueue_many(jobs)
    frozen = f"version {version.version} {'frozen' if created else 'already frozen'}"
    if people:
        _record(job, f"{frozen}; email queued for {len(people)} customer admin(s)")
    else:
        logger.warning(
            "report %s %s: %s, but the organisation has no active customer admin with an "
            "address: nothing sent",
            organisation.slug,
            month,
            frozen,
        )
        _record(job, f"{frozen}; no customer admin to send it to: nothing sent")


# --- the month-end batch --------------------------------------------------------------------

# How often `accord worker` freezes, in one pass, the months whose report jobs are due.
ISSUE_INTERVAL = timedelta(minutes=1)
# Fewer due jobs of a month than this: each job freezes its own report.
MIN_BATCH = 2
# (organisation id, month) -> (version id, whether the batch created it), until its job runs.
_frozen_by_batch: dict[tuple[int, str], tuple[int, bool]] = {}


def issue_due_reports(*, now: datetime) -> int:
    """Freeze in one pass (`services.freeze_many`: the reports built together, the versions
    stored in bulk) the month of every organisation whose `report_deliver` job is due; its
    job then finds the version frozen and only enqueues the emails. Run by `accord worker`
    before it claims jobs, outside any job's transaction; the number of reports frozen. A job
    run before this, by another worker or after a restart freezes its own report as before
    (`freeze` is idempotent)."""
    due = Job.objects.filter(kind=DELIVER, state=JobState.PENDING, due_at__lte=now)
    by_month: dict[str, list[int]] = {}
    for payload in due.values_list("payload", flat=True):
        month, organisation_id = str(payload["month"]), int(payload["organisation"])
        if (organisation_id, month) not in _frozen_by_batch:  # frozen by an earlier pass
            by_month.setdefault(month, []).append(organisation_id)
    count = 0
    for month, ids in sorted(by_month.items()):
        if len(ids) < MIN_BATCH:
            continue
        organisations = list(
            Organisation.objects.filter(pk__in=ids, contract__isnull=False).select_related(
                "contract", "region"
            )
        )
        for organisation_id, frozen in freeze_many(
            organisations, month, now=now, reason="Monthly delivery"
        ).items():
            if frozen.version is not None:
                _frozen_by_batch[(organisation_id, month)] = (frozen.version.pk, frozen.created)
                count += 1
            elif not isinstance(frozen.error, MonthNotClosed):
                logger.warning("report %s %s not frozen: %s", organisation_id, month, frozen.error)
    if count:
        logger.info("froze %s monthly report(s) in one pass", count)
    return count


def _freeze(organisation: Organisation, month: str, now: datetime) -> tuple[ReportVersion, bool]:
    """The version `issue_due_reports` froze for this job, if it is still the latest; else
    `freeze`."""
    frozen = _frozen_by_batch.pop((organisation.pk, month), None)
    if frozen is not None:
        latest = latest_version(organisation, month)
        if latest is not None and latest.pk == frozen[0]:
            return latest, frozen[1]
    return freeze(organisation, month, now=now, reason="Monthly delivery")


# --- the email ------------------------------------------------------------------------------


def report_url(slug: str, month: str) -> str:
    """The report's page on the configured base URL (never a request's Host header)."""
    path = reverse("report_detail", kwargs={"slug": slug, "month": month})
    return absolute_url(path)


def attachment_name(report: schema.Report) -> str:
    return f"{report.customer.slug}-{report.period.month}-sla-report.pdf"


def message_id(version: ReportVersion, user_id: int) -> str:
    return (
        f"<report-{version.organisation_id}-{version.month}-v{version.version}."
        f"user-{user_id}@{mail_domain()}>"
    )


def _month_title(month: str) -> str:
    """ "October 2026" ("Oktober 2026" in German): the active language's month name."""
    return date_format(date(int(month[:4]), int(month[5:7]), 1), "F Y")


@dataclass(frozen=True)
class Summary:
    """What the email says about the month, for both of its bodies."""

    title: str
    customer: str
    timezone: str
    cutoff: str
    version: int
    issued: str
    content_hash: str
    modules: list[dict[str, Any]]
    all_met: bool
    severities: list[dict[str, Any]]
    tickets: int
    breached: list[dict[str, Any]]
    more_breached: int
    disputes: int
    credit: str
    capped: bool
    url: str
    filename: str


BREACHES_LISTED = 10


def summarise(report: schema.Report, version: ReportVersion) -> Summary:
    tz = report.period.timezone
    cutoff = datetime.fromisoformat(report.period.cutoff.replace("Z", "+00:00"))
    statement = report.statement
    percent = format_percent(statement.total_percent)
    if statement.total_amount is not None:
        credit = gettext("%(amount)s %(currency)s (%(percent)s of the monthly fee)") % {
            "amount": statement.total_amount,
            "currency": statement.currency,
            "percent": percent,
        }
    else:
        credit = gettext("%(percent)s of the monthly fee") % {"percent": percent}
    if Decimal(statement.total_percent) == 0 and Decimal(statement.total_amount or 0) == 0:
        credit = gettext("none: no service credit is owed for this month")
    breached = report.breached_tickets
    return Summary(
        title=_month_title(report.period.month),
        customer=report.customer.name,
        timezone=tz,
        cutoff=format_when(cutoff, tz),
        version=version.version,
        issued=format_when(version.created_at, tz),
        content_hash=version.content_hash,
        modules=[
            {
                "name": module.module_name,
                "region": module.region,
                "uptime": format_percent(module.uptime_percent),
                "target": format_percent(module.target_percent),
                "met": module.met,
                "outages": len(module.outages),
            }
            for module in report.uptime
        ],
        all_met=all(module.met for module in report.uptime),
        severities=[
            {
                "severity": s.severity,
                "name": s.name,
                "target": s.target,
                "tickets": s.tickets,
                "met": s.met,
                "breached": s.breached,
                "open": s.open,
            }
            for s in report.severities
            if s.tickets
        ],
        tickets=len(report.tickets),
        breached=[
            {
                "id": t.id,
                "summary": t.summary,
                "severity": t.severity,
                "used": format_span(t.used_seconds),
                "target": format_span(t.target_seconds),
                "reopened_from": t.reopened_from,
            }
            for t in breached[:BREACHES_LISTED]
        ],
        more_breached=max(0, len(breached) - BREACHES_LISTED),
        disputes=len(report.disputes),
        credit=credit,
        capped=statement.capped,
        url=report_url(report.customer.slug, report.period.month),
        filename=attachment_name(report),
    )


_pdf_cache: dict[tuple[int, str], bytes] = {}


def report_pdf(report: schema.Report, version: ReportVersion) -> bytes:
    """The version's PDF in the active language; the last one is kept, so the emails of one
    organisation (sent one after the other by one worker) render it once per language."""
    key = (version.pk, translation.get_language() or settings.LANGUAGE_CODE)
    cached = _pdf_cache.get(key)
    if cached is None:
        from accord.reports import render  # WeasyPrint is imported only when needed

        cached = render.report_pdf(report, version)
        _pdf_cache.clear()
        _pdf_cache[key] = cached
    return cached


def build_email(version: ReportVersion, person: User) -> EmailMultiAlternatives:
    """The email of a frozen report to one person, in their language (`User.language`): a
    text and an HTML summary, the PDF attached."""
    with translation.override(recipient_language(person)):
        return _build_email(version, person)


def _build_email(version: ReportVersion, person: User) -> EmailMultiAlternatives:
    report = schema.Report.from_json_data(version.data)
    summary = summarise(report, version)
    context = {"s": summary, "person": person}
    message = EmailMultiAlternatives(
        subject=gettext("SLA report for %(month)s: %(customer)s")
        % {"month": summary.title, "customer": summary.customer},
        body=render_to_string("reports/email/report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        reply_to=[settings.ACCORD_SUPPORT_ADDRESS],
        headers={
            "Message-ID": message_id(version, person.pk),
            "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies, please
            "X-Auto-Response-Suppress": "All",
            "X-Accord-Report": f"{report.customer.slug} {report.period.month} v{version.version}",
        },
    )
    message.attach_alternative(render_to_string("reports/email/report.html", context), "text/html")
    message.attach(summary.filename, report_pdf(report, version), "application/pdf")
    return message


@work.handler(EMAIL, atomic=False)
def send_report_email(job: Job, now: datetime) -> None:
    """Send one customer admin the month's report. At-least-once: a worker killed between the
    SMTP server's acceptance and the job's commit sends it again, with the same Message-ID."""
    payload = job.payload
    person = User.objects.filter(
        pk=payload["user"],
        organisation_id=payload["organisation"],
        role=Role.CUSTOMER_ADMIN,
        is_active=True,
    ).first()
    if person is None or not person.email:
        logger.info("report email %s not sent: the recipient is no longer an admin", job.key)
        return
    version = ReportVersion.objects.get(pk=payload["version"])
    if not Job.objects.filter(pk=job.pk, state=JobState.RUNNING, locked_by=job.locked_by).exists():
        logger.info("report email %s not sent: another worker took the job over", job.key)
        return
    build_email(version, person).send(fail_silently=False)
    logger.info(
        "sent the %s report of organisation %s to %s",
        version.month,
        version.organisation_id,
        person.email,
    )
