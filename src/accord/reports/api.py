"""`GET /api/reports` and `GET /api/reports/{organisation}/{month}`: the monthly SLA reports
by API token, with the pages' rules (`accord.reports.views`): customer admins their own
organisation's, the staff every customer's; anyone else, and another organisation's report, 404.

The figures are `services.report_for`'s, the one way the page, the PDF and the exports get a
report: reading a closed month that was never frozen freezes version 1, as the page does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router
from ninja.errors import HttpError

from accord.accounts.access import get_or_404, is_customer_admin, is_staff, scope
from accord.accounts.api import SlugQuery, field_error
from accord.accounts.models import Organisation, User
from accord.accounts.terms import InvalidTerms
from accord.reports import services, views
from accord.reports.api_schemas import ReportFilters, ReportList, ReportOut
from accord.reports.models import ReportVersion

router = Router(tags=["reports"])

NOT_FOUND = "not found"
# The list's months per customer when no month is asked for: the index page's numbers.
STAFF_MONTHS, CUSTOMER_MONTHS = 3, views.MAX_MONTHS_LISTED


def _reader(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not (is_staff(user) or is_customer_admin(user)):
        raise HttpError(404, NOT_FOUND)
    return user


def _customers(user: User) -> Any:
    return scope(
        user, Organisation.objects.filter(contract__isnull=False).select_related("contract")
    )


def _links(slug: str, month: str) -> dict[str, str]:
    kwargs = {"slug": slug, "month": month}
    return {
        "api": reverse("api:get_report", kwargs={"organisation": slug, "month": month}),
        "page": reverse("report_detail", kwargs=kwargs),
        "pdf": reverse("report_export", kwargs={**kwargs, "fmt": "pdf"}),
        "csv": reverse("report_export", kwargs={**kwargs, "fmt": "csv"}),
    }


def _summary(
    organisation: Organisation, month: str, version: int | None, closed: bool
) -> dict[str, Any]:
    state = "frozen" if version is not None else ("closed" if closed else "provisional")
    return {
        "organisation": organisation.slug,
        "name": organisation.name,
        "month": month,
        "state": state,
        "version": version,
        "links": _links(organisation.slug, month),
    }


@router.get(
    "/reports",
    response=ReportList,
    summary="Monthly SLA reports (customer admins: their own; the staff: all)",
)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> dict[str, Any]:
    """Newest month first, customers by name. Without `month`: each customer's latest months
    (the staff: 3, a customer admin: up to 24), as the reports page lists them."""
    user = _reader(request)
    customers = _customers(user).order_by("name")
    if filters.organisation is not None:
        customers = customers.filter(slug=filters.organisation)
        if not customers.exists():
            raise field_error(
                "organisation",
                f"no organisation {filters.organisation!r} that you can see",
                source="query",
            )
    now = timezone.now()
    shown = STAFF_MONTHS if is_staff(user) else CUSTOMER_MONTHS
    wanted: list[tuple[Organisation, str]] = []
    for organisation in customers:
        try:
            months = views._months(organisation, now)
        except InvalidTerms:  # one broken contract must not hide every report (as the page)
            continue
        if filters.month is not None:
            months = [filters.month] if filters.month in months else []
        wanted.extend((organisation, month) for month in months[:shown])
    latest = {
        (row["organisation_id"], row["month"]): row["latest"]
        for row in ReportVersion.objects.filter(organisation__in=[o for o, _ in wanted])
        .values("organisation_id", "month")
        .annotate(latest=Max("version"))
    }
    items = [
        _summary(
            organisation,
            month,
            latest.get((organisation.pk, month)),
            services.is_closed(organisation, month, now=now),
        )
        for organisation, month in wanted
    ]
    return {"count": len(items), "items": items}


@router.get(
    "/reports/{organisation}/{month}",
    response=ReportOut,
    summary="One monthly SLA report's figures",
)
def get_report(
    request: HttpRequest,
    organisation: Path[SlugQuery],
    month: Path[str],
) -> dict[str, Any]:
    """The report as the page and the PDF show it: the modules' uptime, the tickets'
    outcomes, the credits or penalties, and whether it is provisional or frozen (which
    version). Another organisation's, a month outside the contract: 404."""
    user = _reader(request)
    try:
        customer: Organisation = get_or_404(user, _customers(user), slug=organisation)
        now = timezone.now()
        views._check_month(customer, month, now)
    except Http404 as missing:
        raise HttpError(404, str(missing) or NOT_FOUND) from None
    issued = services.report_for(customer, month, now=now)
    versions = ReportVersion.objects.filter(organisation=customer, month=month).order_by("-version")
    shown = issued.version
    return {
        **_summary(customer, month, shown.version if shown else None, shown is not None),
        "frozen_at": shown.created_at if shown else None,
        "versions": [
            {
                "version": v.version,
                "created_at": v.created_at,
                "reason": v.reason,
                "changes": v.changes,
                "content_hash": v.content_hash,
            }
            for v in versions
        ],
        "report": issued.report.to_json_data(),
    }
