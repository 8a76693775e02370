"""The ticket page's "Service not restored" panel: the customer's form and its deadline within
the window, the open contest shown to both sides, the answer form for a manager only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.helpdesk.conftest import restored

from accord.helpdesk.models import Status, Ticket

pytestmark = pytest.mark.django_db


def page(user: Any, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(user: Any, name: str, ticket: Ticket, data: dict[str, str]) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(reverse(name, args=[ticket.pk]), data)


def test_the_customer_contests_and_a_manager_withdraws_the_restoration(world: Any) -> None:
    ticket = restored(world)
    customer_page = page(world.acme_reporter, ticket)
    assert "Service not restored?" in customer_page
    assert "say so until" in customer_page  # the deadline
    assert "Service not restored?" not in page(world.agent, ticket)

    response = post(
        world.acme_reporter, "ticket_contest", ticket, {"contest-reason": "Exports still fail"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    for person in (world.acme_reporter, world.agent):
        text = page(person, ticket)
        assert "Restoration contested" in text and "Exports still fail" in text
    assert "Waiting for the vendor's answer" in page(world.acme_reporter, ticket)
    assert "contest-answer-decision" not in page(world.agent, ticket)
    assert "contest-answer-decision" in page(world.manager, ticket)
    for person, name in ((world.manager, "queue"), (world.acme_reporter, "ticket_list")):
        client = Client()
        client.force_login(person)
        listed = client.get(reverse(name)).content.decode()
        assert '<span class="tag">restoration contested</span>' in listed

    refused = post(
        world.manager, "ticket_contest_answer", ticket, {"contest-answer-decision": "reject"}
    )
    assert refused.status_code == 200
    assert "Say why the restoration stands" in refused.content.decode()

    done = post(
        world.manager, "ticket_contest_answer", ticket, {"contest-answer-decision": "accept"}
    )
    assert done.status_code == 302
    text = page(world.acme_reporter, ticket)
    assert "Restoration withdrawn by" in text and "Restoration contested</h2>" not in text


def test_a_refusal_is_shown_on_the_form(world: Any) -> None:
    ticket = restored(world, hours_ago=30)
    assert "Service not restored?" not in page(world.acme_reporter, ticket)
    response = post(world.acme_reporter, "ticket_contest", ticket, {"contest-reason": "down"})
    assert response.status_code == 200
    assert "The time to contest this restoration ended at" in response.content.decode()
    other = post(world.globex_reporter, "ticket_contest", ticket, {"contest-reason": "down"})
    assert other.status_code == 404


def test_the_contract_terms_page_shows_the_contest_window(world: Any) -> None:
    client = Client()
    client.force_login(world.acme_admin)
    response = client.get(reverse("contract_terms", args=["acme"]))
    assert response.status_code == 200
    assert "restoration_contest_hours = 24" in response.content.decode()
