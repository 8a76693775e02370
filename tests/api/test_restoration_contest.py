"""Contesting a restoration through the API: 403 for the wrong person, 409 with the reason for
the wrong moment, and the endpoints in the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpdesk.conftest import restored

pytestmark = pytest.mark.django_db


def test_contest_and_answer_through_the_api(api: Any, world: Any) -> None:
    ticket = restored(world, hours_ago=2)
    url = f"/api/tickets/{ticket.pk}/restoration"
    before = api.get(world.acme_reporter, url).json()
    assert before["can_contest"] and not before["contested"]
    assert before["contest_until"] is not None
    assert api.get(world.agent, url).json()["can_contest"] is False

    refused = api.post(world.agent, f"{url}/contest", {"reason": "no"})
    assert refused.status_code == 403
    assert "only the customer contests" in refused.json()["detail"]

    done = api.post(world.acme_reporter, f"{url}/contest", {"reason": "Still failing"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "in_progress" and body["clock"]["state"] == "running"
    assert body["restoration"]["contested"]
    assert body["restoration"]["open_contest"]["reason"] == "Still failing"
    assert body["events"][-1]["label"] == "Restoration contested"

    again = api.post(world.acme_admin, f"{url}/contest", {"reason": "Still"})
    assert again.status_code == 409 and "already contested" in again.json()["detail"]
    customer = api.post(world.acme_reporter, f"{url}/contest/answer", {"accept": True})
    assert customer.status_code == 403
    agent = api.post(world.agent, f"{url}/contest/answer", {"accept": True})
    assert agent.status_code == 403
    no_note = api.post(world.manager, f"{url}/contest/answer", {"accept": False})
    assert no_note.status_code == 400 and no_note.json()["detail"].startswith("note: ")

    answered = api.post(
        world.manager, f"{url}/contest/answer", {"accept": False, "note": "It works for us"}
    )
    assert answered.status_code == 200
    restoration = answered.json()["restoration"]
    assert restoration["disputed"] and not restoration["contested"]
    assert restoration["answers"][0]["note"] == "It works for us"
    assert restoration["answers"][0]["accepted"] is False


def test_a_contest_after_the_window_is_a_409_with_the_reason(api: Any, world: Any) -> None:
    ticket = restored(world, hours_ago=25)
    response = api.post(
        world.acme_reporter, f"/api/tickets/{ticket.pk}/restoration/contest", {"reason": "no"}
    )
    assert response.status_code == 409
    assert "the time to contest this restoration ended at" in response.json()["detail"]
    # Another organisation's ticket is not found.
    other = api.post(
        world.globex_reporter, f"/api/tickets/{ticket.pk}/restoration/contest", {"reason": "x"}
    )
    assert other.status_code == 404


def test_the_contest_endpoints_are_in_the_openapi_document(api: Any) -> None:
    paths = api.client.get("/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/tickets/{ticket_id}/restoration"]
    for action in ("contest", "contest/answer"):
        operation = paths[f"/api/tickets/{{ticket_id}}/restoration/{action}"]["post"]
        assert {"200", "403", "409"} <= set(operation["responses"])
