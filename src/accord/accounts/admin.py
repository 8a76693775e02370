"""Organisations, contracts and people in the Django admin (for the vendor's staff).

Secrets never appear: tokens and invitations show their prefix and state, not digests.
Tokens are issued on the API tokens page (where the secret is shown once), not here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accord.accounts.models import ApiToken, Contract, Invitation, LoginFailure, Organisation, User


class ContractInline(admin.StackedInline):
    model = Contract
    can_delete = False
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "region", "email_domains", "created_at"]
    list_filter = ["region"]
    search_fields = ["name", "slug", "email_domains"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContractInline]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["organisation", "policy_id", "reporting_timezone", "monthly_fee", "starts_on"]
    search_fields = ["organisation__name", "policy_id"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["email", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Accord", {"fields": ["role", "organisation", "timezone"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Accord", {"fields": ["email", "role", "organisation"]}),
    ]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__email", "prefix"]
    exclude = ["digest"]


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ["email", "role", "organisation", "invited_by", "expires_at", "accepted_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["email"]
    exclude = ["digest"]


@admin.register(LoginFailure)
class LoginFailureAdmin(_ReadOnly):
    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]
