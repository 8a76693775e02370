"""A rejected proposal leaves the severity dispute unresolved (issue 21, item 6).

Before, rejecting a proposal made the "disputed" tag disappear and nothing followed. Now the
ticket stays disputed, in the queue, the customer's list, the API and the monthly report,
until both sides agree (a new proposal the other side accepts) or a meeting is recorded; a
meeting never changes the severity in force. Monday 9 March 2026, Pacific support hours.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import ApiToken
from accord.core.errors import NotPermitted, Refused, StateConflict
from accord.helpdesk import severity
from accord.helpdesk.models import EventKind, Ticket

from .test_agreements import pacific, report


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def by_token(user: Any) -> Client:
    _, secret = ApiToken.issue(user, "disputes")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def rejected(world: Any) -> Ticket:
    ticket = report(world, 1)
    severity.propose_severity(
        ticket, 3, actor=world.agent, reason="a workaround exists", now=pacific("09T10:00")
    )
    severity.answer_proposal(
        ticket, accept=False, actor=world.acme_admin, note="no", now=pacific("09T11:00")
    )
    ticket.refresh_from_db()
    return ticket


def test_a_rejected_proposal_keeps_the_ticket_disputed(world: Any) -> None:
    ticket = rejected(world)
    assert (ticket.severity_in_force, ticket.dispute_open, ticket.severity_disputed) == (
        1,
        False,
        True,
    )
    queue = signed_in(world.agent).get("/queue/").content.decode()
    assert 'class="tag">disputed</span>' in queue
    mine = signed_in(world.acme_reporter).get("/tickets/").content.decode()
    assert 'class="tag">disputed</span>' in mine
    page = signed_in(world.acme_reporter).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Disputed." in page and "until both sides agree" in page


def test_a_recorded_meeting_settles_it_and_the_severity_stands(world: Any) -> None:
    ticket = rejected(world)
    client = signed_in(world.manager)
    assert "Record the meeting" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    answer = client.post(
        f"/tickets/{ticket.pk}/settle/",
        {"settle-held_on": "2026-03-10", "settle-attendees": "Morgan (vendor), Ada (Acme)"},
        follow=True,
    )
    assert "Meeting recorded" in answer.content.decode()
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_disputed) == (1, False)
    event = ticket.events.get(kind=EventKind.SEVERITY_SETTLED)
    assert event.data["held_on"] == "2026-03-10" and event.data["severity"] == 1
    assert "Dispute settled at a meeting on 2026-03-10" in answer.content.decode()
    queue = signed_in(world.agent).get("/queue/").content.decode()
    assert 'class="tag">disputed</span>' not in queue


def test_an_agreement_ends_the_dispute_too(world: Any) -> None:
    ticket = rejected(world)
    severity.propose_severity(
        ticket, 2, actor=world.acme_admin, reason="meet halfway", now=pacific("09T12:00")
    )
    severity.answer_proposal(ticket, accept=True, actor=world.manager, now=pacific("09T13:00"))
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_disputed) == (2, False)


def test_who_may_record_a_meeting_and_when(world: Any) -> None:
    ticket = report(world, 1)
    meeting = {"held_on": date(2026, 3, 9), "attendees": "both", "now": pacific("09T12:00")}
    with pytest.raises(StateConflict, match="no unresolved severity dispute"):
        severity.settle_dispute(ticket, actor=world.manager, **meeting)
    ticket = rejected(world)
    for outsider in (world.agent, world.acme_reporter, world.globex_admin):
        with pytest.raises(NotPermitted, match="support manager or a customer admin"):
            severity.settle_dispute(ticket, actor=outsider, **meeting)
    with pytest.raises(Refused, match="^attendees"):
        severity.settle_dispute(ticket, actor=world.acme_admin, **{**meeting, "attendees": " "})
    with pytest.raises(Refused, match="^held_on"):
        severity.settle_dispute(
            ticket, actor=world.acme_admin, **{**meeting, "held_on": date(2026, 3, 10)}
        )
    severity.settle_dispute(ticket, actor=world.acme_admin, **meeting)  # the customer's side


def test_the_api_settles_and_reports_the_dispute(world: Any) -> None:
    ticket = rejected(world)
    url = f"/api/tickets/{ticket.pk}"
    customer, manager = by_token(world.acme_reporter), by_token(world.manager)
    assert customer.get(url).json()["clock"]["severity_disputed"] is True
    settle = f"{url}/severity/settlement"
    bad = manager.post(settle, {"held_on": 0, "attendees": "x"}, content_type="application/json")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.content.decode()
    done = manager.post(
        settle,
        {"held_on": "2026-03-09", "attendees": "Morgan, Ada"},
        content_type="application/json",
    )
    assert done.status_code in (200, 201), done.content
    assert customer.get(url).json()["clock"]["severity_disputed"] is False
