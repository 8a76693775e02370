"""Who is told of a notice (docs/email.md has the table).

The customer side is the ticket's reporter and the organisation's customer admins; the staff
side is every agent and manager for new tickets, severity disputes, clock warnings and
breaches, and the staff who have worked on the ticket for its conversation.
"""

from __future__ import annotations

from django.db.models import Q

from accord.accounts.models import STAFF_ROLES, Role, User
from accord.helpdesk.models import Comment, Ticket, TicketEvent
from accord.helpdesk.notices.notice import Notice


def customer_recipients(ticket: Ticket, admins: list[User] | None = None) -> list[User]:
    """The reporter and the organisation's customer admins (`admins`, when already read)."""
    people = {ticket.reported_by.pk: ticket.reported_by}
    if admins is None:
        admins = list(
            User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CUSTOMER_ADMIN)
        )
    for admin in admins:
        if Ticket.organisation.is_cached(ticket):  # the same row: no read for the time zone
            admin.organisation = ticket.organisation
        people[admin.pk] = admin
    return list(people.values())


def all_staff() -> list[User]:
    return list(User.objects.filter(role__in=[Role.AGENT, Role.MANAGER], is_active=True))


def _all_staff_and_admins(ticket: Ticket) -> tuple[list[User], list[User]]:
    """`all_staff()` and the ticket's organisation's customer admins, in one query."""
    staff: list[User] = []
    admins: list[User] = []
    for person in User.objects.filter(
        Q(role__in=[Role.AGENT, Role.MANAGER], is_active=True)
        | Q(organisation_id=ticket.organisation_id, role=Role.CUSTOMER_ADMIN)
    ):
        (admins if person.role == Role.CUSTOMER_ADMIN else staff).append(person)
    return staff, admins


def ticket_staff(ticket: Ticket) -> list[User]:
    """The staff who worked on the ticket (acted or commented); before anyone has, all agents
    and managers."""
    ids = set(
        TicketEvent.objects.filter(ticket=ticket, actor__role__in=STAFF_ROLES).values_list(
            "actor_id", flat=True
        )
    ) | set(
        Comment.objects.filter(ticket=ticket, author__role__in=STAFF_ROLES).values_list(
            "author_id", flat=True
        )
    )
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    return people or all_staff()


def recipients(notice: Notice) -> list[tuple[User, bool]]:
    """(person, is_customer_side) for a notice, each person once, never the actor (except the
    reporter's own acknowledgement), only active people with an address."""
    chosen: dict[int, tuple[User, bool]] = {}
    staff: list[User] = []
    admins: list[User] | None = None
    if notice.staff == "all" and notice.customer_headline:
        staff, admins = _all_staff_and_admins(notice.ticket)
    elif notice.staff == "all":
        staff = all_staff()
    elif notice.staff == "ticket":
        staff = ticket_staff(notice.ticket)
    elif notice.staff == "managers":
        staff = list(
            User.objects.filter(role__in=[Role.MANAGER, Role.VENDOR_ADMIN], is_active=True)
        )
    elif notice.staff == "people":  # named staff (an assignment's)
        staff = list(User.objects.filter(pk__in=notice.data.get("staff_ids", []), is_active=True))
    for person in staff:
        chosen[person.pk] = (person, False)
    if notice.customer_headline:
        for person in customer_recipients(notice.ticket, admins):
            if person.role in STAFF_ROLES:  # staff reporting on a customer's behalf
                chosen.setdefault(person.pk, (person, False))
            else:
                chosen[person.pk] = (person, True)
    actor_id = notice.actor.pk if notice.actor is not None else None
    result = []
    for person, customer in chosen.values():
        if not person.is_active or not person.email:
            continue
        is_reporter = person.pk == notice.ticket.reported_by_id
        if person.pk == actor_id and not (notice.include_reporter and is_reporter):
            continue
        result.append((person, customer))
    return sorted(result, key=lambda pair: pair[0].pk)
