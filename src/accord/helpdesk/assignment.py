"""Ownership of tickets: who (an assignee, one of the vendor's staff) and which agent group
handles a ticket, and who may change that (docs/helpdesk.md, "Ownership and assignment").

The rule, kept simple: an agent may take a ticket for themselves, assign it to anyone who
shares one of their groups, put it in one of their groups, and unassign a ticket that is
theirs or in one of their groups; managers and vendor admins may assign anyone to any group.
Customers never assign. The assignee must be active staff, and a member of the group when
both are given.

An assignment is a state change stored as a row: an `assigned` ticket event (the ticket's
history) written with the ticket's new columns in the caller's transaction, and a notice to
the new assignee (or, for a group without an assignee, the group's members).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.access import is_manager, is_staff
from accord.accounts.models import STAFF_ROLES, User
from accord.core.errors import Invalid, NotPermitted, StateConflict
from accord.helpdesk.clock_jobs import after_ticket_change
from accord.helpdesk.models import AgentGroup, EventKind, Ticket, TicketEvent


def assignable_staff() -> QuerySet[User]:
    """The people a ticket can be assigned to: active staff."""
    return User.objects.filter(role__in=sorted(STAFF_ROLES), is_active=True).order_by(
        "first_name", "last_name", "email"
    )


def may_assign_anyone(user: User) -> bool:
    """Managers and vendor admins assign anyone to any group; agents within their groups."""
    return is_manager(user)


def group_ids_of(user: User) -> set[int]:
    return set(AgentGroup.objects.filter(members=user).values_list("pk", flat=True))


def _label(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


def assign(
    ticket: Ticket,
    *,
    actor: User,
    assignee: User | None,
    group: AgentGroup | None,
    now: datetime | None = None,
) -> TicketEvent:
    """Set the ticket's assignee and group (None: nobody, no group): both are replaced."""
    if not is_staff(actor):
        raise NotPermitted(_("only the vendor's support staff assign tickets"))
    if assignee is not None and not (assignee.is_active and assignee.role in STAFF_ROLES):
        raise Invalid(
            _("the assignee must be an active member of the support staff"), field="assignee"
        )
    if (
        assignee is not None
        and group is not None
        and not group.members.filter(pk=assignee.pk).exists()
    ):
        raise Invalid(
            _("%(person)s is not a member of the group %(group)s")
            % {"person": _label(assignee), "group": group.name},
            field="assignee",
        )
    if not may_assign_anyone(actor):
        _check_agent(ticket, actor, assignee, group)
    if ticket.assignee_id == (assignee.pk if assignee else None) and ticket.group_id == (
        group.pk if group else None
    ):
        raise StateConflict(_("the ticket is already assigned so"))
    previous = ticket.assignee
    previous_group = ticket.group
    data: dict[str, Any] = {
        "assignee": assignee.pk if assignee else None,
        "assignee_name": _label(assignee),
        "group": group.pk if group else None,
        "group_name": group.name if group else None,
        "from_assignee": previous.pk if previous else None,
        "from_assignee_name": _label(previous),
        "from_group": previous_group.pk if previous_group else None,
        "from_group_name": previous_group.name if previous_group else None,
    }
    at = now if now is not None else timezone.now()
    ticket.assignee = assignee
    ticket.group = group
    ticket.save(update_fields=["assignee", "group"])
    data["notified"] = notified_staff_ids(ticket)
    event = TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.ASSIGNED, actor=actor, at=at, data=data
    )
    after_ticket_change(ticket, "assigned", actor=actor, event=event)
    return event


def _check_agent(
    ticket: Ticket, actor: User, assignee: User | None, group: AgentGroup | None
) -> None:
    mine = group_ids_of(actor)
    if group is not None and group.pk not in mine:
        raise NotPermitted(
            _("agents assign only to their own groups; ask a manager"), field="group"
        )
    if assignee is not None and assignee.pk != actor.pk:
        shared = AgentGroup.objects.filter(pk__in=mine, members=assignee).exists()
        if not shared:
            raise NotPermitted(
                _("agents assign only themselves or members of their groups"), field="assignee"
            )
    if assignee is None and group is None:
        theirs = ticket.assignee_id == actor.pk or (
            ticket.group_id is not None and ticket.group_id in mine
        )
        if ticket.assignee_id is not None and not theirs:
            raise NotPermitted(_("agents unassign only their own tickets or their groups' tickets"))


def notified_staff_ids(ticket: Ticket) -> list[int]:
    """Who hears of an assignment: the new assignee, or the group's members when the ticket
    went to a group with no assignee."""
    if ticket.assignee_id is not None:
        return [ticket.assignee_id]
    if ticket.group_id is not None:
        return sorted(
            User.objects.filter(agent_groups=ticket.group_id, is_active=True).values_list(
                "pk", flat=True
            )
        )
    return []
