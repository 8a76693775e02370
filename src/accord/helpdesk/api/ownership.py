"""The help desk API's ownership: assign a ticket (`POST /api/tickets/{id}/assign`), the agent
groups (`GET /api/agent-groups`, staff) and the ticket list as CSV (`GET /api/tickets.csv`).
The rules are `accord.helpdesk.assignment`'s and `accord.helpdesk.export`'s."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query

from accord.accounts.access import is_customer_admin, is_staff
from accord.accounts.models import User
from accord.core.errors import Invalid, NotPermitted
from accord.helpdesk import assignment, selectors
from accord.helpdesk.api import (
    ResourceRouter,
    _caller,
    _module,
    _organisation,
    _raised,
    _region,
)
from accord.helpdesk.api.render import staff_member
from accord.helpdesk.api.schemas import AssignIn, GroupMembersOut, Refusal, TicketFilters
from accord.helpdesk.export import csv_response
from accord.helpdesk.models import AgentGroup, Ticket

router = ResourceRouter()


def _assign(ticket: Ticket, user: User, change: AssignIn) -> Any:
    if not is_staff(user):
        raise NotPermitted("only the vendor's support staff assign tickets")
    assignee = group = None
    if change.assignee is not None:
        assignee = User.objects.filter(pk=change.assignee).first()
        if assignee is None:
            raise Invalid(f"no person with id {change.assignee}", field="assignee")
    if change.group is not None:
        group = AgentGroup.objects.filter(pk=change.group).first()
        if group is None:
            raise Invalid(f"no agent group with id {change.group}", field="group")
    return assignment.assign(ticket, actor=user, assignee=assignee, group=group)


router.action(
    "/tickets/{ticket_id}/assign",
    AssignIn,
    _assign,
    name="assign_ticket",
    summary="Assign, reassign or unassign the ticket (staff: an agent takes it or assigns "
    "within their groups; managers and vendor admins anyone). Both fields are replaced",
)


@router.get(
    "/agent-groups",
    response={200: list[GroupMembersOut], 403: Refusal},
    summary="The agent groups and their members (staff)",
)
def list_agent_groups(request: HttpRequest) -> Any:
    if not is_staff(_caller(request)):
        raise NotPermitted("the agent groups are for the vendor's support staff")
    groups = AgentGroup.objects.prefetch_related("members").order_by("name")
    return [
        {
            "id": group.pk,
            "name": group.name,
            "members": [staff_member(m) for m in group.members.all() if m.is_active],
        }
        for group in groups
    ]


@router.get(
    "/tickets.csv",
    response={200: None, 403: Refusal},
    summary="The tickets the filters select, as CSV (staff and customer admins), every page",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def export_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> StreamingHttpResponse:
    user = _caller(request)
    staff = is_staff(user)
    if not (staff or is_customer_admin(user)):
        raise NotPermitted("the CSV export is for staff and customer admins")
    tickets = selectors.filter_tickets(
        selectors.visible_tickets(user),
        statuses=filters.status,
        severities=filters.severity,
        module=_module(filters.module, source="query") if filters.module else None,
        region=_region(filters.region, source="query") if filters.region else None,
        organisation=(
            _organisation(user, filters.organisation, source="query")
            if filters.organisation
            else None
        ),
        open=filters.open,
        view=filters.view,
        viewer=user,
        text=filters.q,
        standings=filters.standing,
        **_raised(filters, user),
    )
    ordering = filters.ordering or ("due_at" if staff else "-reported_at")
    tickets = selectors.order_tickets(tickets, ordering)
    return csv_response(tickets, customer=not staff, name="tickets")
