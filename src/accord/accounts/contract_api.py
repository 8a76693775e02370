"""`GET /api/contracts` and `GET /api/contracts/{organisation}`: a customer's contract terms
and every version of them, with the contract terms page's rule (`contract_views`): the
customer's people read their own organisation's, the staff every one; another's is 404.
Authors' emails, as on the page, are the staff's to see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Router
from ninja.errors import HttpError

from accord.accounts.access import get_or_404, is_staff, scope
from accord.accounts.api import SlugQuery
from accord.accounts.contract_schemas import ContractList, ContractOut
from accord.accounts.contract_views import VersionRow, contract_today, version_rows
from accord.accounts.models import Organisation, User

router = Router(tags=["contracts"])


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _customers(user: User) -> Any:
    return scope(
        user,
        Organisation.objects.filter(contract__isnull=False).select_related("contract", "region"),
    )


def _summary(organisation: Organisation, rows: list[VersionRow]) -> dict[str, Any]:
    contract = organisation.contract
    in_force = next((row.version for row in rows if row.in_force), None)
    return {
        "organisation": organisation.slug,
        "name": organisation.name,
        "region": organisation.region.code,
        "policy_id": in_force.policy_id if in_force else contract.policy_id,
        "reporting_timezone": contract.reporting_timezone,
        "monthly_fee": _money(contract.monthly_fee),
        "starts_on": contract.starts_on,
        "version_in_force": in_force.number if in_force else None,
        "url": reverse("api:get_contract", kwargs={"organisation": organisation.slug}),
    }


def _rows(organisation: Organisation) -> list[VersionRow]:
    contract = organisation.contract
    return version_rows(contract, contract_today(contract, timezone.now()))


@router.get("/contracts", response=ContractList, summary="Contracts (customers: their own)")
def list_contracts(request: HttpRequest) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    items = [_summary(o, _rows(o)) for o in _customers(user).order_by("name")]
    return {"count": len(items), "items": items}


@router.get(
    "/contracts/{organisation}",
    response=ContractOut,
    summary="A contract's terms in force and every version of them",
)
def get_contract(request: HttpRequest, organisation: Path[SlugQuery]) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    try:
        customer: Organisation = get_or_404(user, _customers(user), slug=organisation)
    except Http404:
        raise HttpError(404, "not found") from None
    rows = _rows(customer)
    staff = is_staff(user)
    versions = [
        {
            "number": row.version.number,
            "effective_from": row.version.effective_from,
            "in_force": row.in_force,
            "policy_id": row.version.policy_id,
            "policy_text": row.version.policy_text,
            "policy_data": row.version.policy_data,
            "support_hours": row.version.support_hours,
            "penalties": row.version.penalties,
            "reporting_timezone": row.version.reporting_timezone,
            "monthly_fee": _money(row.version.monthly_fee),
            "note": row.version.note,
            "created_at": row.version.created_at,
            "created_by": (
                row.version.created_by.email if staff and row.version.created_by else None
            ),
            "error": row.error,
        }
        for row in rows
    ]
    return {**_summary(customer, rows), "versions": versions}
