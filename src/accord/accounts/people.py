"""Managing people: deactivate, reactivate and change roles.

A customer admin manages its own organisation's people (reporter <-> customer admin); a vendor
admin manages the staff (agent, manager, vendor admin) and every organisation's people. Nobody
moves a person between the staff and a customer. A change that would leave an organisation (or
the staff) without an active admin is refused, whoever makes it. Every change is a `save()` of
the user, which the audit log records with its actor (accord.audit.foundation tracks `role` and
`is_active`). A deactivated person cannot sign in, their session ends on the next request, and
their API tokens stop working (`ApiToken.find` checks `is_active`).
"""

from __future__ import annotations

from django.utils.translation import gettext

from accord.accounts.models import CUSTOMER_ROLES, STAFF_ROLES, Role, User
from accord.core.errors import Refused


def manageable(actor: User) -> list[User] | None:
    """Who `actor` may manage (None: nobody)."""
    if not actor.is_active:
        return None
    if actor.role == Role.VENDOR_ADMIN:
        return list(User.objects.order_by("email"))
    if actor.role == Role.CUSTOMER_ADMIN and actor.organisation_id:
        return list(User.objects.filter(organisation_id=actor.organisation_id).order_by("email"))
    return None


def find_person(actor: User, person_id: int) -> User:
    """The person, or `User.DoesNotExist` when outside what `actor` manages (a 404)."""
    if actor.role == Role.VENDOR_ADMIN and actor.is_active:
        return User.objects.get(pk=person_id)
    if actor.role == Role.CUSTOMER_ADMIN and actor.is_active and actor.organisation_id:
        return User.objects.get(pk=person_id, organisation_id=actor.organisation_id)
    raise User.DoesNotExist


def _admin_role(person: User) -> Role:
    return Role.VENDOR_ADMIN if person.role in STAFF_ROLES else Role.CUSTOMER_ADMIN


def _would_leave_no_admin(person: User, *, role: str, active: bool) -> bool:
    admin = _admin_role(person)
    if person.role != admin or not person.is_active:
        return False  # not an active admin now: nothing is lost
    if role == admin and active:
        return False
    others = User.objects.filter(role=admin, is_active=True).exclude(pk=person.pk)
    others = others.filter(organisation_id=person.organisation_id)
    return not others.exists()


def allowed_roles(actor: User, person: User) -> list[str]:
    """The roles `actor` may give `person`: within the person's side (staff or customer)."""
    if person.role in STAFF_ROLES:
        return (
            [r.value for r in Role if r in STAFF_ROLES] if actor.role == Role.VENDOR_ADMIN else []
        )
    return [r.value for r in Role if r in CUSTOMER_ROLES]


def change_person(
    actor: User, person: User, *, role: str | None = None, active: bool | None = None
) -> User:
    """Give `person` a new role and/or (de)activate them; refused with a reason."""
    new_role = person.role if role is None else role
    new_active = person.is_active if active is None else active
    if new_role not in Role.values:
        raise Refused(gettext("role: choose one of the roles listed"))
    if new_role != person.role and new_role not in allowed_roles(actor, person):
        if new_role in STAFF_ROLES and actor.role != Role.VENDOR_ADMIN:
            raise Refused(gettext("role: only a vendor admin gives a staff role"))
        raise Refused(
            gettext("role: a person stays on their side, the vendor's staff or a customer's")
        )
    if _would_leave_no_admin(person, role=new_role, active=new_active):
        who = person.organisation.name if person.organisation_id else gettext("the staff")
        raise Refused(
            gettext(
                "%(email)s is the last active admin of %(who)s: make someone else an admin first"
            )
            % {"email": person.email, "who": who}
        )
    if new_role == person.role and new_active == person.is_active:
        return person
    person.role = new_role
    person.is_active = new_active
    person.save(update_fields=["role", "is_active"])
    return person
