"""Organisations (the vendor's customers), their contracts, and the people who act in Accord.

Customers' people belong to exactly one organisation; the vendor's staff belong to none and
see every organisation their role allows. Every tenant-owned model elsewhere names the path to
its organisation in `tenant_field`, which `accord.accounts.access.scope` uses.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.catalogue.models import Region
from accord.core.models import AppendOnly
from accord.core.prepared import Prepared
from accord.engine.policy import ContractTerms


class Role(models.TextChoices):
    REPORTER = "reporter", _("Customer reporter")
    CUSTOMER_ADMIN = "customer_admin", _("Customer admin")
    AGENT = "agent", _("Support agent")
    MANAGER = "manager", _("Support manager")
    VENDOR_ADMIN = "vendor_admin", _("Vendor admin")


CUSTOMER_ROLES = frozenset({Role.REPORTER, Role.CUSTOMER_ADMIN})
STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.VENDOR_ADMIN})


class Organisation(models.Model):
    """A customer of the vendor: a tenant."""

    tenant_field = "pk"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
    email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Comma-separated domains whose senders may be this organisation's users."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The columns that hold a contract's latest terms: written together by
# `accord.accounts.terms.add_version` only, shown read-only in the admin.
TERMS_FIELDS = (
    "policy_id",
    "policy_data",
    "support_hours",
    "penalties",
    "reporting_timezone",
    "monthly_fee",
    "terms_from",
)


class Contract(models.Model):
    """The SLA a customer has: a policy (stored as it was agreed) and this customer's terms.

    The terms are versioned (`ContractVersion`, append-only, each from an effective date);
    these columns hold the latest version's terms (written with it by
    `accord.accounts.terms.add_version`), in force from `terms_from` (empty: since the
    contract began), so the usual lookup, for an instant from `terms_from` on, reads no more
    rows. `accord.accounts.terms.terms_at` is the lookup everything uses.
    """

    tenant_field = "organisation"

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="contract"
    )
    policy_id = models.CharField(max_length=100)
    policy_data = models.JSONField(
        help_text=_("The policy as validated data (see docs/sla-model.md)")
    )
    support_hours = models.JSONField(
        null=True, blank=True, help_text=_("A calendar object replacing the policy's support hours")
    )
    penalties = models.JSONField(
        null=True, blank=True, help_text=_("A penalty schedule replacing the policy's example")
    )
    reporting_timezone = models.CharField(max_length=64, blank=True)
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    terms_from = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The effective date of the version these columns hold (empty: the first)"),
    )

    def __str__(self) -> str:
        return f"{self.organisation} on {self.policy_id}"

    @cached_property
    def terms(self) -> ContractTerms:
        """The terms in force now, resolved by the engine: calendars, clock rules, penalties.
        Raises `accord.accounts.terms.InvalidTerms` (naming the field) when they are broken."""
        from accord.accounts.terms import terms_at

        return terms_at(self, timezone.now())


class ContractVersion(AppendOnly):
    """One version of a contract's terms, as agreed, in force from `effective_from` (the first
    day of a month in the contract's reporting time zone; empty for the first version: since
    the contract began) until the next version's date. Never changed or deleted: a change of
    terms is a new version (`accord.accounts.terms.add_version`)."""

    never_changed = "contract versions are never changed; add a new version"
    never_deleted = "contract versions are never deleted"

    tenant_field = "contract__organisation"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField(null=True, blank=True)
    policy_id = models.CharField(max_length=100)
    policy_text = models.TextField(blank=True, help_text=_("The policy's TOML as it was entered"))
    policy_data = models.JSONField()
    support_hours = models.JSONField(null=True, blank=True)
    penalties = models.JSONField(null=True, blank=True)
    reporting_timezone = models.CharField(max_length=64, blank=True)
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="one_contract_version_number"
            )
        ]

    def __str__(self) -> str:
        since = f"from {self.effective_from}" if self.effective_from else "from the start"
        return f"{self.contract.organisation} terms v{self.number} {since}"


class User(AbstractUser):
    """A person: a customer's reporter or admin, or one of the vendor's staff."""

    email = models.EmailField(unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    timezone = models.CharField(
        max_length=64, blank=True, help_text=_("Times are shown in this zone (default: UTC)")
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Pages are shown in this language (empty: the browser's, else English)"),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="customer_roles_have_an_organisation",
                condition=(
                    Q(role__in=sorted(CUSTOMER_ROLES), organisation__isnull=False)
                    | Q(role__in=sorted(STAFF_ROLES), organisation__isnull=True)
                    | Q(role="")
                ),
            )
        ]

    @property
    def is_vendor_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def display_timezone(self) -> str:
        if self.timezone:
            return self.timezone
        if self.organisation_id is not None:
            return self.organisation.region.timezone  # type: ignore[union-attr]
        return settings.ACCORD_VENDOR_TIMEZONE  # the vendor's staff: the vendor's zone


def _digest(secret: str) -> str:
    # Tokens are 32 random bytes: a fast hash is enough, nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token: `acc_<prefix>_<secret>`, stored as a SHA-256 digest only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token and its secret text, which is shown once and never stored."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        text = f"acc_{prefix}_{secret}"
        token = cls.objects.create(user=user, name=name, prefix=prefix, digest=_digest(text))
        return token, text

    @classmethod
    def find(cls, text: str) -> ApiToken | None:
        """The live token whose text this is, or None."""
        parts = text.split("_", 2)
        if len(parts) != 3 or parts[0] != "acc":
            return None
        # The user's organisation and its region come along: nearly every request needs them
        # (the tenant scope, a new ticket's region, people's time zones). The query is compiled
        # once per process (`_token_by_prefix`): every API request makes it.
        found = _token_by_prefix(parts[1])
        token = found[0] if found else None
        if token is None or token.revoked_at is not None or not token.user.is_active:
            return None
        if not secrets.compare_digest(token.digest, _digest(text)):
            return None
        return token


_token_by_prefix = Prepared(
    lambda prefix: (
        ApiToken.objects.select_related("user__organisation__region")
        .filter(prefix=prefix)
        .order_by()
    ),  # the prefix is unique
    "stand-in: prefix",
)


class Invitation(models.Model):
    """An invitation by email link to join an organisation (or the staff) with a role."""

    tenant_field = "organisation"

    email = models.EmailField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"invitation of {self.email} as {self.role}"

    @classmethod
    def digest_of(cls, token: str) -> str:
        return _digest(token)

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class LoginFailure(models.Model):
    """A failed login, kept briefly to throttle guessing (per username and per address)."""

    username = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"failed login {self.username} at {self.at:%Y-%m-%d %H:%M}"


class PasswordResetRequest(models.Model):
    """A request for a password-reset email, kept briefly to throttle them (per email and per
    address). Recorded whether or not the address has an account, so the answer tells nothing."""

    email = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"password reset for {self.email} at {self.at:%Y-%m-%d %H:%M}"


class TwoFactorPolicy(models.Model):
    """Whether the vendor's staff must sign in with a second factor: one row (pk 1), changed
    by vendor admins on the two-factor policy page and recorded in the audit log."""

    staff_required = models.BooleanField(
        default=False, verbose_name=_("two-factor sign-in required for staff")
    )

    def __str__(self) -> str:
        return "two-factor policy"

    @classmethod
    def current(cls) -> TwoFactorPolicy:
        policy, created = cls.objects.get_or_create(pk=1)
        return policy
