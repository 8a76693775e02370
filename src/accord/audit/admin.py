"""The audit log in the admin: read only. Nobody adds, changes or deletes an entry here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.audit.models import AuditEntry
from accord.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "organisation", "actor", "via", "object_type", "object_label", "action")
    list_filter = ("via", "action", "object_type", "organisation")
    search_fields = ("object_label", "object_id")
    date_hierarchy = "at"
    list_select_related = ("organisation", "actor")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in AuditEntry._meta.fields]
