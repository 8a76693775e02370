"""The Django admin for incidents and external monitors (the vendor's staff only).

Tokens are created and rotated on the staff page (/monitors/), which shows the secret once;
the admin never shows or edits a token digest. Outage rows are written by the services, so
the links to them are read-only here.
"""

from __future__ import annotations

from django.contrib import admin

from accord.incidents.models import (
    ExternalAlert,
    ExternalSource,
    Incident,
    IncidentOutage,
    IncidentTicket,
    IncidentUpdate,
)


@admin.register(ExternalSource)
class ExternalSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "module_region", "impact", "active", "last_received_at"]
    list_filter = ["kind", "active"]
    fields = [
        "name",
        "kind",
        "module_region",
        "module_label",
        "region_label",
        "impact",
        "active",
        "token_prefix",
        "last_received_at",
    ]
    readonly_fields = ["kind", "token_prefix", "last_received_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # added on /monitors/, where the token is shown once


@admin.register(ExternalAlert)
class ExternalAlertAdmin(admin.ModelAdmin):
    list_display = ["source", "monitor", "start", "received_at", "summary"]
    list_filter = ["source"]
    readonly_fields = ["source", "monitor", "start", "outage", "received_at", "summary"]


class UpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 0
    readonly_fields = ["status", "at", "author"]


class OutageInline(admin.TabularInline):
    model = IncidentOutage
    extra = 0
    readonly_fields = ["outage"]
    can_delete = False


class TicketInline(admin.TabularInline):
    model = IncidentTicket
    extra = 0
    readonly_fields = ["ticket", "customer_only", "confirmed_by", "confirmed_at"]
    can_delete = False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "public", "started_at", "resolved_at"]
    list_filter = ["status", "public"]
    search_fields = ["title"]
    readonly_fields = ["status", "started_at", "resolved_at", "created_by"]
    inlines = [UpdateInline, OutageInline, TicketInline]
