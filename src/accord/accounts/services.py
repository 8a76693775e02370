"""Creating organisations, contracts, people, invitations and tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.access import is_customer_admin, is_staff
from accord.accounts.models import (
    CUSTOMER_ROLES,
    STAFF_ROLES,
    ApiToken,
    Contract,
    Invitation,
    LoginFailure,
    Organisation,
    Role,
    User,
)
from accord.accounts.terms import first_version_of
from accord.catalogue.models import Region
from accord.core.errors import Refused
from accord.engine.policy import policy_to_data
from accord.policies import BUILTIN_POLICY, builtin_text, load_builtin

INVITATION_LIFETIME = timedelta(days=7)
# Login throttling: this many failures within the window lock the username (and the address).
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)


def create_organisation(
    *,
    name: str,
    slug: str,
    region: Region,
    policy_id: str = BUILTIN_POLICY,
    email_domains: str = "",
) -> Organisation:
    """A customer with a contract on a built-in policy (its terms can be edited afterwards)."""
    organisation = Organisation.objects.create(
        name=name, slug=slug, region=region, email_domains=email_domains
    )
    contract = Contract.objects.create(
        organisation=organisation,
        policy_id=policy_id,
        policy_data=policy_to_data(load_builtin(policy_id)),
    )
    first_version_of(contract, policy_text=builtin_text(policy_id))
    return organisation


def create_user(
    *,
    email: str,
    role: str,
    organisation: Organisation | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    if role in CUSTOMER_ROLES and organisation is None:
        raise Refused(_("a customer's user belongs to an organisation"))
    if role in STAFF_ROLES and organisation is not None:
        raise Refused(_("the vendor's staff belong to no customer organisation"))
    user = User(
        username=email.lower(),
        email=email.lower(),
        role=role,
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def can_invite(inviter: User, organisation: Organisation | None, role: str) -> bool:
    if inviter.role == Role.VENDOR_ADMIN:
        return True
    if is_customer_admin(inviter):
        return (
            organisation is not None
            and organisation.pk == inviter.organisation_id
            and (role in CUSTOMER_ROLES)
        )
    return False


def invite(
    *,
    inviter: User,
    email: str,
    role: str,
    organisation: Organisation | None,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """An invitation and the secret token for its link (sent by email, never stored)."""
    if not can_invite(inviter, organisation, role):
        raise Refused(_("you cannot invite people with that role to that organisation"))
    if User.objects.filter(email__iexact=email).exists():
        raise Refused(_("someone with that address already has an account"), field="email")
    token = Invitation.new_token()
    at = now or timezone.now()
    invitation = Invitation.objects.create(
        email=email.lower(),
        organisation=organisation,
        role=role,
        digest=Invitation.digest_of(token),
        invited_by=inviter,
        expires_at=at + INVITATION_LIFETIME,
    )
    return invitation, token


def find_invitation(token: str, *, now: datetime | None = None) -> Invitation | None:
    at = now or timezone.now()
    return Invitation.objects.filter(
        digest=Invitation.digest_of(token), accepted_at__isnull=True, expires_at__gt=at
    ).first()


def accept_invitation(
    invitation: Invitation,
    *,
    password: str,
    first_name: str = "",
    last_name: str = "",
    now: datetime | None = None,
) -> User:
    user = create_user(
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    invitation.accepted_at = now or timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


def login_locked(username: str, address: str | None, *, now: datetime | None = None) -> bool:
    """Whether recent failures for this username, or from this address, lock login."""
    since = (now or timezone.now()) - LOGIN_FAILURE_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    by_name = recent.filter(username=username.lower()).count()
    by_address = recent.filter(address=address).count() if address else 0
    return by_name >= LOGIN_FAILURE_LIMIT or by_address >= LOGIN_FAILURE_LIMIT * 4


def record_login_failure(
    username: str, address: str | None, *, now: datetime | None = None
) -> None:
    at = now or timezone.now()
    LoginFailure.objects.create(username=username.lower(), address=address, at=at)
    LoginFailure.objects.filter(at__lt=at - LOGIN_FAILURE_WINDOW * 4).delete()


def clear_login_failures(username: str) -> None:
    LoginFailure.objects.filter(Q(username=username.lower())).delete()


def visible_users(viewer: User) -> list[User]:
    """The people a viewer may list: staff see everyone, a customer admin its organisation."""
    if is_staff(viewer):
        return list(User.objects.order_by("email"))
    if is_customer_admin(viewer):
        return list(User.objects.filter(organisation_id=viewer.organisation_id).order_by("email"))
    return [viewer]


def issue_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A personal API token for `user` and its secret text (shown once, never stored)."""
    if not user.is_active:
        raise Refused(_("an inactive user gets no tokens"))
    name = name.strip()
    if not name:
        raise Refused(_("give the token a name (what it is for)"), field="name")
    return ApiToken.issue(user, name[:100])


def revoke_token(*, user: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens: it stops working on the next request. Someone
    else's token is not found (`ApiToken.DoesNotExist`), whoever asks; revoking twice keeps
    the first time."""
    token = ApiToken.objects.get(user=user, pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
