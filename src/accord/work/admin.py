from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.work.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Scheduled work, for looking into; workers own the rows, so nothing is edited here."""

    list_display = ["key", "kind", "state", "due_at", "attempts", "locked_by", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["key"]
    date_hierarchy = "due_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
