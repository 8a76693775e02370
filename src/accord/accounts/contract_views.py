"""The contract terms page: every version of a customer's terms, and (for vendor admins and
support managers) a new version entered as the policy's TOML.

Customers read their own organisation's page (read-only); another organisation's is not found.
A policy the engine refuses is shown back, as typed, with the field and the line at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accord.accounts.access import get_or_404, is_manager, is_staff
from accord.accounts.forms import TermsForm
from accord.accounts.models import Contract, ContractVersion, Organisation
from accord.accounts.terms import (
    InvalidTerms,
    Record,
    TermsRefused,
    add_version,
    current_text,
    earliest_effective,
    local_date,
    resolve_record,
)
from accord.core.forms import add_refusal


@dataclass(frozen=True)
class VersionRow:
    version: ContractVersion
    in_force: bool
    error: str


def version_rows(contract: Contract, today: date) -> list[VersionRow]:
    """Every version, newest first: which is in force on `today` (the contract's local date),
    and the engine's refusal of any that no longer resolves (the page and the API)."""
    versions = list(contract.versions.select_related("created_by").order_by("-number"))
    started = [v for v in versions if v.effective_from is None or v.effective_from <= today]
    in_force = max(started, key=lambda v: (v.effective_from or date.min, v.number), default=None)
    rows = []
    for version in versions:
        try:
            resolve_record(contract, Record.of(version))
            error = ""
        except InvalidTerms as invalid:
            error = str(invalid)
        rows.append(VersionRow(version=version, in_force=version is in_force, error=error))
    return rows


def contract_today(contract: Contract, now: datetime) -> date:
    """Today in the contract's reporting time zone (the server's date if its terms are broken,
    as the page falls back)."""
    try:
        return local_date(contract, now)
    except InvalidTerms:
        return now.date()


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _customer(request: HttpRequest, slug: str) -> Organisation:
    return get_or_404(
        request.user, Organisation.objects.select_related("contract", "region"), slug=slug
    )


@login_required
@require_GET
def contract_terms(request: HttpRequest, organisation: str) -> HttpResponse:
    """The versions of a customer's terms; for managers, the form of a new version."""
    return _render(request, _customer(request, organisation))


@login_required
@require_POST
def contract_terms_new(request: HttpRequest, organisation: str) -> HttpResponse:
    """Save a new version (vendor admins and support managers; not found for anyone else).
    A refusal shows the page again with the text as typed and the field and line at fault."""
    user = request.user
    customer = _customer(request, organisation)
    if not is_manager(user):  # a page their role does not include: not found, as elsewhere
        raise Http404("not found")
    form = TermsForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                version = add_version(
                    customer.contract,
                    policy_text=form.cleaned_data["policy_text"],
                    effective_from=form.cleaned_data["effective_from"],
                    monthly_fee=form.cleaned_data["monthly_fee"],
                    note=form.cleaned_data["note"],
                    actor=user,
                )
        except TermsRefused as refused:
            if refused.field in ("effective_from", "monthly_fee", "note"):
                add_refusal(form, refused)
            else:
                form.add_error("policy_text", str(refused))
        else:
            messages.success(
                request,
                gettext("Version %(number)s saved: in force from %(start)s.")
                % {"number": version.number, "start": version.effective_from},
            )
            return redirect("contract_terms", organisation=customer.slug)
    return _render(request, customer, form, status=400)


def _render(
    request: HttpRequest,
    customer: Organisation,
    form: TermsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    contract = customer.contract
    editable = is_manager(user)
    now = timezone.now()
    try:
        first = earliest_effective(contract, now)
        today = local_date(contract, now)
        first_error = ""
    except InvalidTerms as error:
        first, today, first_error = now.date().replace(day=1), now.date(), str(error)
    if editable and form is None:
        form = TermsForm(
            initial={
                "policy_text": current_text(contract),
                "effective_from": _next_month(first),
                "monthly_fee": contract.monthly_fee,
            }
        )
    rows = version_rows(contract, today)
    try:
        resolve_record(contract, Record.of(contract))
        stored_error = ""
    except InvalidTerms as invalid:
        stored_error = str(invalid)
    context = {
        "organisation": customer,
        "contract": contract,
        "rows": rows,
        "form": form,
        "editable": editable,
        "staff": is_staff(user),
        "stored_error": stored_error or first_error,
        "current_text": current_text(contract),
        "earliest": first,
    }
    return render(request, "accounts/contract_terms.html", context, status=status)
