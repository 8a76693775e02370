"""A contract whose stored terms are broken (written directly in the database): its customer
still gets its tickets, the clock says the terms are invalid, staff see the field at fault,
and no page or endpoint answers 500."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import ApiToken, Contract
from accord.accounts.terms import add_version, earliest_effective
from accord.helpdesk.models import Ticket
from accord.policies import builtin_text

pytestmark = pytest.mark.django_db

FIELD = "severities.0.target.hours"


def corrupt(world: Any) -> None:
    """A target of -4 hours, written with a raw update (no validation on the way)."""
    contract = Contract.objects.get(organisation=world.acme)
    data = contract.policy_data
    data["severities"][0]["target"] = {"hours": -4}
    Contract.objects.filter(pk=contract.pk).update(policy_data=data)


def client_for(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def api_post(user: Any, path: str, body: dict[str, Any], key: str) -> Any:
    token = ApiToken.issue(user, "tests")[1]
    return Client(raise_request_exception=False).post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_customer_with_a_broken_contract_still_gets_its_tickets(world: Any) -> None:
    corrupt(world)
    customer = client_for(world.acme_reporter)
    created = customer.post(
        reverse("ticket_new"),
        {"module": world.module.pk, "summary": "Portal down", "description": "", "severity": "1"},
    )
    assert created.status_code == 302
    by_portal = Ticket.objects.get(summary="Portal down")
    assert by_portal.standing == "terms_error" and by_portal.due_at is None

    answer = api_post(
        world.acme_reporter,
        "/api/tickets",
        {"module": "release-manager", "summary": "API down", "severity": 1},
        "broken-1",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["clock"]["standing"] == "terms_error"
    assert Ticket.objects.filter(summary="API down").exists()

    listing = customer.get(reverse("ticket_list"))
    assert listing.status_code == 200 and "terms invalid" in listing.content.decode().lower()
    page = customer.get(reverse("ticket_detail", args=[by_portal.pk]))
    body = page.content.decode()
    assert page.status_code == 200  # the ticket is shown, without the clock it cannot have
    assert "Portal down" in body and "contract terms cannot be read" in body
    token = ApiToken.issue(world.acme_reporter, "read")[1]
    read = Client().get(f"/api/tickets/{by_portal.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert read.status_code == 200 and read.json()["clock"]["standing"] == "terms_error"


def test_staff_see_the_field_at_fault_on_the_ticket_and_contract_pages(world: Any) -> None:
    corrupt(world)
    api_post(
        world.acme_reporter,
        "/api/tickets",
        {"module": "release-manager", "summary": "API down", "severity": 1},
        "broken-2",
    )
    ticket = Ticket.objects.get()
    staff = client_for(world.agent)
    page = staff.get(reverse("ticket_detail", args=[ticket.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and FIELD in body and "Acme Corp" in body
    assert "API down" in body and "cannot be measured" in body
    assert reverse("contract_terms", args=["acme"]) in body
    for url in (reverse("queue"), reverse("ticket_list")):
        assert staff.get(url).status_code == 200
    terms = staff.get(reverse("contract_terms", args=["acme"]))
    assert terms.status_code == 200 and FIELD in terms.content.decode()
    # An action on the ticket stands; its clock still says why it cannot be measured.
    token = ApiToken.issue(world.agent, "act")[1]
    moved = Client().post(
        f"/api/tickets/{ticket.pk}/status",
        json.dumps({"status": "acknowledged"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert moved.status_code == 200, moved.content
    assert Ticket.objects.get().standing == "terms_error"


def test_a_valid_version_repairs_the_contract_and_measures_its_tickets(world: Any) -> None:
    from django.utils import timezone

    corrupt(world)
    api_post(
        world.acme_reporter,
        "/api/tickets",
        {"module": "release-manager", "summary": "API down", "severity": 1},
        "broken-3",
    )
    contract = Contract.objects.select_related("organisation__region").get(organisation=world.acme)
    add_version(
        contract,
        policy_text=builtin_text("plutora-standard"),
        effective_from=earliest_effective(contract, timezone.now()),
        monthly_fee=Decimal("100.00"),
        note="Repair the broken target",
        actor=world.manager,
    )
    ticket = Ticket.objects.get()
    assert ticket.standing == "on_track" and ticket.target_seconds == 4 * 3600


def test_one_broken_contract_is_a_row_on_the_dashboard_and_reports_not_a_failed_page(
    world: Any,
) -> None:
    corrupt(world)
    staff = client_for(world.manager)
    dashboard = staff.get(reverse("dashboard"))
    body = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert "Contracts that cannot be measured" in body and FIELD in body
    assert reverse("contract_terms", args=["acme"]) in body
    assert "Globex" in body.split("Contracts that cannot be measured")[1]  # still measured

    reports = staff.get(reverse("report_index"))
    body = reports.content.decode()
    assert reports.status_code == 200 and FIELD in body
    assert "/reports/globex/" in body  # the other customer's months are still listed

    customer = client_for(world.acme_admin).get(reverse("report_index"))
    assert customer.status_code == 200
    assert "your contract terms cannot be read" in customer.content.decode()
    other = client_for(world.globex_admin).get(reverse("report_index")).content.decode()
    assert "Acme" not in other and "cannot be read" not in other
