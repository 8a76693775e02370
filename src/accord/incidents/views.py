"""Pages for incidents, external monitors and maintenance.

Staff pages (declare, update, change impacts, resolve; external sources; ad-hoc maintenance;
confirming a Severity 1 ticket as a total outage) are *not found* for anyone else, like
another organisation's data. Public pages: the maintenance calendar (times in the viewer's
zone and in UTC) and its iCalendar feeds. Server-rendered, Post/Redirect/Get, no JavaScript;
every action is one service call inside a transaction, a refusal is shown on its form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.access import get_or_404, is_staff
from accord.catalogue.models import Region
from accord.core.display import format_iso_utc, format_when, viewer_zone, zone_abbreviation
from accord.core.forms import AccordForm, refusal_shown
from accord.helpdesk.models import Ticket
from accord.incidents import alerts, maintenance, services
from accord.incidents.forms import (
    ConfirmOutageForm,
    DeclareForm,
    ImpactForm,
    MaintenanceForm,
    ResolveForm,
    SourceForm,
    UpdateForm,
)
from accord.incidents.models import ExternalSource, Incident, IncidentOutage, IncidentTicket
from accord.monitoring.models import MaintenanceWindow, ModuleRegion

NEW_SOURCE_TOKEN_SESSION_KEY = "accord_new_source_token"
CALENDAR_AHEAD = timedelta(weeks=8)
RESOLVED_SHOWN = 50


def _staff_only(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404("not found")


def _zone(request: HttpRequest) -> str:
    return viewer_zone(request.user)


# --- incidents ---------------------------------------------------------------------------------


@login_required
@require_safe
def incident_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    context = {
        "open": services.open_incidents().order_by("-started_at", "-pk"),
        "resolved": Incident.objects.exclude(pk__in=services.open_incidents()).order_by(
            "-started_at", "-pk"
        )[:RESOLVED_SHOWN],
    }
    return render(request, "incidents/incident_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = DeclareForm(request.POST or None, zone_name=_zone(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown(form):
            with transaction.atomic():
                incident = services.declare(
                    title=data["title"],
                    status=data["status"],
                    message=data["message"],
                    started_at=data["started_at"],
                    public=bool(data["public"]),
                    impacts=form.impacts(),
                    actor=request.user,
                    now=timezone.now(),
                )
            messages.success(
                request, gettext("Incident #%(number)s declared.") % {"number": incident.pk}
            )
            return redirect("incident_detail", pk=incident.pk)
    return render(request, "incidents/incident_new.html", {"form": form})


def _render_incident(
    request: HttpRequest, pk: int, bound: dict[str, AccordForm] | None = None
) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("created_by"), pk=pk)
    zone_name = _zone(request)
    bound = bound or {}
    forms: dict[str, AccordForm] = {
        "update": bound.get("update")
        or UpdateForm(prefix="update", initial={"status": incident.status}),
    }
    if incident.is_open or "impact" in bound:
        forms["impact"] = bound.get("impact") or ImpactForm(
            prefix="impact", incident=incident, zone_name=zone_name
        )
    if incident.is_open or "resolve" in bound:
        forms["resolve"] = bound.get("resolve") or ResolveForm(
            prefix="resolve", zone_name=zone_name
        )
    history = (
        IncidentOutage.objects.filter(incident=incident)
        .select_related(
            "outage__module_region__module", "outage__module_region__region", "outage__organisation"
        )
        .order_by("outage__start", "pk")
    )
    context = {
        "incident": incident,
        "updates": incident.updates.select_related("author"),
        "current": services.current_outages(incident),
        "history": history,
        "tickets": IncidentTicket.objects.filter(incident=incident).select_related(
            "ticket__organisation", "ticket__module", "ticket__region", "confirmed_by"
        ),
        "forms": forms,
        "zone_name": zone_name,
    }
    return render(request, "incidents/incident_detail.html", context)


@login_required
@require_safe
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    return _render_incident(request, pk)


Action = Callable[[Incident, AccordForm, HttpRequest], str]


def _incident_action(name: str, form_class: type[AccordForm], action: Action) -> Callable[..., Any]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        _staff_only(request)
        incident = get_object_or_404(Incident, pk=pk)
        kwargs: dict[str, Any] = {"prefix": name}
        if form_class is ImpactForm:
            kwargs["incident"] = incident
        if form_class in (ImpactForm, ResolveForm):
            kwargs["zone_name"] = _zone(request)
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            with refusal_shown(form):
                with transaction.atomic():
                    locked = Incident.objects.select_for_update().get(pk=pk)
                    done = action(locked, form, request)
                messages.success(request, done)
                return redirect("incident_detail", pk=pk)
        return _render_incident(request, pk, {name: form})

    view.__name__ = view.__qualname__ = f"incident_{name}"
    view.__doc__ = f"POST the incident page's {name} form."
    return view


def _update(incident: Incident, form: AccordForm, request: HttpRequest) -> str:
    data = form.cleaned_data
    services.post_update(
        incident,
        status=data["status"],
        message=data["message"],
        actor=request.user,
        now=timezone.now(),
    )
    if incident.is_open:
        return gettext("Update posted.")
    return gettext("Update posted; the incident is resolved.")


def _impact(incident: Incident, form: AccordForm, request: HttpRequest) -> str:
    data = form.cleaned_data
    kind, _, rest = data["target"].partition(":")
    organisation = None
    if kind == "org":
        module_region_id, _, organisation_id = rest.partition(":")
        link = (
            IncidentOutage.objects.filter(
                incident=incident,
                outage__module_region_id=module_region_id,
                outage__organisation_id=organisation_id,
            )
            .select_related("outage__module_region", "outage__organisation")
            .first()
        )
        if link is None:
            raise services.Refused("target: " + gettext("choose a module and region from the list"))
        module_region, organisation = link.outage.module_region, link.outage.organisation
    else:
        module_region = ModuleRegion.objects.filter(pk=rest).first()
        if module_region is None:
            raise services.Refused("target: " + gettext("choose a module and region from the list"))
    services.set_impact(
        incident,
        module_region=module_region,
        impact=data["impact"],
        organisation=organisation,
        at=data["at"],
        actor=request.user,
        now=timezone.now(),
    )
    return gettext("Impact changed.")


def _resolve(incident: Incident, form: AccordForm, request: HttpRequest) -> str:
    data = form.cleaned_data
    services.resolve(
        incident, message=data["message"], at=data["at"], actor=request.user, now=timezone.now()
    )
    return gettext("Incident resolved: its outages have ended.")


incident_update = _incident_action("update", UpdateForm, _update)
incident_impact = _incident_action("impact", ImpactForm, _impact)
incident_resolve = _incident_action("resolve", ResolveForm, _resolve)


# --- a Severity 1 ticket confirmed as a total outage -------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ticket_confirm_outage(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page's "Confirm as total outage" action (staff only)."""
    _staff_only(request)
    tickets = Ticket.objects.select_related("organisation", "module", "region")
    ticket = get_or_404(request.user, tickets, pk=pk)
    form = ConfirmOutageForm(request.POST or None, zone_name=_zone(request), prefix="outage")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = None
        if data["incident"] != "new":
            incident = services.open_incidents().filter(pk=data["incident"]).first()
        with refusal_shown(form):
            with transaction.atomic():
                locked = get_or_404(request.user, tickets.select_for_update(of=("self",)), pk=pk)
                link = services.confirm_total_outage(
                    locked,
                    actor=request.user,
                    now=timezone.now(),
                    customer_only=data["scope"] == "customer",
                    incident=incident,
                    title=data["title"],
                    started_at=data["started_at"],
                )
            messages.success(
                request,
                gettext("Confirmed as a total outage: linked to incident #%(number)s.")
                % {"number": link.incident_id},
            )
            return redirect("ticket_detail", pk=pk)
    context = {"ticket": ticket, "form": form, "why_not": services.can_confirm(ticket)}
    return render(request, "incidents/confirm_outage.html", context)


