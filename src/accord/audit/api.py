"""`GET /api/audit`: the audit log, paginated like `GET /api/tickets` (count, limit, offset,
items), newest first. Vendor admins read every organisation's entries; a customer admin its
own organisation's; anyone else gets 403."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from accord.accounts.api import (
    Clean,
    DayQuery,
    OrganisationOut,
    PersonOut,
    SlugQuery,
    UtcDateTime,
    field_error,
    person,
)
from accord.accounts.models import User
from accord.audit import services
from accord.audit.models import AuditEntry

MAX_PAGE = 200

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: UtcDateTime
    organisation: OrganisationOut | None = Field(description="null: vendor-wide")
    actor: PersonOut | None = Field(description="null: the system or a command")
    via: Literal["portal", "admin", "api", "command", "system"]
    object_type: str = Field(description="app_label.model, e.g. accounts.user")
    object_id: str
    object_label: str
    action: Literal["created", "changed", "deleted"]
    changes: dict[str, Any] = Field(
        description='field -> [old, new]; a secret field (a password) -> "changed"'
    )


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


class AuditFilters(Clean):
    organisation: SlugQuery | None = Field(
        default=None, description="Organisation slug (vendor admins; a customer admin's own)"
    )
    object_type: SlugQuery | None = Field(default=None, description="e.g. accounts.contract")
    since: DayQuery | None = Field(default=None, description="From this day (your time zone)")
    until: DayQuery | None = Field(default=None, description="To this day, inclusive")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=2**31)


def _entry(entry: AuditEntry) -> dict[str, Any]:
    organisation = entry.organisation
    return {
        "id": entry.pk,
        "at": entry.at,
        "organisation": (
            {"slug": organisation.slug, "name": organisation.name} if organisation else None
        ),
        "actor": person(entry.actor),
        "via": entry.via,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "action": entry.action,
        "changes": entry.changes,
    }


@router.get("/audit", response=AuditPage, summary="The audit log (vendor and customer admins)")
def list_audit(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    if not services.may_read(user):
        raise HttpError(403, services.READ_REFUSED)
    if filters.since and filters.until and filters.until < filters.since:
        raise field_error("until", "is before since", source="query")
    organisation = None
    if filters.organisation is not None:
        organisation = services.organisations(user).filter(slug=filters.organisation).first()
        if organisation is None:
            raise field_error(
                "organisation",
                f"no organisation {filters.organisation!r} that you can see",
                source="query",
            )
    found = services.entries(
        user,
        services.Filters(
            organisation=organisation,
            object_type=filters.object_type or "",
            since=filters.since,
            until=filters.until,
        ),
    )
    count = found.count()
    page = list(found[filters.offset : filters.offset + filters.limit])
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_entry(e) for e in page],
    }
