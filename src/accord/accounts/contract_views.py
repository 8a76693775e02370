"""The contract terms page: every version of a customer's terms, and (for vendor admins and
support managers) a new version entered as the policy's TOML.

Customers read their own organisation's page (read-only); another organisation's is not found.
A policy the engine refuses is shown back, as typed, with the field and the line at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accord.accounts.access import get_or_404, is_manager, is_staff
from accord.accounts.forms import TermsForm
from accord.accounts.models import ContractVersion, Organisation
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


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@login_required
@require_http_methods(["GET", "POST"])
def contract_terms(request: HttpRequest, organisation: str) -> HttpResponse:
    user = request.user
    customer = get_or_404(
        user, Organisation.objects.select_related("contract", "region"), slug=organisation
    )
    contract = customer.contract
    editable = is_manager(user)
    now = timezone.now()
    status = 200
    form: TermsForm | None = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("only a vendor admin or a support manager changes terms")
        form = TermsForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    version = add_version(
                        contract,
                        policy_text=form.cleaned_data["policy_text"],
                        effective_from=form.cleaned_data["effective_from"],
                        monthly_fee=form.cleaned_data["monthly_fee"],
                        note=form.cleaned_data["note"],
                        actor=user,
                        now=now,
                    )
            except TermsRefused as refused:
                if refused.field in ("effective_from", "monthly_fee", "note"):
                    add_refusal(form, str(refused))
                else:
                    form.add_error("policy_text", str(refused))
            else:
                messages.success(
                    request,
                    f"Version {version.number} saved: in force from {version.effective_from}.",
                )
                return redirect("contract_terms", organisation=customer.slug)
        status = 400
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
