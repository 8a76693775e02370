"""The foundation models the audit log tracks: organisations, contracts and their versions,
people (their roles, their organisation, whether they may sign in, their password, never its
value), invitations (a role offered to someone) and personal API tokens (issued, revoked).
Other apps register their own models in their `AppConfig.ready`."""

from __future__ import annotations

from typing import Any

from accord.audit.registry import track


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
    )
    track(
        Contract,
        [*TERMS_FIELDS, "starts_on"],  # the terms (written by add_version) and the start
        organisation=lambda c: c.organisation_id,
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
        title="Person",
    )
    track(
        Invitation,
        ["email", "role", "organisation", "expires_at", "accepted_at", "accepted_user"],
        organisation=lambda i: i.organisation_id,
        label=lambda i: f"invitation of {i.email}",
    )
    # A personal API token acts as its person: issuing and revoking one is an access change.
    # Its digest is never recorded (only the prefix the tokens page shows).
    track(
        ApiToken,
        ["user", "name", "prefix", "revoked_at"],
        organisation=lambda t: t.user.organisation_id,
        label=lambda t: f"{t.name} ({t.prefix}…) of {t.user.email}",
        title="API token",
    )
    # The vendor's rule for staff sign-in (accord.accounts.two_factor): vendor admins read it.
    track(
        TwoFactorPolicy,
        ["staff_required"],
        organisation=lambda p: None,
        label=lambda p: "two-factor policy",
        title="Two-factor policy",
    )
