"""Organisations, contracts and people in the Django admin (for the vendor's staff).

Secrets never appear: tokens and invitations show their prefix and state, not digests.
Tokens are issued on the API tokens page (where the secret is shown once), not here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accord.accounts.models import (
    TERMS_FIELDS,
    ApiToken,
    Contract,
    ContractVersion,
    Invitation,
    LoginFailure,
    Organisation,
    User,
)
from accord.accounts.terms import first_version_of
from accord.engine.policy import policy_to_data
from accord.policies import BUILTIN_POLICY, builtin_text, load_builtin

# Contract terms are never edited here (raw JSON could break every page that reads them):
# they are versions, added on the contract terms page or with `accord policy load`, which
# check them with the engine. The admin shows them read-only, with a link to that page.


def _terms_link(contract: Contract) -> str:
    if contract.pk is None:
        return "Saved with the organisation; its terms are then edited on the terms page."
    url = reverse("contract_terms", kwargs={"organisation": contract.organisation.slug})
    return format_html('<a href="{}">Edit the terms (a new version)</a>', url)


class ContractInline(admin.StackedInline):
    model = Contract
    can_delete = False
    extra = 0
    fields = ("terms_page", "starts_on", *TERMS_FIELDS)
    readonly_fields = ("terms_page", *TERMS_FIELDS)

    @admin.display(description="Terms")
    def terms_page(self, obj: Contract) -> str:
        return _terms_link(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "region", "email_domains", "created_at"]
    list_filter = ["region"]
    search_fields = ["name", "slug", "email_domains"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContractInline]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not Contract.objects.filter(organisation=obj).exists():
            # A new customer starts on the built-in policy, as `create_organisation` does;
            # its terms are then changed on the contract terms page.
            contract = Contract.objects.create(
                organisation=obj,
                policy_id=BUILTIN_POLICY,
                policy_data=policy_to_data(load_builtin()),
            )
            first_version_of(contract, policy_text=builtin_text(BUILTIN_POLICY))


class ContractVersionInline(admin.TabularInline):
    model = ContractVersion
    can_delete = False
    extra = 0
    fields = ("number", "effective_from", "policy_id", "monthly_fee", "note", "created_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["organisation", "policy_id", "reporting_timezone", "monthly_fee", "starts_on"]
    search_fields = ["organisation__name", "policy_id"]
    fields = ("organisation", "terms_page", "starts_on", *TERMS_FIELDS)
    readonly_fields = ("organisation", "terms_page", *TERMS_FIELDS)
    inlines = [ContractVersionInline]

    @admin.display(description="Terms")
    def terms_page(self, obj: Contract) -> str:
        return _terms_link(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a contract comes with its organisation (its first version with it)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
