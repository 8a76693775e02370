"""Reading the audit log: who may, and the entries a filter selects.

Vendor admins read every entry; a customer admin reads the entries of its own organisation
(through `accord.accounts.access.scope`, like every tenant query); nobody else reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accord.accounts.access import scope
from accord.accounts.models import Organisation, Role, User
from accord.audit.models import AuditEntry
from accord.core.display import viewer_zone
from accord.engine.timeutil import from_epoch, local_to_epoch, zone

READ_REFUSED = "only vendor admins and customer admins read the audit log"


def may_read(user: User | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in (Role.VENDOR_ADMIN, Role.CUSTOMER_ADMIN)
    )


def may_choose_organisation(user: User | AnonymousUser) -> bool:
    return bool(may_read(user) and user.role == Role.VENDOR_ADMIN)


def organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose entries `user` reads."""
    return scope(user, Organisation.objects.all()).order_by("name")


@dataclass(frozen=True)
class Filters:
    organisation: Organisation | None = None
    object_type: str = ""
    since: date | None = None  # inclusive, a day in the viewer's time zone
    until: date | None = None  # inclusive


def entries(user: User, filters: Filters) -> QuerySet[AuditEntry]:
    """The entries `user` may read that `filters` select, newest first. Call `may_read` first:
    the vendor's agents and managers pass `scope` (they are staff) but do not read the log."""
    if not may_read(user):
        return AuditEntry.objects.none()
    found = scope(user, AuditEntry.objects.all()).select_related("organisation", "actor")
    if filters.organisation is not None:
        found = found.filter(organisation=filters.organisation)
    if filters.object_type:
        found = found.filter(object_type=filters.object_type)
    viewer = zone(viewer_zone(user))
    if filters.since is not None and (start := _midnight(filters.since, viewer)) is not None:
        found = found.filter(at__gte=start)
    if filters.until is not None and filters.until < date.max:
        end = _midnight(filters.until + timedelta(days=1), viewer)
        if end is not None:
            found = found.filter(at__lt=end)
    return found.order_by("-at", "-pk")


def _midnight(day: date, viewer: ZoneInfo) -> datetime | None:
    """The start of `day` in the viewer's zone; None for a day at the ends of the calendar
    (year 1, year 9999), which bounds nothing."""
    try:
        return from_epoch(local_to_epoch(day, 0, viewer))
    except (OverflowError, ValueError):
        return None


def change_rows(entry: AuditEntry) -> list[dict[str, Any]]:
    """The entry's changes for a page: field, old, new (`secret` when no values are kept)."""
    rows = []
    for field, value in sorted((entry.changes or {}).items()):
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": field, "old": value[0], "new": value[1], "secret": False})
        else:
            rows.append({"field": field, "old": None, "new": None, "secret": True})
    return rows
