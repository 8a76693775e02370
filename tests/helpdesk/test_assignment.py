"""Ownership: agent groups, a ticket's assignee and group, who may change them, the history
row and the email it sends, the queue's tabs and columns, and the API (docs/helpdesk.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.core.errors import Invalid, NotPermitted, StateConflict
from accord.helpdesk import assignment
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.work.services import run_due

from .conftest import agent_team
from .conftest import open_ticket as _ticket


@pytest.fixture
def team(world: Any) -> Any:
    return agent_team(world)


def _emails(now: Any = None) -> None:
    """Run the due jobs (notices, then their emails) as the worker would."""
    moment = (now or timezone.now()) + timedelta(minutes=1)
    for _ in range(20):
        if not run_due("w", now=moment):
            return


# --- the rules -------------------------------------------------------------------------------


def test_an_agent_takes_a_ticket_and_assigns_within_their_groups(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    assignment.assign(ticket, actor=world.agent, assignee=world.agent, group=None)
    assert (ticket.assignee, ticket.group) == (world.agent, None)
    assignment.assign(ticket, actor=world.agent, assignee=team.bo, group=team.platform)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.group) == (team.bo, team.platform)
    assignment.assign(ticket, actor=world.agent, assignee=None, group=None)  # their group's
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.group) == (None, None)


def test_an_agent_cannot_assign_outside_their_groups(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    with pytest.raises(NotPermitted) as refused:
        assignment.assign(ticket, actor=world.agent, assignee=team.cy, group=None)
    assert refused.value.field == "assignee"
    with pytest.raises(NotPermitted) as refused:
        assignment.assign(ticket, actor=world.agent, assignee=None, group=team.billing)
    assert refused.value.field == "group"
    assignment.assign(ticket, actor=world.manager, assignee=team.cy, group=team.billing)
    with pytest.raises(NotPermitted):  # Cy's ticket in Billing is not the agent's to drop
        assignment.assign(ticket, actor=world.agent, assignee=None, group=None)


def test_managers_and_vendor_admins_assign_anyone(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    assignment.assign(ticket, actor=world.manager, assignee=team.cy, group=team.billing)
    assignment.assign(ticket, actor=world.vendor_admin, assignee=world.manager, group=None)
    assert ticket.assignee == world.manager


def test_the_assignee_is_active_staff_and_in_the_group(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    with pytest.raises(Invalid) as refused:
        assignment.assign(ticket, actor=world.manager, assignee=world.acme_admin, group=None)
    assert refused.value.field == "assignee"
    team.bo.is_active = False
    team.bo.save()
    with pytest.raises(Invalid):
        assignment.assign(ticket, actor=world.manager, assignee=team.bo, group=None)
    with pytest.raises(Invalid) as refused:
        assignment.assign(ticket, actor=world.manager, assignee=team.cy, group=team.platform)
    assert refused.value.field == "assignee" and "Platform" in str(refused.value)
    with pytest.raises(NotPermitted):
        assignment.assign(ticket, actor=world.acme_admin, assignee=world.agent, group=None)
    assignment.assign(ticket, actor=world.agent, assignee=world.agent, group=None)
    with pytest.raises(StateConflict):
        assignment.assign(ticket, actor=world.agent, assignee=world.agent, group=None)


# --- the history row and the email -----------------------------------------------------------


def test_an_assignment_is_an_event_and_emails_the_new_assignee(
    world: Any, team: Any, mailoutbox: list[Any]
) -> None:
    ticket = _ticket(world)
    _emails()
    mailoutbox.clear()
    assignment.assign(ticket, actor=world.manager, assignee=team.bo, group=team.platform)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert event.actor == world.manager
    assert event.data["assignee_name"] == "bo@vendor.test"
    assert event.data["group_name"] == "Platform"
    assert event.data["from_assignee"] is None
    _emails()
    assert [m.to for m in mailoutbox] == [["bo@vendor.test"]]
    assert "assigned to bo@vendor.test" in mailoutbox[0].subject + mailoutbox[0].body


def test_a_group_without_an_assignee_emails_its_members_not_the_actor(
    world: Any, team: Any, mailoutbox: list[Any]
) -> None:
    ticket = _ticket(world)
    _emails()
    mailoutbox.clear()
    assignment.assign(ticket, actor=world.agent, assignee=None, group=team.platform)
    _emails()
    assert sorted(a for m in mailoutbox for a in m.to) == ["bo@vendor.test"]  # not the agent


def test_taking_a_ticket_yourself_sends_nothing_and_customers_never_hear(
    world: Any, mailoutbox: list[Any]
) -> None:
    ticket = _ticket(world)
    _emails()
    mailoutbox.clear()
    assignment.assign(ticket, actor=world.agent, assignee=world.agent, group=None)
    _emails()
    assert mailoutbox == []


# --- the ticket page -------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_assign_from_the_ticket_page_and_see_it_in_the_history(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    client = _client(world.agent)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Ownership" in page and "Save assignment" in page
    response = client.post(
        reverse("ticket_assign", args=[ticket.pk]),
        {"assign-assignee": team.bo.pk, "assign-group": team.platform.pk},
    )
    assert response.status_code == 302
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Assigned to bo@vendor.test (Platform)" in page


def test_a_refused_assignment_is_shown_on_the_form(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    response = _client(world.manager).post(
        reverse("ticket_assign", args=[ticket.pk]),
        {"assign-assignee": team.cy.pk, "assign-group": team.platform.pk},
    )
    assert response.status_code == 200
    assert "is not a member of the group Platform" in response.content.decode()
    customer = _client(world.manager).post(
        reverse("ticket_assign", args=[ticket.pk]), {"assign-assignee": world.acme_admin.pk}
    )
    assert customer.status_code == 200 and "valid choice" in customer.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_customers_see_assigned_to_support_never_who(world: Any, team: Any) -> None:
    ticket = _ticket(world)
    assignment.assign(ticket, actor=world.manager, assignee=team.bo, group=team.platform)
    client = _client(world.acme_reporter)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Assigned to Support" in page
    assert "bo@vendor.test" not in page and "Platform" not in page
    assert "Save assignment" not in page
    response = client.post(
        reverse("ticket_assign", args=[ticket.pk]), {"assign-assignee": world.agent.pk}
    )
    assert response.status_code == 404


def test_the_agent_groups_are_listed_for_staff_only(world: Any, team: Any) -> None:
    page = _client(world.agent).get(reverse("agent_groups")).content.decode()
    assert "Platform" in page and "bo@vendor.test" in page
    assert _client(world.acme_admin).get(reverse("agent_groups")).status_code == 404


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_tabs_mine_my_groups_unassigned_all(world: Any, team: Any) -> None:
    mine = _ticket(world, summary="Mine alone")
    grouped = _ticket(world, summary="Platform's")
    billing = _ticket(world, world.globex, summary="Billing's")
    _ticket(world, summary="Nobody's")
    assignment.assign(mine, actor=world.agent, assignee=world.agent, group=None)
    assignment.assign(grouped, actor=world.agent, assignee=None, group=team.platform)
    assignment.assign(billing, actor=world.manager, assignee=team.cy, group=team.billing)
    client = _client(world.agent)

    def shown(view: str) -> set[str]:
        page = client.get(reverse("queue") + f"?view={view}").content.decode()
        names = {"Mine alone", "Platform's", "Billing's", "Nobody's"}
        return {n for n in names if n.replace("'", "&#x27;") in page}

    assert shown("mine") == {"Mine alone"}
    assert shown("group") == {"Platform's"}
    assert shown("unassigned") == {"Platform's", "Nobody's"}
    assert shown("all") == {"Mine alone", "Platform's", "Billing's", "Nobody's"}
    page = client.get(reverse("queue") + "?view=mine").content.decode()
    assert "1 open ticket" in page
    assert 'aria-current="page">Mine</a>' in page
    assert '<th scope="col">Assignee</th>' in page and "Download CSV" in page
    # The other filters are kept by the tabs and the filter form keeps the tab.
    page = client.get(reverse("queue") + f"?view=group&customer={world.acme.pk}").content.decode()
    assert f"customer={world.acme.pk}" in page and 'name="view" value="group"' in page
