"""Incidents and ad-hoc maintenance: the actions behind the pages and the API (external
monitors' sources and alerts are in `accord.incidents.alerts`).

Every function takes plain values (model rows, strings, aware datetimes) and runs inside the
caller's transaction; none commits. A refusal raises `Refused` (or `PayloadError` from
`accord.incidents.hooks` for a webhook payload) with a message that starts with the field at
fault. Outages are written here and only here for these sources: `monitoring.Outage` rows
with source `alertmanager`, `webhook`, `incident` or `ticket`. What counts as downtime is
decided later by `accord.monitoring.services` and the engine, from the contract's terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accord.accounts.access import is_staff
from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module, Region
from accord.core.display import UTC_ZONE, format_when
from accord.core.errors import NotPermitted, Refused, StateConflict
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status, Ticket
from accord.incidents import announce
from accord.incidents.models import (
    OPEN_INCIDENT_STATUSES,
    Incident,
    IncidentOutage,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
)
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source

# How far ahead of Accord's clock a monitor's timestamp may be (clock skew), no further.
CLOCK_SKEW = timedelta(minutes=5)
TITLE_MAX = 200


def _require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise NotPermitted(_("only the vendor's staff manage incidents and maintenance"))


def _title(text: str, field: str = "title") -> str:
    title = (text or "").strip()
    if not title:
        raise Refused(_("say in a few words what is affected"), field=field)
    if len(title) > TITLE_MAX:
        raise Refused(_("at most %(count)d characters") % {"count": TITLE_MAX}, field=field)
    return title


def _not_future(moment: datetime, now: datetime, field: str) -> None:
    if moment > now + CLOCK_SKEW:
        raise Refused(_("cannot be in the future"), field=field)


# ---------------------------------------------------------------------------------------------
# Module-regions by name


def find_module(text: str) -> Module | None:
    """A module by slug or name, ignoring case."""
    return Module.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()


def find_region(text: str) -> Region | None:
    """A region by code or name, ignoring case."""
    return Region.objects.filter(Q(code__iexact=text) | Q(name__iexact=text)).first()


def find_module_region(module: str, region: str) -> ModuleRegion:
    """The module-region named by module (slug or name) and region (code or name)."""
    found_module = find_module(module)
    if found_module is None:
        raise Refused(_("no module %(name)r") % {"name": module}, field="module")
    found_region = find_region(region)
    if found_region is None:
        raise Refused(_("no region %(name)r") % {"name": region}, field="region")
    try:
        return ModuleRegion.objects.select_related("module", "region").get(
            module=found_module, region=found_region
        )
    except ModuleRegion.DoesNotExist:
        raise Refused(
            _("%(module)s does not run in %(region)s")
            % {"module": found_module, "region": found_region},
            field="module",
        ) from None


# ---------------------------------------------------------------------------------------------
# Incidents


def open_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(status__in=OPEN_INCIDENT_STATUSES)


def current_outages(incident: Incident) -> QuerySet[IncidentOutage]:
    """The incident's impacts now: its outages that have not ended."""
    return (
        IncidentOutage.objects.filter(incident=incident, outage__end__isnull=True)
        .select_related(
            "outage__module_region__module", "outage__module_region__region", "outage__organisation"
        )
        .order_by("outage__module_region__region__name", "outage__module_region__module__position")
    )


def _check_status(status: str) -> None:
    if status not in IncidentStatus.values:
        raise Refused(
            _("must be one of %(choices)s") % {"choices": ", ".join(IncidentStatus.values)},
            field="status",
        )


def _check_impact(impact: str) -> None:
    if impact and impact not in Impact.values:
        raise Refused(
            _("must be one of %(choices)s (or none)") % {"choices": ", ".join(Impact.values)},
            field="impact",
        )


def declare(
    *,
    title: str,
    message: str,
    actor: User,
    now: datetime,
    status: str = IncidentStatus.INVESTIGATING,
    impacts: Mapping[ModuleRegion, str] | None = None,
    started_at: datetime | None = None,
    public: bool = True,
) -> Incident:
    """A new incident with its first public update, and an outage for each impact, from
    `started_at` (default: now)."""
    _require_staff(actor)
    title = _title(title)
    _check_status(status)
    if status == IncidentStatus.RESOLVED:
        raise Refused(_("a new incident cannot start resolved"), field="status")
    if not (message or "").strip():
        raise Refused(_("say what is happening (this is the first public update)"), field="message")
    start = started_at or now
    _not_future(start, now, "started_at")
    for impact in (impacts or {}).values():
        _check_impact(impact)
    incident = Incident.objects.create(
        title=title, status=status, public=public, started_at=start, created_by=actor
    )
    first = IncidentUpdate.objects.create(
        incident=incident, status=status, body=message.strip(), at=now, author=actor
    )
    announce.incident_updated(first)  # to subscribers, if public
    for module_region, impact in (impacts or {}).items():
        if impact:
            set_impact(
                incident, module_region=module_region, impact=impact, at=start, actor=actor, now=now
            )
    return incident


