"""The one access helper: every query for tenant data goes through `scope`.

A customer's user sees its own organisation's rows and nothing else; the vendor's staff see
every organisation. Tenant-owned models name the path to their organisation in the class
attribute `tenant_field` (e.g. `"organisation"`, `"ticket__organisation"`). An object outside
the caller's scope is *not found* (404), never *forbidden*, so ids are not confirmed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404

from accord.accounts.models import STAFF_ROLES, Role, User

M = TypeVar("M", bound=Model)


def is_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in STAFF_ROLES)


def is_manager(user: User | AnonymousUser) -> bool:
    return is_staff(user) and user.role in (Role.MANAGER, Role.VENDOR_ADMIN)


def is_customer_admin(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.role == Role.CUSTOMER_ADMIN)


def scope(user: User | AnonymousUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` that `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role in STAFF_ROLES:
        return queryset
    tenant_field = getattr(queryset.model, "tenant_field", None)
    if tenant_field is None:
        raise TypeError(f"{queryset.model.__name__} has no tenant_field: it is not tenant data")
    if user.organisation_id is None:
        return queryset.none()
    lookup = tenant_field if tenant_field == "pk" else f"{tenant_field}_id"
    if "__" in tenant_field:
        lookup = f"{tenant_field}__pk"
    return queryset.filter(**{lookup: user.organisation_id})


def get_or_404(user: User | AnonymousUser, queryset: QuerySet[M], **lookup: Any) -> M:
    """One row the user may see, or 404 whether it is missing or someone else's."""
    try:
        return scope(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404("not found") from None