# --- external sources ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sources(request: HttpRequest) -> HttpResponse:
    """External monitors: add one (its token is shown once), list, rotate a token."""
    _staff_only(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown(form):
            with transaction.atomic():
                source, token = alerts.create_source(
                    name=data["name"],
                    kind=data["kind"],
                    module_region=data["module_region"],
                    module_label=data["module_label"],
                    region_label=data["region_label"],
                    impact=data["impact"],
                    actor=request.user,
                )
            request.session[NEW_SOURCE_TOKEN_SESSION_KEY] = {"id": source.pk, "token": token}
            return redirect("external_sources")
    new_token = request.session.pop(NEW_SOURCE_TOKEN_SESSION_KEY, None)
    context = {
        "form": form,
        "sources": ExternalSource.objects.select_related(
            "module_region__module", "module_region__region"
        ),
        "new_token": new_token,
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "incidents/sources.html", context)


@login_required
@require_POST
def source_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    with transaction.atomic():
        source = get_object_or_404(ExternalSource.objects.select_for_update(), pk=pk)
        token = alerts.rotate_token(source, actor=request.user)
    request.session[NEW_SOURCE_TOKEN_SESSION_KEY] = {"id": source.pk, "token": token}
    messages.success(
        request,
        gettext("%(name)s has a new token: the old one no longer works.") % {"name": source.name},
    )
    return redirect("external_sources")


# --- maintenance ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def maintenance_schedule(request: HttpRequest) -> HttpResponse:
    """Ad-hoc maintenance: schedule a window (announced now) and cancel one."""
    _staff_only(request)
    zone_name = _zone(request)
    form = MaintenanceForm(request.POST or None, zone_name=zone_name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = form.regions[data["region"]]
        with refusal_shown(form):
            with transaction.atomic():
                window = services.schedule_maintenance(
                    region=region,
                    title=data["title"],
                    description=data["description"],
                    start=data["start"],
                    end=data["end"],
                    module_regions=[form.all_module_regions[pk] for pk in data["module_regions"]],
                    actor=request.user,
                    now=timezone.now(),
                )
            messages.success(
                request,
                gettext("Maintenance “%(title)s” scheduled and announced.")
                % {"title": window.title},
            )
            return redirect("maintenance_schedule")
    now = timezone.now()
    windows = maintenance.adhoc(None, now - timedelta(days=7), now + timedelta(days=3650))
    context = {
        "form": form,
        "rows": [_row(item, zone_name) for item in windows],
        "notice_hours": maintenance.notice_hours(),
        "policy_name": maintenance.policy_name(),
    }
    return render(request, "incidents/maintenance_schedule.html", context)


@login_required
@require_POST
def maintenance_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    with refusal_shown(request):
        with transaction.atomic():
            window = get_object_or_404(MaintenanceWindow.objects.select_for_update(), pk=pk)
            services.cancel_maintenance(window, actor=request.user, now=timezone.now())
        messages.success(
            request, gettext("Maintenance “%(title)s” cancelled.") % {"title": window.title}
        )
    return redirect("maintenance_schedule")


# --- the public calendar ----------------------------------------------------------------------


def _until(start: datetime, end: datetime, zone_name: str) -> str:
    """The end of a window as shown after its start: the time alone on the same local day."""
    tz = ZoneInfo(zone_name)
    local_end = end.astimezone(tz)
    if local_end.date() == start.astimezone(tz).date():
        return f"{local_end:%H:%M} {zone_abbreviation(local_end)}"
    return format_when(end, zone_name)


def _row(item: maintenance.Occurrence, zone_name: str) -> dict[str, Any]:
    return {
        "item": item,
        "iso_start": format_iso_utc(item.start),
        "iso_end": format_iso_utc(item.end),
        "local_start": format_when(item.start, zone_name),
        "local_end": _until(item.start, item.end, zone_name),
        "utc_start": format_when(item.start, "UTC"),
        "utc_end": _until(item.start, item.end, "UTC"),
        "zone_name": zone_name,
        "notice": maintenance.notice_sentence(item) if item.kind == "adhoc" else "",
    }


def _calendar(request: HttpRequest, region: Region | None) -> HttpResponse:
    now = timezone.now()
    items = maintenance.occurrences(region, now, now + CALENDAR_AHEAD)
    rows = []
    for item in items:
        if request.user.is_authenticated:
            zone_name = _zone(request)
        elif item.region is not None:
            zone_name = item.region.timezone
        else:
            zone_name = maintenance.recurring_schedule().timezone
        rows.append(_row(item, zone_name))
    context = {
        "region": region,
        "regions": Region.objects.all(),
        "rows": rows,
        "weeks": CALENDAR_AHEAD.days // 7,
        "notice_hours": maintenance.notice_hours(),
        "policy_name": maintenance.policy_name(),
        "reading": maintenance.status_policy().availability.maintenance.reading,
        "staff": is_staff(request.user),
    }
    return render(request, "incidents/maintenance_calendar.html", context)


@require_safe
def maintenance_calendar(request: HttpRequest) -> HttpResponse:
    return _calendar(request, None)


@require_safe
def maintenance_region_calendar(request: HttpRequest, region: str) -> HttpResponse:
    return _calendar(request, get_object_or_404(Region, code=region))


def _ics(region: Region | None, now: datetime) -> HttpResponse:
    response = HttpResponse(
        maintenance.calendar_ics(region, now=now), content_type="text/calendar; charset=utf-8"
    )
    name = f"accord-maintenance-{region.code if region else 'all'}.ics"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def maintenance_ics(request: HttpRequest) -> HttpResponse:
    """Every region's maintenance as an iCalendar feed."""
    return _ics(None, timezone.now())


@require_safe
def maintenance_region_ics(request: HttpRequest, region: str) -> HttpResponse:
    """One region's maintenance as an iCalendar feed."""
    return _ics(get_object_or_404(Region, code=region), timezone.now())
