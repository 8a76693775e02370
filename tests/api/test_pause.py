"""Pausing and resuming the clock through the JSON API."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_support_pauses_and_resumes_through_the_api(world: Any, api: Any, clock: Any) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = f"/api/tickets/{ticket['id']}"
    refused = api.post(world.agent, f"{url}/pause", {"reason": "waiting for logs"})
    assert refused.status_code == 409 and "does not allow pausing" in refused.json()["detail"]

    contract = world.acme.contract
    contract.policy_data["clock"]["allow_pause"] = True
    contract.save()
    assert api.post(world.acme_reporter, f"{url}/pause", {"reason": "x"}).status_code == 403
    assert api.post(world.agent, f"{url}/pause", {}).status_code == 422  # the reason is required

    clock.set("09T10:00")
    paused = api.post(world.agent, f"{url}/pause", {"reason": "waiting for logs"})
    assert paused.status_code == 200
    body = paused.json()
    assert body["clock"]["state"] == "paused" and body["clock"]["due_at"] is None
    assert body["events"][-1]["kind"] == "paused"
    assert body["events"][-1]["data"] == {"reason": "waiting for logs"}

    clock.set("09T11:00")
    resumed = api.post(world.agent, f"{url}/resume", {"note": "logs arrived by phone"})
    assert resumed.status_code == 200
    assert resumed.json()["clock"]["state"] == "running"
    assert resumed.json()["clock"]["due_at"] == "2026-03-09T21:00:00Z"  # 14:00 PDT
    assert api.post(world.agent, f"{url}/resume", {}).status_code == 409
