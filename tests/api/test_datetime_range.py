"""Instants beyond what a datetime holds (year 9999 with an offset, a year 1 shifted back, an
epoch of 10**20) are a 4xx naming the field, never a 500 (issue 17, part 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accord.helpdesk import services

EXTREMES: list[Any] = [
    "9999-12-31T23:59:59-12:00",  # past datetime.max once in UTC
    "9999-12-31T23:59:59Z",  # a clock or report window added to it overflows
    "0001-01-01T00:00:00+14:00",  # before datetime.min in UTC
    "0001-01-01T00:00:00Z",
    10**20,
    -(10**20),
    1e308,
    "+10000-01-01T00:00:00Z",
]


def _field_named(response: Any, field: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert field in response.content.decode(), response.content


@pytest.fixture
def incident(api: Any, world: Any) -> int:
    body = {"title": "Exports slow", "message": "Looking", "impacts": []}
    response = api.post(world.agent, "/api/incidents", body)
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


@pytest.mark.parametrize("value", EXTREMES)
def test_incident_instants(api: Any, world: Any, incident: int, value: Any) -> None:
    impact = {"module": "release-manager", "region": "us", "impact": "degraded"}
    created = api.post(
        world.agent,
        "/api/incidents",
        {"title": "x", "message": "y", "started_at": value, "impacts": [impact]},
    )
    _field_named(created, "started_at")
    changed = api.post(world.agent, f"/api/incidents/{incident}/impacts", {**impact, "at": value})
    _field_named(changed, "at")
    resolved = api.post(
        world.agent, f"/api/incidents/{incident}/resolve", {"message": "fixed", "at": value}
    )
    _field_named(resolved, "at")


@pytest.mark.parametrize("value", EXTREMES)
def test_ticket_total_outage_and_deployment_instants(api: Any, world: Any, value: Any) -> None:
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="All down", severity=1),
    )
    outage = api.post(
        world.agent,
        f"/api/tickets/{ticket.pk}/total-outage",
        {"customer_only": False, "started_at": value},
    )
    _field_named(outage, "started_at")
    deployment = {"module": "release-manager", "region": "us", "version": "9.9", "kind": "minor"}
    recorded = api.post(world.agent, "/api/releases/deployments", {**deployment, "at": value})
    _field_named(recorded, "at")


@pytest.mark.parametrize("value", EXTREMES)
def test_monitoring_webhook_instants(world: Any, value: Any) -> None:
    from accord.incidents import alerts

    _, token = alerts.create_source(name="Kuma", kind="webhook", actor=world.vendor_admin)
    down = {"module": "reporting", "region": "us", "status": "down", "at": value, "id": "k-1"}
    response = Client().post(
        "/api/hooks/webhook",
        down,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    _field_named(response, "at")


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_audit_days_at_the_ends_of_the_calendar(api: Any, world: Any, value: str) -> None:
    for field in ("since", "until"):
        response = api.get(world.vendor_admin, f"/api/audit?{field}={value}")
        assert response.status_code in (200, 422), response.content
