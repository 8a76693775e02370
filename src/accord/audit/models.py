"""The audit log: one row per recorded change of a contract, a person, a role or an
organisation, with the old and new values of the fields that changed. Append-only: a row is
never changed or deleted (not by `save`, not by a queryset, not in the admin)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organisation
from accord.core.errors import Immutable
from accord.core.models import AppendOnly


class Via(models.TextChoices):
    PORTAL = "portal", _("Portal")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    COMMAND = "command", _("Command line")
    SYSTEM = "system", _("System")


class Action(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise Immutable("audit entries are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise Immutable("audit entries are never deleted")


class AuditEntry(AppendOnly):
    """One change. `changes` maps a field to `[old, new]` (a created row: old is null; a
    deleted one: new is null); a secret field (a password) maps to the text "changed"."""

    never_changed = "audit entries are never changed"
    never_deleted = "audit entries are never deleted"

    # Customer admins read their own organisation's entries (`accord.accounts.access.scope`);
    # entries with no organisation (the vendor's staff, vendor-wide rows) only vendor admins.
    tenant_field = "organisation"

    at = models.DateTimeField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the system or a command"),
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    object_type = models.CharField(max_length=100, help_text=_("app_label.model"))
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            # A customer admin's log (one organisation, newest first) and the vendor's.
            models.Index(fields=["organisation", "at"], name="audit_organisation_at"),
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.object_label} {self.action} at {self.at:%Y-%m-%d %H:%M}"
