"""Health checks and probe locations for the vendor's staff; what the probes found, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accord.core.admin import ReadOnlyAdmin
from accord.probes import services
from accord.probes.models import HealthCheck, ProbeLocation, ProbeState, StatusChange


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "module_region",
        "url",
        "interval_seconds",
        "quorum",
        "failures_to_confirm",
        "status",
        "status_since",
        "active",
    ]
    list_filter = ["active", "status", "module_region__region", "module_region__module"]
    search_fields = ["name", "url"]
    readonly_fields = ["status", "status_since", "outage", "created_at"]

    def save_model(self, request: HttpRequest, obj: HealthCheck, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not obj.active and obj.outage_id:
            services.reevaluate(now=timezone.now())  # a deactivated check's outage ends now


@admin.register(ProbeLocation)
class ProbeLocationAdmin(admin.ModelAdmin):
    """The token is never shown again after it is issued (by the action or `accord probe`)."""

    list_display = ["name", "slug", "active", "last_seen_at", "lease_holder", "lease_until"]
    readonly_fields = [
        "token_prefix",
        "created_at",
        "last_seen_at",
        "lease_holder",
        "lease_until",
    ]
    exclude = ["token_digest"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["issue_token"]

    def save_model(self, request: HttpRequest, obj: ProbeLocation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "active" in form.changed_data:
            services.reevaluate(now=timezone.now())  # quorums without this location

    @admin.action(description="Issue a new agent token (the old one stops working)")
    def issue_token(self, request: HttpRequest, queryset: QuerySet[ProbeLocation]) -> None:
        for location in queryset:
            if location.builtin:
                self.message_user(
                    request, f"{location} runs inside `accord worker`: no token", messages.ERROR
                )
                continue
            token = location.issue_token()
            self.message_user(
                request,
                f"Agent token for {location.slug} (copy it now, it is not shown again): {token}",
                messages.WARNING,
            )


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["health_check", "previous", "status", "at", "confirmed_at", "outage"]
    list_filter = ["status"]
    date_hierarchy = "at"


@admin.register(ProbeState)
class ProbeStateAdmin(ReadOnlyAdmin):
    list_display = ["health_check", "location", *ProbeState.STATE_FIELDS]
    list_filter = ["location", "last_ok"]
