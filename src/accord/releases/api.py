"""The JSON API of the release calendar.

* `GET /api/releases`: releases, for anyone signed in. Release information is public product
  information (the same for every customer of a region; docs/releases.md), so any region may be
  asked for; a customer's default is its organisation's region. Ticket ids are shown only for
  tickets the caller may see.
* `POST /api/releases/deployments`: a deployment pipeline records a release as it happens, with
  a staff member's token; idempotent by version and region (201 when recorded, 200 when it was
  already).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, StringConstraints

from accord.accounts.access import is_staff
from accord.accounts.api import (
    DateTimeIn,
    In,
    Refusal,
    RowId,
    SlugQuery,
    UtcDateTime,
    field_error,
)
from accord.accounts.models import User
from accord.helpdesk.models import Ticket
from accord.monitoring.models import ModuleRegion
from accord.releases import services
from accord.releases.models import Release

router = Router(tags=["releases"])

KindName = Literal["major", "minor", "emergency"]


class ReleaseOut(Schema):
    id: int
    module: str
    region: str
    version: str
    kind: KindName
    planned_at: UtcDateTime | None
    deployed_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None
    notes: str
    superseded_by: str | None = Field(description="The later release that contains this one")
    tickets: list[int] = Field(description="Fault tickets (that you may see) it fixes")


class DeploymentIn(In):
    module: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    region: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    kind: KindName
    at: DateTimeIn | None = Field(default=None, description="Default: now")
    notes: str = ""
    tickets: list[RowId] = Field(default_factory=list, max_length=1000)


def _visible_tickets(user: User, release: Release) -> list[int]:
    tickets = release.tickets.all()
    if not is_staff(user):
        tickets = tickets.filter(organisation_id=user.organisation_id)
    return sorted(t.pk for t in tickets)


def _out(user: User, release: Release, superseding: dict[int, Release]) -> dict[str, Any]:
    later = superseding.get(release.pk)
    return {
        "id": release.pk,
        "module": release.module_region.module.slug,
        "region": release.module_region.region.code,
        "version": release.version,
        "kind": release.kind,
        "planned_at": release.planned_at,
        "deployed_at": release.deployed_at,
        "cancelled_at": release.cancelled_at,
        "notes": release.notes,
        "superseded_by": later.version if later else None,
        "tickets": _visible_tickets(user, release),
    }


@router.get("/releases", response=list[ReleaseOut], summary="Releases (planned and deployed)")
def list_releases(
    request: HttpRequest,
    region: Annotated[SlugQuery | None, Query(description="Region code; default: yours")] = None,
    module: Annotated[SlugQuery | None, Query(description="Module slug")] = None,
    upcoming: Annotated[bool, Query(description="Only planned ones not yet deployed")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    releases = Release.objects.select_related("module_region__module", "module_region__region")
    if region is None and not is_staff(user) and user.organisation_id:
        releases = releases.filter(module_region__region_id=user.organisation.region_id)
    elif region is not None:
        releases = releases.filter(module_region__region__code=region)
    if module is not None:
        releases = releases.filter(module_region__module__slug=module)
    if upcoming:
        releases = releases.filter(
            deployed_at=None, cancelled_at=None, planned_at__gte=timezone.now()
        ).order_by("planned_at", "pk")
    else:
        releases = releases.order_by("-deployed_at", "-planned_at", "-pk")
    rows = list(releases[:limit])
    superseding = services.superseding(Release.objects.filter(pk__in=[r.pk for r in rows]))
    return [_out(user, r, superseding) for r in rows]


@router.post(
    "/releases/deployments",
    response={200: ReleaseOut, 201: ReleaseOut, 403: Refusal, 409: Refusal},
    summary="Record a deployment (staff only; idempotent by version and region)",
)
def record_deployment(request: HttpRequest, payload: DeploymentIn) -> Status[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    if not is_staff(user):
        raise HttpError(403, "only the vendor's staff record deployments")
    at = payload.at or timezone.now()
    if at.tzinfo is None or at.utcoffset() is None:
        raise field_error("at", "needs a UTC offset or 'Z'")
    module_region = (
        ModuleRegion.objects.select_related("module", "region")
        .filter(module__slug=payload.module, region__code=payload.region)
        .first()
    )
    if module_region is None:
        raise field_error("module", f"no module {payload.module!r} in region {payload.region!r}")
    tickets = list(Ticket.objects.filter(pk__in=payload.tickets))
    missing = set(payload.tickets) - {t.pk for t in tickets}
    if missing:
        raise field_error("tickets", f"no ticket {min(missing)}")
    with transaction.atomic():  # a refusal (409: the release's state) is `accord.api`'s
        recorded = services.record_deployment(
            module_region, payload.version, payload.kind, at, payload.notes, tickets, actor=user
        )
    release = recorded.release
    superseding = services.superseding(Release.objects.filter(pk=release.pk))
    return Status(201 if recorded.created else 200, _out(user, release, superseding))
