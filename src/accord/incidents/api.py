"""The JSON API of incidents and external monitors.

* `hooks_router`: the webhook receivers, `POST /api/hooks/alertmanager` and
  `POST /api/hooks/webhook`. They authenticate with an external source's own token
  (`Authorization: Bearer acs_...`, or `?token=acs_...` for tools that cannot set headers),
  never with a person's token. A bad payload is a 400 whose `detail` names the field, a bad
  token a 401; the body is read and checked here, not by django-ninja (whose errors are 422s).
* `router`: incidents for the vendor's staff (a person's token or session, like the rest of
  the API): list, declare, post an update, change an impact, resolve, and confirm a
  Severity 1 ticket as a total outage. Anyone else gets 404, as for an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field, StringConstraints

from accord.accounts.access import get_or_404, is_staff
from accord.accounts.api import (
    DateTimeIn,
    Id,
    In,
    PersonOut,
    Refusal,
    RowId,
    Text,
    UtcDateTime,
    field_error,
    person,
)
from accord.accounts.models import Organisation, User
from accord.core.errors import Refused
from accord.helpdesk.models import Ticket
from accord.incidents import alerts, hooks, services
from accord.incidents.models import (
    ExternalSource,
    Incident,
    IncidentTicket,
    IncidentUpdate,
    SourceKind,
)

# ---------------------------------------------------------------------------------------------
# Webhook receivers


class SourceAuthFailed(Exception):
    """A webhook call without a valid source token: 401 (see `accord.api`)."""


class SourceToken(HttpBearer):
    """An external source's token, in the Authorization header or the `token` query
    parameter; the source must be of this endpoint's kind."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def __call__(self, request: HttpRequest) -> ExternalSource:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                raise SourceAuthFailed("send the source's token as `Authorization: Bearer acs_...`")
        else:
            token = request.GET.get("token", "")
        if not token.strip():
            raise SourceAuthFailed(
                "authentication required: send the source's token as "
                "`Authorization: Bearer acs_...` or `?token=acs_...`"
            )
        source = ExternalSource.find(token)
        if source is None:
            raise SourceAuthFailed("the token is not the token of an active external source")
        if source.kind != self.kind:
            raise SourceAuthFailed(
                f"the token belongs to a {source.get_kind_display()} source, not this endpoint"
            )
        return source

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None  # __call__ does the work


hooks_router = Router(tags=["external monitors"])


class AlertOutcomeOut(Schema):
    alert: str = Field(description="Where the alert was in the payload, e.g. alerts[1]")
    monitor: str = Field(description="Alertmanager fingerprint, or the webhook's id")
    outcome: Literal["opened", "closed", "recorded", "unchanged"]
    outage_id: int | None


class ReceiptOut(Schema):
    source: str
    alerts: list[AlertOutcomeOut]


def _receive(request: HttpRequest, parse: Any) -> dict[str, Any]:
    source: ExternalSource = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    try:
        events = parse(hooks.load_json(request.body), now)
        with transaction.atomic():
            outcomes = alerts.receive_alerts(source, events, now=now)
    except hooks.PayloadError as error:
        raise HttpError(400, str(error)) from None
    return {"source": source.name, "alerts": [vars(outcome) for outcome in outcomes]}


# A label as `hooks` takes it: some text besides spaces, no NUL, at most MAX_LABEL characters.
_LABEL = {
    "type": "string",
    "pattern": r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
    "maxLength": hooks.MAX_LABEL,
}
_STRINGS = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
_OPTIONAL_LABEL = {**_LABEL, "type": ["string", "null"]}  # null: the default