def post_update(
    incident: Incident, *, status: str, message: str, actor: User, now: datetime
) -> IncidentUpdate:
    """A public update. Status `resolved` resolves the incident (its outages end now); a
    resolved incident takes follow-up notes but stays resolved."""
    _require_staff(actor)
    _check_status(status)
    if not (message or "").strip():
        raise Refused(_("an update needs some text"), field="message")
    if not incident.is_open and status != IncidentStatus.RESOLVED:
        raise StateConflict(
            _("the incident is resolved; declare a new one if the fault is back"), field="status"
        )
    if incident.is_open and status == IncidentStatus.RESOLVED:
        return resolve(incident, message=message, actor=actor, now=now)
    if incident.status != status:
        incident.status = status
        incident.save(update_fields=["status"])
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, body=message.strip(), at=now, author=actor
    )
    announce.incident_updated(update)  # to subscribers, if public
    return update


def _open_outage(
    incident: Incident, module_region: ModuleRegion, organisation: Organisation | None
) -> IncidentOutage | None:
    """The incident's outage still open in `module_region` (for one customer, or for everyone
    with `organisation` None)."""
    return (
        IncidentOutage.objects.select_related("outage")
        .filter(
            incident=incident,
            outage__module_region=module_region,
            outage__organisation=organisation,
            outage__end__isnull=True,
        )
        .first()
    )


def set_impact(
    incident: Incident,
    *,
    module_region: ModuleRegion,
    impact: str,
    actor: User,
    now: datetime,
    at: datetime | None = None,
    organisation: Organisation | None = None,
) -> Outage | None:
    """The incident's impact on a module-region (with `organisation`: on that customer only)
    from `at` (default now): the current outage ends at `at` and, unless `impact` is empty
    (operational again), the next one starts there. Returns the outage now open, if any."""
    _require_staff(actor)
    _check_impact(impact)
    if not incident.is_open:
        raise StateConflict(_("the incident is resolved"), field="impact")
    moment = at or now
    _not_future(moment, now, "at")
    current = _open_outage(incident, module_region, organisation)
    if current is not None:
        if current.outage.impact == impact:
            return current.outage
        if moment < current.outage.start:
            raise Refused(
                _("the current impact began at %(when)s; a change cannot come before it")
                % {"when": format_when(current.outage.start, UTC_ZONE)},
                field="at",
            )
        Outage.objects.filter(pk=current.outage_id).update(end=moment)
    elif moment < incident.started_at:
        raise Refused(_("cannot be before the incident started"), field="at")
    if not impact:
        return None
    if organisation is None:
        source, reference = Source.INCIDENT, f"incident:{incident.pk}"
    else:
        link = (
            IncidentTicket.objects.filter(
                incident=incident,
                ticket__organisation=organisation,
                ticket__module=module_region.module,
                ticket__region=module_region.region,
            )
            .order_by("pk")
            .first()
        )
        source = Source.TICKET
        reference = f"ticket:{link.ticket_id}" if link else f"incident:{incident.pk}"
    outage = Outage.objects.create(
        module_region=module_region,
        organisation=organisation,
        source=source,
        impact=impact,
        start=moment,
        reference=reference,
        note=incident.title[:500],
    )
    IncidentOutage.objects.create(incident=incident, outage=outage)
    return outage


def resolve(
    incident: Incident, *, message: str, actor: User, now: datetime, at: datetime | None = None
) -> IncidentUpdate:
    """Resolve: every outage of the incident ends at `at` (default now)."""
    _require_staff(actor)
    if not incident.is_open:
        raise StateConflict(_("the incident is already resolved"), field="status")
    if not (message or "").strip():
        raise Refused(_("say what was done (this is the last public update)"), field="message")
    moment = at or now
    _not_future(moment, now, "at")
    if moment < incident.started_at:
        raise Refused(_("cannot be before the incident started"), field="at")
    opened = current_outages(incident)
    latest = max((link.outage.start for link in opened), default=None)
    if latest is not None and moment < latest:
        raise Refused(
            _("an impact was set at %(when)s; resolve at or after it")
            % {"when": format_when(latest, UTC_ZONE)},
            field="at",
        )
    Outage.objects.filter(pk__in=[link.outage_id for link in opened]).update(end=moment)
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = moment
    incident.save(update_fields=["status", "resolved_at"])
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=IncidentStatus.RESOLVED,
        body=message.strip(),
        at=now,
        author=actor,
    )
    announce.incident_updated(update)  # to subscribers, if public
    return update


