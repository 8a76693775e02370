"""Report pages and exports. Customer admins see their own organisation's reports, the vendor's
staff every customer's; anyone else gets 404, as for a report that does not exist. Reports come
from `services.report_for` (or a stored version): never built here."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accord.accounts.access import get_or_404, is_customer_admin, is_manager, is_staff, scope
from accord.accounts.models import Organisation
from accord.accounts.terms import InvalidTerms
from accord.engine.timeutil import local_to_epoch, month_of, to_epoch, zone
from accord.helpdesk.models import Ticket
from accord.reports import exports, schema, services
from accord.reports import render as documents
from accord.reports.models import ReportVersion

MAX_MONTHS_LISTED = 24
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    user = request.user
    if not (is_staff(user) or is_customer_admin(user)):
        raise Http404("not found")
    queryset = Organisation.objects.filter(contract__isnull=False).select_related(
        "contract", "region"
    )
    return get_or_404(user, queryset, slug=slug)


def current_month(organisation: Organisation, now: datetime) -> str:
    """This month in the contract's reporting time zone."""
    return month_of(to_epoch(now), zone(organisation.contract.terms.reporting_timezone))


def first_month(organisation: Organisation) -> str:
    """The first month with a report: the month the contract started, or the customer was
    created, or its first ticket was reported, whichever is earliest (in the reporting zone)."""
    tz = zone(organisation.contract.terms.reporting_timezone)
    moments = [to_epoch(organisation.created_at)]
    if organisation.contract.starts_on is not None:
        moments.append(local_to_epoch(organisation.contract.starts_on, 0, tz))
    first_ticket = (
        Ticket.objects.filter(organisation=organisation)
        .order_by("reported_at")
        .values_list("reported_at", flat=True)
        .first()
    )
    if first_ticket is not None:
        moments.append(to_epoch(first_ticket))
    return month_of(min(moments), tz)


def _check_month(organisation: Organisation, month: str, now: datetime) -> None:
    """A real month from the customer's first month up to this one; any other is not found."""
    if not MONTH.fullmatch(month):
        raise Http404("no report for that month: a month is YYYY-MM")
    if month > current_month(organisation, now):
        raise Http404("no report for that month: it has not begun")
    if month < first_month(organisation):
        raise Http404("no report for that month: it is before the contract")


def _months(organisation: Organisation, now: datetime) -> list[str]:
    """The months to offer, newest first: this one back to the first (at most 24)."""
    latest, earliest = current_month(organisation, now), first_month(organisation)
    year, number = int(latest[:4]), int(latest[5:])
    months: list[str] = []
    while len(months) < MAX_MONTHS_LISTED:
        month = f"{year:04d}-{number:02d}"
        if month < earliest:
            break
        months.append(month)
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return months


def filename(report: schema.Report, fmt: str, version: ReportVersion | None = None) -> str:
    suffix = f"-v{version.version}" if version is not None else ""
    return f"{report.customer.slug}-{report.period.month}-sla-report{suffix}.{fmt}"


def _download(
    report: schema.Report, version: ReportVersion | None, fmt: str, *, numbered: bool = False
) -> HttpResponse:
    """The report as a file; `numbered` names the version in the file name (a past version's
    download), the current report's is plain `acme-2026-10-sla-report.pdf`."""
    if fmt == "pdf":
        body: bytes | str = documents.report_pdf(report, version)
        content_type = "application/pdf"
    elif fmt == "csv":
        body, content_type = exports.report_csv(report), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.report_json(report), "application/json"
    response = HttpResponse(body, content_type=content_type)
    name = filename(report, fmt, version if numbered else None)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (is_staff(user) or is_customer_admin(user)):
        raise Http404("not found")
    now = timezone.now()
    organisations = scope(
        user, Organisation.objects.filter(contract__isnull=False).select_related("contract")
    ).order_by("name")
    chosen = request.GET.get("customer", "")
    month = request.GET.get("month", "")
    if chosen and month:
        organisation = organisations.filter(slug=chosen).first()
        if organisation is not None and MONTH.fullmatch(month):
            return redirect("report_detail", slug=organisation.slug, month=month)
    # The staff may have many customers: the last three months each, any other by the form.
    shown = 3 if is_staff(user) else MAX_MONTHS_LISTED
    rows, broken_terms = [], []
    for organisation in organisations:
        try:
            rows.append((organisation, _months(organisation, now)[:shown]))
        except InvalidTerms as error:  # one broken contract must not hide every report
            broken_terms.append(error)
    context = {"rows": rows, "broken_terms": broken_terms, "staff": is_staff(user)}
    return render(request, "reports/index.html", context)


