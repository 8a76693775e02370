"""Help-desk records in the Django admin.

Changes that move a ticket's clock (status, severity, events) happen only through the
services, which append events and recompute the clock: here the ticket's descriptive fields
are editable, its clock and lifecycle are read-only, and its events can only be read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.helpdesk.models import (
    AgentGroup,
    Attachment,
    Comment,
    IdempotencyKey,
    InboundMessage,
    Ticket,
    TicketEvent,
)
from accord.helpdesk.services import CLOCK_FIELDS


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["at", "kind", "actor", "severity", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "members":
            from accord.helpdesk.assignment import assignable_staff

            kwargs["queryset"] = assignable_staff()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "summary",
        "organisation",
        "module",
        "severity_in_force",
        "status",
        "standing",
        "due_at",
        "reported_at",
    ]
    list_filter = ["status", "standing", "severity_in_force", "module", "region", "organisation"]
    search_fields = ["summary", "description", "organisation__name"]
    date_hierarchy = "reported_at"
    readonly_fields = [
        "organisation",
        "severity",
        "channel",
        "status",
        "repair",
        "reported_by",
        "reported_at",
        "email_message_id",
        "assignee",  # through the ticket page or the API (accord.helpdesk.assignment)
        "group",
        *CLOCK_FIELDS,
    ]
    inlines = [TicketEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # faults are reported through the portal, the API or email

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(_ReadOnly):
    list_display = ["ticket", "kind", "at", "actor", "severity"]
    list_filter = ["kind"]
    search_fields = ["ticket__summary"]


@admin.register(Comment)
class CommentAdmin(_ReadOnly):
    list_display = ["ticket", "author", "internal", "channel", "created_at"]
    list_filter = ["internal", "channel"]
    search_fields = ["body", "ticket__summary"]


@admin.register(Attachment)
class AttachmentAdmin(_ReadOnly):
    list_display = ["filename", "ticket", "content_type", "size", "internal", "created_at"]
    list_filter = ["internal"]
    search_fields = ["filename", "ticket__summary"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(_ReadOnly):
    list_display = ["key", "user", "ticket", "created_at"]
    search_fields = ["key"]


@admin.register(InboundMessage)
class InboundMessageAdmin(_ReadOnly):
    list_display = ["received_at", "sender", "subject", "organisation", "outcome", "reason"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    exclude = ["raw"]