# ---------------------------------------------------------------------------------------------
# Severity 1 tickets confirmed as total outages


def can_confirm(ticket: Ticket) -> str:
    """Why the ticket cannot be confirmed as a total outage now ("" when it can)."""
    if ticket.severity_in_force != 1:
        return _("only a Severity 1 ticket can be confirmed as a total outage")
    if ticket.status == Status.CLOSED:
        return _("the ticket is closed")
    if IncidentTicket.objects.filter(ticket=ticket).exists():
        return _("the ticket is already linked to an incident")
    return ""


def default_title(module_region: ModuleRegion) -> str:
    return f"{module_region.module.name} unavailable in {module_region.region.name}"


def confirm_total_outage(
    ticket: Ticket,
    *,
    actor: User,
    now: datetime,
    customer_only: bool,
    incident: Incident | None = None,
    title: str = "",
    started_at: datetime | None = None,
) -> IncidentTicket:
    """Confirm a Severity 1 ticket as a total outage of its module-region: link it to
    `incident` (an open one) or to a new incident, with a major outage from `started_at`
    (default: when the fault was reported). `customer_only`: the fault hit only the ticket's
    customer, so the outage (source `ticket`) counts for that customer alone and a new
    incident is not public."""
    _require_staff(actor)
    why_not = can_confirm(ticket)
    if why_not:
        raise StateConflict(why_not)
    module_region = ModuleRegion.objects.select_related("module", "region").get(
        module=ticket.module, region=ticket.region
    )
    start = started_at or ticket.reported_at
    _not_future(start, now, "started_at")
    if incident is None:
        incident = declare(
            title=title or default_title(module_region),
            message=f"{module_region.module.name} in {module_region.region.name} is unavailable. "
            "We are investigating.",
            actor=actor,
            now=now,
            started_at=start,
            public=not customer_only,
        )
    elif not incident.is_open:
        raise StateConflict(
            _("that incident is resolved; choose an open one or a new one"), field="incident"
        )
    else:
        start = max(start, incident.started_at)
    link = IncidentTicket.objects.create(
        incident=incident,
        ticket=ticket,
        customer_only=customer_only,
        confirmed_by=actor,
        confirmed_at=now,
    )
    organisation = ticket.organisation if customer_only else None
    current = _open_outage(incident, module_region, organisation)
    at = max(start, current.outage.start) if current is not None else start
    set_impact(
        incident,
        module_region=module_region,
        impact=Impact.MAJOR_OUTAGE,
        organisation=organisation,
        at=at,
        actor=actor,
        now=now,
    )
    scope = f"{ticket.organisation.name} only" if customer_only else "every customer in the region"
    helpdesk.add_comment(
        ticket,
        author=actor,
        body=f"Confirmed as a total outage ({scope}): incident #{incident.pk} “{incident.title}”.",
        internal=True,
        now=now,
    )
    return link


# ---------------------------------------------------------------------------------------------
# Ad-hoc maintenance


def schedule_maintenance(
    *,
    region: Region,
    title: str,
    start: datetime,
    end: datetime,
    actor: User,
    now: datetime,
    description: str = "",
    module_regions: Iterable[ModuleRegion] = (),
) -> MaintenanceWindow:
    """An ad-hoc window, announced now. It is excluded from uptime only if now is at least the
    contract's notice ahead of `start` (`monitoring.services.maintenance_schedule`)."""
    _require_staff(actor)
    title = _title(title)
    if end <= start:
        raise Refused(_("must be after the start"), field="end")
    if end <= now:
        raise Refused(_("the window is over already; maintenance is announced ahead"), field="end")
    chosen = list(module_regions)
    for module_region in chosen:
        if module_region.region_id != region.pk:
            raise Refused(
                _("%(target)s is not in %(region)s") % {"target": module_region, "region": region},
                field="module_regions",
            )
    window = MaintenanceWindow.objects.create(
        region=region,
        title=title,
        description=(description or "").strip(),
        start=start,
        end=end,
        announced_at=now,
        created_by=actor,
    )
    if chosen:
        window.module_regions.set(chosen)
    announce.maintenance_scheduled(window)  # to the region's subscribers
    return window


def cancel_maintenance(window: MaintenanceWindow, *, actor: User, now: datetime) -> None:
    _require_staff(actor)
    if window.cancelled_at is not None:
        raise StateConflict(_("the window is already cancelled"))
    if window.end <= now:
        raise StateConflict(_("the window is over: it cannot be cancelled"))
    window.cancelled_at = now
    window.save(update_fields=["cancelled_at"])