def _page(
    request: HttpRequest, issued: services.Issued, organisation: Organisation
) -> HttpResponse:
    report, version = issued.report, issued.version
    html = documents.report_html(report, version, staff=is_staff(request.user))
    document = mark_safe(html)  # noqa: S308 - a template's output
    return render(
        request,
        "reports/page.html",
        {
            "organisation": organisation,
            "report": report,
            "version": version,
            "document": document,
            "can_regenerate": is_manager(request.user) and version is not None,
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    now = timezone.now()
    _check_month(organisation, month, now)
    return _page(request, services.report_for(organisation, month, now=now), organisation)


@login_required
@require_GET
def export(request: HttpRequest, slug: str, month: str, fmt: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    now = timezone.now()
    _check_month(organisation, month, now)
    issued = services.report_for(organisation, month, now=now)
    return _download(issued.report, issued.version, fmt)


def _version(request: HttpRequest, slug: str, month: str, number: str) -> ReportVersion:
    organisation = _organisation(request, slug)
    return get_or_404(
        request.user,
        ReportVersion.objects.filter(organisation=organisation, month=month),
        version=int(number),
    )


@login_required
@require_GET
def versions(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    _check_month(organisation, month, timezone.now())
    rows = scope(
        request.user, ReportVersion.objects.filter(organisation=organisation, month=month)
    ).order_by("-version")
    return render(
        request,
        "reports/versions.html",
        {
            "organisation": organisation,
            "month": month,
            "versions": rows,
            "can_regenerate": is_manager(request.user)
            and services.is_closed(organisation, month, now=timezone.now()),
        },
    )


@login_required
@require_GET
def version_detail(request: HttpRequest, slug: str, month: str, number: str) -> HttpResponse:
    version = _version(request, slug, month, number)
    issued = services.Issued(schema.Report.from_json_data(version.data), version)
    return _page(request, issued, version.organisation)


@login_required
@require_GET
def version_export(
    request: HttpRequest, slug: str, month: str, number: str, fmt: str
) -> HttpResponse:
    version = _version(request, slug, month, number)
    return _download(schema.Report.from_json_data(version.data), version, fmt, numbered=True)


@login_required
@require_POST
def regenerate(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """A support manager or vendor admin re-takes a closed month (a correction): a new
    version when anything changed, with the reason given."""
    organisation = _organisation(request, slug)
    if not is_manager(request.user):
        raise Http404("not found")
    now = timezone.now()
    _check_month(organisation, month, now)
    reason = request.POST.get("reason", "").strip()
    target = reverse("report_versions", kwargs={"slug": slug, "month": month})
    if not reason:
        messages.error(request, _("reason: say why the report is regenerated"))
        return redirect(target)
    if len(reason) > 500:
        messages.error(request, _("reason: at most 500 characters"))
        return redirect(target)
    try:
        version, created = services.freeze(
            organisation, month, now=now, actor=request.user, reason=reason
        )
    except services.MonthNotClosed as exc:
        messages.error(request, str(exc))
        return redirect(target)
    if created:
        messages.success(
            request,
            _("Version %(version)s issued: %(changes)s")
            % {"version": version.version, "changes": "; ".join(version.changes)},
        )
    else:
        messages.info(
            request, _("No change: version %(version)s stands.") % {"version": version.version}
        )
    return redirect(target)
