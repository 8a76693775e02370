"""The vendor's SLA dashboard and the contract simulator: staff pages, GET only, nothing saved.

Customers get 404 on both (the simulator is for managers and vendor admins: agents too get
404), the same answer as for a page that does not exist."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accord.accounts.access import is_manager, is_staff, scope
from accord.accounts.models import Organisation
from accord.core.display import viewer_zone
from accord.core.forms import valid_filters
from accord.dashboard import fleet, replay, services, simulator
from accord.dashboard.forms import DashboardFilterForm, ReplayForm, SimulatorForm
from accord.engine import credits
from accord.engine.errors import EngineError
from accord.policies import load_builtin

COLUMNS = [
    ("customer", "Customer"),
    ("region", "Region"),
    ("module", "Module"),
    ("uptime", "Uptime so far"),
    ("target", "Target"),
    ("budget", "Error budget left"),
    ("at_risk", "At risk"),
    ("breached", "Breached"),
    ("credit", "Projected credit"),
]


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    url: str  # the same page sorted by this column (the other way when it already is)
    aria_sort: str  # ascending, descending or none


def _headers(query: QueryDict, sort: str) -> list[Header]:
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    headers = []
    for key, label in COLUMNS:
        params = query.copy()
        params.pop("page", None)  # a new order starts at its first page
        params["sort"] = f"-{key}" if key == current and not descending else key
        state = "none"
        if key == current:
            state = "descending" if descending else "ascending"
        headers.append(Header(key, label, f"?{params.urlencode()}", state))
    return headers


PAGE_SIZE = 50  # rows a page


def _page_links(query: QueryDict, page: Any) -> dict[str, str]:
    """The same query on the first, previous, next and last pages (those that exist)."""

    def url(number: int) -> str:
        params = query.copy()
        params["page"] = str(number)
        return f"?{params.urlencode()}"

    links = {}
    if page.has_previous():
        links["first"], links["previous"] = url(1), url(page.previous_page_number())
    if page.has_next():
        links["next"], links["last"] = url(page.next_page_number()), url(page.paginator.num_pages)
    return links


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every customer and module-region this month: uptime so far, error budget, tickets at
    risk and breached, the credit owed if the month ended now."""
    user = request.user
    if not is_staff(user):
        raise Http404("not found")
    form = DashboardFilterForm(request.GET or None, user=user)
    filters = valid_filters(form)
    organisations = form.fields["customer"].queryset  # type: ignore[attr-defined]
    if filters.get("customer") is not None:
        organisations = organisations.filter(pk=filters["customer"].pk)
    if filters.get("region") is not None:
        organisations = organisations.filter(region=filters["region"])
    now = timezone.now()
    started = time.perf_counter()
    sort = filters.get("sort") or "customer"
    module = filters.get("module")
    with fleet.paused_gc():
        computed = fleet.dashboard(organisations, now=now)
        rows = fleet.select_rows(
            computed.customers,
            module=module.slug if module is not None else None,
            at_risk_only=bool(filters.get("at_risk")),
            below_target_only=bool(filters.get("below_target")),
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
        )
        totals = fleet.totals(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {id(row.customer) for row in page.object_list}
    customers = [c for c in computed.customers if id(c) in shown]
    context = {
        "form": form,
        "now": now,
        "rows": page.object_list,
        "page": page,
        "page_links": _page_links(request.GET, page),
        "totals": totals,
        "customers": customers,
        "at_risk_count": sum(len(c.at_risk) for c in customers),
        "broken_terms": computed.broken,
        "headers": _headers(request.GET, sort),
        "seconds": time.perf_counter() - started,
        "may_simulate": is_manager(user),  # the simulator answers 404 to anyone else
    }
    return render(request, "dashboard/dashboard.html", context)


# ---------------------------------------------------------------------------------------------
# The contract simulator


def _document(form: forms.Form, name: str, what: str, check: Any) -> dict[str, Any] | None:
    """A TOML/JSON field parsed and checked by the engine; an error names the line and field."""
    text = form.cleaned_data.get(name, "")
    if not text.strip():
        return None
    try:
        data = simulator.parse_document(text, what)
    except ValueError as error:
        form.add_error(name, str(error))
        return None
    try:
        check(data)
    except EngineError as error:
        line = simulator.locate(text, error.field)
        # The engine's refusal stays English (docs/translations.md); the line is said.
        where = gettext("line %(line)s: %(problem)s") % {"line": line, "problem": error}
        form.add_error(name, where if line else str(error))
        return None
    return data


def _changes(form: SimulatorForm, organisation: Organisation) -> simulator.Changes | None:
    data = form.cleaned_data
    preset = data["calendar"]
    support_hours: dict[str, Any] | None = None
    if preset == "always":
        support_hours = dict(simulator.ALWAYS)
    elif preset == "business":
        support_hours = simulator.business_hours(
            data.get("calendar_timezone") or "region",
            region_holidays=bool(data.get("region_holidays")),
        )
    elif preset == "custom":
        support_hours = _document(
            form, "calendar_json", "support_hours", simulator.check_support_hours
        )
        if support_hours is None:
            return None
    penalties = _document(
        form,
        "penalties",
        "penalties",
        lambda value: credits.parse_penalty_schedule(value, "penalties"),
    )
    if form.errors:
        return None
    return simulator.Changes(
        support_hours=support_hours,
        severity_calendars={
            level: data[f"calendar_{level}"]
            for level in form.levels
            if data.get(f"calendar_{level}")
        },
        severity_targets={
            level: data[f"parsed_target_{level}"]
            for level in form.levels
            if f"parsed_target_{level}" in data
        },
        target_percent=data.get("target_percent") or None,
        penalties=penalties,
    )


@login_required
@require_GET
def simulator_page(request: HttpRequest) -> HttpResponse:
    """A customer's past months re-run under changed terms, beside the months as they are."""
    user = request.user
    if not is_manager(user):
        raise Http404("not found")
    customers = services.customers_with_contracts(scope(user, Organisation.objects.all()))
    organisation = customers.filter(slug=request.GET.get("customer", "")).first()
    policy = organisation.contract.terms.policy if organisation else load_builtin()
    submitted = "month_from" in request.GET
    if submitted:
        form = SimulatorForm(request.GET, user=user, policy=policy)
    else:
        initial = {"calendar": "contract", "region_holidays": True}
        if organisation is not None:
            initial["customer"] = organisation.slug
        form = SimulatorForm(initial=initial, user=user, policy=policy)
    result = None
    if submitted and form.is_valid() and organisation is not None:
        changes = _changes(form, organisation)
        if changes is not None:
            try:
                terms = simulator.changed_terms(organisation, changes)
                result = simulator.simulate(
                    organisation, form.cleaned_data["months"], terms, now=timezone.now()
                )
            except simulator.SimulationError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
    replay_form, replayed = _replay(request)
    context = {
        "form": form,
        "organisation": organisation,
        "result": result,
        "replay_form": replay_form,
        "replayed": replayed,
        "zone": viewer_zone(user),
        "contract_calendar": _pretty(simulator.contract_support_hours(organisation))
        if organisation
        else "",
        "contract_penalties": _pretty(simulator.contract_penalties(organisation))
        if organisation
        else "",
    }
    return render(request, "dashboard/simulator.html", context)


def _replay(request: HttpRequest) -> tuple[ReplayForm, replay.Replay | None]:
    """The "Replay under a published SLA" form and, when it was sent and is sound, its answer."""
    user = request.user
    if "replay-month" not in request.GET:
        initial = {"customer": request.GET.get("customer", "")}
        return ReplayForm(initial=initial, user=user), None
    form = ReplayForm(request.GET, user=user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        answer = replay.replay(data["customer"], data["month"], data["policy"], now=timezone.now())
    except replay.ReplayError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return form, None
    return form, answer


def _pretty(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)
