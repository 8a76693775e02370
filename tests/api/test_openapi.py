"""The OpenAPI document, and the API's transaction per request."""

from __future__ import annotations

from typing import Any

import pytest

from accord.helpdesk.models import IdempotencyKey, Ticket, TicketEvent


def test_the_openapi_document_is_served_and_lists_the_ticket_endpoints(api: Any) -> None:
    response = api.client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Accord API"
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/tickets"])
    assert "get" in paths["/api/tickets/{ticket_id}"]
    for action in ("comments", "status", "reopen", "severity", "severity/proposals"):
        assert "post" in paths[f"/api/tickets/{{ticket_id}}/{action}"]
    create = paths["/api/tickets"]["post"]
    header = next(p for p in create["parameters"] if p["in"] == "header")
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    assert {"200", "201"} <= set(create["responses"])
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()


def test_the_sla_data_endpoints_are_in_the_openapi_document(api: Any) -> None:
    """Issue 18: reports, uptime and contracts, each with the answers it may give."""
    paths = api.client.get("/api/openapi.json").json()["paths"]
    for path, answers in (
        ("/api/reports", {"200", "401", "404", "422"}),
        ("/api/reports/{organisation}/{month}", {"200", "401", "404", "422"}),
        ("/api/uptime", {"200", "401", "422"}),
        ("/api/contracts", {"200", "401"}),
        ("/api/contracts/{organisation}", {"200", "401", "404", "422"}),
    ):
        assert answers <= set(paths[path]["get"]["responses"]), path
    report = paths["/api/reports/{organisation}/{month}"]["get"]["responses"]["200"]
    assert report["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportOut"
    }


def test_a_create_that_fails_before_answering_leaves_nothing_behind(
    api: Any, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction per request: no answer, no ticket (and a success is committed)."""
    from accord.helpdesk import api as helpdesk_api

    def crash(*args: Any) -> Any:
        raise RuntimeError("the process died while answering")

    monkeypatch.setattr(helpdesk_api, "_detail", crash)
    with pytest.raises(RuntimeError):
        api.report(world.acme_reporter)
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (0, 0)
    assert IdempotencyKey.objects.count() == 0


def test_an_action_that_fails_midway_changes_nothing(
    api: Any, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.helpdesk import api as helpdesk_api

    ticket = api.report(world.acme_reporter).json()
    events = TicketEvent.objects.count()
    monkeypatch.setattr(helpdesk_api, "_detail", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        api.post(world.agent, f"{ticket['url']}/status", {"status": "acknowledged"})
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.get(pk=ticket["id"]).status == "reported"