_ALERTMANAGER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "Alertmanager's webhook payload, version 4",
                    "required": ["status", "alerts"],
                    "properties": {
                        "version": {"type": ["string", "null"], "enum": ["4", None]},
                        "status": {"type": "string", "enum": ["firing", "resolved"]},
                        "alerts": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": hooks.MAX_ALERTS,
                            "items": {
                                "type": "object",
                                "required": ["fingerprint", "startsAt"],
                                "properties": {
                                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                                    "labels": _STRINGS,
                                    "annotations": _STRINGS,
                                    "startsAt": {"type": "string", "format": "date-time"},
                                    "endsAt": {"type": "string", "format": "date-time"},
                                    "fingerprint": _LABEL,
                                },
                            },
                        },
                    },
                }
            }
        },
    }
}

_WEBHOOK_EVENT = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "module": {**_OPTIONAL_LABEL, "description": "Module slug or name"},
        "region": {**_OPTIONAL_LABEL, "description": "Region code or name"},
        "status": {"type": "string", "enum": ["down", "up"]},
        "at": {"type": ["string", "null"], "format": "date-time", "description": "Default: now"},
        "id": {**_OPTIONAL_LABEL, "description": "The monitor's id (default: 'default')"},
        "message": {"type": ["string", "null"], "pattern": r"^[^\u0000]*$", "maxLength": 500},
    },
    "additionalProperties": False,
}
_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        _WEBHOOK_EVENT,
                        {
                            "type": "array",
                            "items": _WEBHOOK_EVENT,
                            "minItems": 1,
                            "maxItems": hooks.MAX_ALERTS,
                        },
                    ]
                }
            }
        },
    }
}


@hooks_router.post(
    "/hooks/alertmanager",
    response=ReceiptOut,
    auth=SourceToken(SourceKind.ALERTMANAGER),
    summary="Prometheus Alertmanager webhook receiver (payload version 4)",
    openapi_extra=_ALERTMANAGER_BODY,
)
def alertmanager_webhook(request: HttpRequest) -> dict[str, Any]:
    return _receive(request, lambda payload, now: hooks.parse_alertmanager(payload))


@hooks_router.post(
    "/hooks/webhook",
    response=ReceiptOut,
    auth=SourceToken(SourceKind.WEBHOOK),
    summary="Generic monitor webhook: {module, region, status: down|up, at, id}",
    openapi_extra=_WEBHOOK_BODY,
)
def generic_webhook(request: HttpRequest) -> dict[str, Any]:
    return _receive(request, lambda payload, now: hooks.parse_webhook(payload, received_at=now))


# ---------------------------------------------------------------------------------------------
# Incidents

router = Router(tags=["incidents"])

