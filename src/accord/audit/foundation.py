"""The foundation models the audit log tracks: organisations, contracts and their versions,
people (their roles, their organisation, whether they may sign in, their password, never its
value), invitations (a role offered to someone) and personal API tokens (issued, revoked).
Other apps register their own models in their `AppConfig.ready`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accord.audit.registry import track

# The recorded fields' names as the log page shows them, where the model marks none (the
# Django user's own fields are marked by Django: "first name", "active", "password" ...).
# The entries keep the stored names; the API shows those.
FIELD_LABELS = {
    "name": _("name"),
    "slug": _("short name (slug)"),
    "region": _("region"),
    "email_domains": _("email domains"),
    "policy_id": _("policy"),
    "policy_data": _("policy data"),
    "policy_text": _("policy text"),
    "support_hours": _("support hours"),
    "penalties": _("penalties"),
    "reporting_timezone": _("reporting time zone"),
    "monthly_fee": _("monthly fee"),
    "terms_from": _("terms from"),
    "starts_on": _("starts on"),
    "number": _("number"),
    "effective_from": _("effective from"),
    "note": _("note"),
    "created_by": _("created by"),
    "email": _("email"),
    "role": _("role"),
    "organisation": _("organisation"),
    "expires_at": _("expires at"),
    "accepted_at": _("accepted at"),
    "accepted_user": _("accepted by"),
    "user": _("person"),
    "prefix": _("prefix"),
    "revoked_at": _("revoked at"),
}


def _user_label(user: Any) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


def _version_label(version: Any) -> str:
    since = f"from {version.effective_from}" if version.effective_from else "from the start"
    return f"{version.contract.organisation} terms v{version.number} {since}"


def register() -> None:
    from accord.accounts.models import (
        TERMS_FIELDS,
        ApiToken,
        Contract,
        ContractVersion,
        Invitation,
        Organisation,
        TwoFactorPolicy,
        User,
    )

    track(
        Organisation,
        ["name", "slug", "region", "email_domains"],
        organisation=lambda o: o.pk,
        title=_("organisation"),
        labels=FIELD_LABELS,
    )
    track(
        Contract,
        [*TERMS_FIELDS, "starts_on"],  # the terms (written by add_version) and the start
        organisation=lambda c: c.organisation_id,
        title=_("contract"),
        labels=FIELD_LABELS,
    )
    track(
        ContractVersion,
        [
            "number",
            "effective_from",
            "policy_id",
            "policy_text",
            "support_hours",
            "penalties",
            "reporting_timezone",
            "monthly_fee",
            "note",
            "created_by",
        ],
        organisation=lambda v: v.contract.organisation_id,
        label=_version_label,
        title=_("contract version"),
        labels=FIELD_LABELS,
    )
    track(
        User,
        [
            "email",
            "username",
            "first_name",
            "last_name",
            "role",
            "organisation",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ],
        organisation=lambda u: u.organisation_id,
        secret=["password"],
        label=_user_label,
        title=_("person"),
        labels=FIELD_LABELS,
    )
    track(
        Invitation,
        ["email", "role", "organisation", "expires_at", "accepted_at", "accepted_user"],
        organisation=lambda i: i.organisation_id,
        label=lambda i: f"invitation of {i.email}",
        title=_("invitation"),
        labels=FIELD_LABELS,
    )
    # A personal API token acts as its person: issuing and revoking one is an access change.
    # Its digest is never recorded (only the prefix the tokens page shows).
    track(
        ApiToken,
        ["user", "name", "prefix", "revoked_at"],
        organisation=lambda t: t.user.organisation_id,
        label=lambda t: f"{t.name} ({t.prefix}…) of {t.user.email}",
        title=_("API token"),
        labels=FIELD_LABELS,
    )
    # The vendor's rule for staff sign-in (accord.accounts.two_factor): vendor admins read it.
    track(
        TwoFactorPolicy,
        ["staff_required"],
        organisation=lambda p: None,
        label=lambda p: "two-factor policy",
        title=_("two-factor policy"),
    )
