"""Ownership by API: `POST /api/tickets/{id}/assign`, `GET /api/agent-groups`, `view=` on the
ticket list, what customers see, and the OpenAPI document (docs/api.md)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.helpdesk import assignment

from ..helpdesk.conftest import agent_team
from ..helpdesk.conftest import open_ticket as _ticket
from ..helpdesk.test_export import _csv as _csv_rows


@pytest.fixture
def team(world: Any) -> Any:
    return agent_team(world)


def test_the_api_assigns_and_lists_by_view(world: Any, team: Any, api: Any) -> None:
    ticket = _ticket(world)
    response = api.post(
        world.agent, f"/api/tickets/{ticket.pk}/assign", {"assignee": world.agent.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assigned"] is True and body["assignee"]["email"] == "alex@vendor.test"
    assert body["assignee"]["id"] == world.agent.pk
    assert any(e["kind"] == "assigned" for e in body["events"])
    listed = api.get(world.agent, "/api/tickets?view=mine").json()
    assert [t["id"] for t in listed["items"]] == [ticket.pk]
    assert api.get(world.agent, "/api/tickets?view=unassigned").json()["count"] == 0
    groups = api.get(world.agent, "/api/agent-groups").json()
    assert [(g["name"], len(g["members"])) for g in groups] == [("Billing", 1), ("Platform", 2)]
    assert {m["email"] for m in groups[1]["members"]} == {"alex@vendor.test", "bo@vendor.test"}


def test_the_api_names_the_field_at_fault_and_refuses_customers(
    world: Any, team: Any, api: Any
) -> None:
    ticket = _ticket(world)
    path = f"/api/tickets/{ticket.pk}/assign"
    wrong = api.post(world.manager, path, {"assignee": team.cy.pk, "group": team.platform.pk})
    assert wrong.status_code == 422 and "assignee" in wrong.content.decode()
    assert api.post(world.manager, path, {"assignee": 987654}).status_code == 422
    assert api.post(world.manager, path, {"group": 987654}).status_code == 422
    assert api.post(world.agent, path, {"assignee": team.cy.pk}).status_code == 403
    assert api.post(world.acme_admin, path, {"assignee": world.agent.pk}).status_code == 403
    assert api.post(world.globex_admin, path, {"assignee": world.agent.pk}).status_code == 404
    assignment.assign(ticket, actor=world.manager, assignee=team.bo, group=team.platform)
    seen = api.get(world.acme_reporter, f"/api/tickets/{ticket.pk}").json()
    assert (seen["assigned"], seen["assignee"], seen["group"]) == (True, None, None)
    assert all(e["kind"] != "assigned" for e in seen["events"])
    assert api.get(world.acme_admin, "/api/agent-groups").status_code == 403


def test_the_assign_endpoint_is_in_the_openapi_document(api: Any) -> None:
    paths = api.client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/tickets/{ticket_id}/assign"]
    assert "get" in paths["/api/agent-groups"]
    assert "get" in paths["/api/tickets.csv"]
    names = {p["name"] for p in paths["/api/tickets"]["get"]["parameters"]}
    assert "view" in names


def test_the_api_exports_csv_with_the_list_filters(world: Any, api: Any) -> None:
    _ticket(world, summary="Acme's fault")
    _ticket(world, world.globex, summary="Globex's fault")
    rows = _csv_rows(api.get(world.agent, "/api/tickets.csv?organisation=globex"))
    assert [r["Summary"] for r in rows] == ["Globex's fault"]
    rows = _csv_rows(api.get(world.acme_admin, "/api/tickets.csv"))
    assert [r["Summary"] for r in rows] == ["Acme's fault"]
    assert api.get(world.acme_reporter, "/api/tickets.csv").status_code == 403
    assert api.get(world.acme_admin, "/api/tickets.csv?organisation=globex").status_code in (
        404,
        422,
    )