IncidentStatusName = Literal["investigating", "identified", "monitoring", "resolved"]
ImpactName = Literal["degraded", "partial_outage", "major_outage"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class ImpactOut(Schema):
    module: str
    region: str
    organisation: str | None = Field(description="Set when the outage hit only this customer")
    impact: ImpactName
    source: str
    start: UtcDateTime
    end: UtcDateTime | None


class UpdateOut(Schema):
    id: int
    status: IncidentStatusName
    body: str
    at: UtcDateTime
    author: PersonOut


class IncidentOut(Schema):
    id: int
    url: str
    title: str
    status: IncidentStatusName
    public: bool
    started_at: UtcDateTime
    resolved_at: UtcDateTime | None
    impacts: list[ImpactOut] = Field(description="Now: the outages that have not ended")
    outages: list[ImpactOut] = Field(description="Every outage of the incident, oldest first")
    updates: list[UpdateOut]
    tickets: list[int] = Field(description="Severity 1 tickets confirmed as this outage")


class ImpactIn(In):
    module: Text = Field(description="Module slug or name")
    region: Text = Field(description="Region code or name")
    impact: ImpactName | Literal["none"] = Field(description='"none": operational again')


class IncidentIn(In):
    title: Title
    message: Message = Field(description="The first public update")
    status: Literal["investigating", "identified", "monitoring"] = "investigating"
    started_at: DateTimeIn | None = Field(default=None, description="Default: now")
    public: bool = True
    impacts: list[ImpactIn] = Field(default_factory=list, max_length=1000)


class UpdateIn(In):
    status: IncidentStatusName
    message: Message


class ImpactChangeIn(ImpactIn):
    organisation: str | None = Field(
        default=None, description="Slug: change the impact on this customer only"
    )
    at: DateTimeIn | None = Field(default=None, description="Default: now")


class ResolveIn(In):
    message: Message
    at: DateTimeIn | None = Field(default=None, description="Default: now")


class TotalOutageIn(In):
    customer_only: bool = Field(description="The fault hit only the ticket's customer")
    incident: RowId | None = Field(default=None, description="An open incident; null: a new one")
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    started_at: DateTimeIn | None = Field(default=None, description="Default: the report time")


def _staff(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not is_staff(user):
        raise Http404("not found")
    return user


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise field_error(field, "needs a UTC offset or 'Z'")
    return moment


def _impact_out(outage: Any) -> dict[str, Any]:
    return {
        "module": outage.module_region.module.slug,
        "region": outage.module_region.region.code,
        "organisation": outage.organisation.slug if outage.organisation_id else None,
        "impact": outage.impact,
        "source": outage.source,
        "start": outage.start,
        "end": outage.end,
    }


def _incident_out(incident: Incident) -> dict[str, Any]:
    links = incident.outages.select_related(
        "outage__module_region__module", "outage__module_region__region", "outage__organisation"
    ).order_by("outage__start", "pk")
    outages = [_impact_out(link.outage) for link in links]
    updates: list[IncidentUpdate] = list(incident.updates.select_related("author"))
    return {
        "id": incident.pk,
        "url": reverse("incident_detail", args=[incident.pk]),
        "title": incident.title,
        "status": incident.status,
        "public": incident.public,
        "started_at": incident.started_at,
        "resolved_at": incident.resolved_at,
        "impacts": [item for item in outages if item["end"] is None],
        "outages": outages,
        "updates": [
            {
                "id": update.pk,
                "status": update.status,
                "body": update.body,
                "at": update.at,
                "author": person(update.author),
            }
            for update in updates
        ],
        "tickets": list(
            IncidentTicket.objects.filter(incident=incident)
            .order_by("pk")
            .values_list("ticket_id", flat=True)
        ),
    }


def _incident(incident_id: int, *, lock: bool = False) -> Incident:
    queryset = Incident.objects.select_for_update() if lock else Incident.objects.all()
    found = queryset.filter(pk=incident_id).first()
    if found is None:
        raise Http404("no such incident")
    return found


def _act(request: HttpRequest, incident_id: int, do: Callable[..., object]) -> Incident:
    """An action on an incident (staff only), in one transaction: the incident locked (404 if
    there is none), then `do(incident, actor=staff, now=now)`. A refusal rolls it back;
    `accord.api` answers it (403, 409, 400 naming the field)."""
    user = _staff(request)
    with transaction.atomic():
        incident = _incident(incident_id, lock=True)
        do(incident, actor=user, now=timezone.now())
    return incident


# The refusals an incident action may answer with (`accord.api` maps the core family).
_REFUSALS: dict[int, Any] = {400: Refusal, 403: Refusal, 409: Refusal}


@router.get("/incidents", response=list[IncidentOut], summary="Incidents (staff only)")
def list_incidents(
    request: HttpRequest,
    open: Annotated[bool | None, Query(description="true: only open ones")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    _staff(request)
    incidents = services.open_incidents() if open else Incident.objects.all()
    return [_incident_out(i) for i in incidents.order_by("-started_at", "-pk")[:limit]]


@router.post(
    "/incidents",
    response={201: IncidentOut, **_REFUSALS},
    summary="Declare an incident (staff only)",
)
def create_incident(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, Any]]:
    user = _staff(request)
    with transaction.atomic():
        impacts = {}
        for index, item in enumerate(payload.impacts):
            try:
                module_region = services.find_module_region(item.module, item.region)
            except Refused as exc:
                raise Refused(f"impacts[{index}].{exc}") from None
            impacts[module_region] = "" if item.impact == "none" else item.impact
        incident = services.declare(
            title=payload.title,
            message=payload.message,
            status=payload.status,
            started_at=_aware(payload.started_at, "started_at"),
            public=payload.public,
            impacts=impacts,
            actor=user,
            now=timezone.now(),
        )
    return Status(201, _incident_out(incident))


@router.get("/incidents/{incident_id}", response=IncidentOut, summary="One incident (staff only)")
def get_incident(request: HttpRequest, incident_id: Id) -> dict[str, Any]:
    _staff(request)
    return _incident_out(_incident(incident_id))


@router.post(
    "/incidents/{incident_id}/updates",
    response={201: IncidentOut, **_REFUSALS},
    summary="Post a public update; status resolved resolves the incident (staff only)",
)
def add_incident_update(
    request: HttpRequest, incident_id: Id, payload: UpdateIn
) -> Status[dict[str, Any]]:
    post = partial(services.post_update, status=payload.status, message=payload.message)
    return Status(201, _incident_out(_act(request, incident_id, post)))


@router.post(
    "/incidents/{incident_id}/impacts",
    response={200: IncidentOut, **_REFUSALS},
    summary="Set the impact on a module-region from a time (staff only)",
)
def set_incident_impact(
    request: HttpRequest, incident_id: Id, payload: ImpactChangeIn
) -> dict[str, Any]:

    def set_impact(incident: Incident, **by: Any) -> None:
        module_region = services.find_module_region(payload.module, payload.region)
        organisation = None
        if payload.organisation:
            organisation = Organisation.objects.filter(slug=payload.organisation).first()
            if organisation is None:
                raise Refused(f"organisation: no customer {payload.organisation!r}")
        services.set_impact(
            incident,
            module_region=module_region,
            impact="" if payload.impact == "none" else payload.impact,
            organisation=organisation,
            at=_aware(payload.at, "at"),
            **by,
        )

    return _incident_out(_act(request, incident_id, set_impact))


@router.post(
    "/incidents/{incident_id}/resolve",
    response={200: IncidentOut, **_REFUSALS},
    summary="Resolve: every outage of the incident ends (staff only)",
)
def resolve_incident(request: HttpRequest, incident_id: Id, payload: ResolveIn) -> dict[str, Any]:

    def resolve(incident: Incident, **by: Any) -> None:
        services.resolve(incident, message=payload.message, at=_aware(payload.at, "at"), **by)

    return _incident_out(_act(request, incident_id, resolve))


@router.post(
    "/tickets/{ticket_id}/total-outage",
    response={201: IncidentOut, **_REFUSALS},
    summary="Confirm a Severity 1 ticket as a total outage, linking an incident (staff only)",
)
def confirm_total_outage(
    request: HttpRequest, ticket_id: Id, payload: TotalOutageIn
) -> Status[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    tickets = Ticket.objects.select_related("organisation", "module", "region")
    # As the help desk's ticket actions: another organisation's ticket is not found, one's own
    # is refused to a customer (403).
    get_or_404(user, tickets, pk=ticket_id)
    if not is_staff(user):
        raise HttpError(403, "only the vendor's staff confirm a ticket as a total outage")
    with transaction.atomic():
        ticket = get_or_404(user, tickets.select_for_update(of=("self",)), pk=ticket_id)
        incident = None
        if payload.incident is not None:
            incident = Incident.objects.filter(pk=payload.incident).first()
            if incident is None:
                raise Refused("incident: no such incident")
        link = services.confirm_total_outage(
            ticket,
            actor=user,
            now=timezone.now(),
            customer_only=payload.customer_only,
            incident=incident,
            title=payload.title,
            started_at=_aware(payload.started_at, "started_at"),
        )
    return Status(201, _incident_out(link.incident))
