"""Severity through the API: a designation refused once restored, closed or agreed is a 409 with
the reason; agreements take a proposal from one side accepted by the other (issue 14)."""

from __future__ import annotations

from typing import Any

SEVERITY_ENDPOINTS = ("severity", "severity/proposals", "severity/proposals/answer")


def test_the_openapi_document_declares_the_refusals_of_the_severity_endpoints(api: Any) -> None:
    paths = api.client.get("/api/openapi.json").json()["paths"]
    for action in SEVERITY_ENDPOINTS:
        responses = paths[f"/api/tickets/{{ticket_id}}/{action}"]["post"]["responses"]
        assert {"200", "403", "409"} <= set(responses), action
    assert "/api/tickets/{ticket_id}/severity/agreement" not in paths


def test_a_restored_sev4_redesignated_sev1_is_a_409_and_nothing_changes(
    api: Any, world: Any, clock: Any
) -> None:
    url = api.report(world.acme_reporter, severity=4).json()["url"]
    clock.set("10T12:00")  # 13 support hours: met for Sev 4, a breach for Sev 1
    restored = api.post(world.agent, f"{url}/status", {"status": "restored", "repair": "temporary"})
    assert restored.json()["clock"]["standing"] == "met"
    clock.set("11T09:00")
    refused = api.post(world.acme_admin, f"{url}/severity", {"severity": 1})
    assert refused.status_code == 409
    assert "changes only by agreement" in refused.json()["detail"]
    after = api.get(world.acme_admin, url).json()
    assert (after["clock"]["severity_in_force"], after["clock"]["standing"]) == (4, "met")
    assert [e["kind"] for e in after["events"]] == ["reported", "restored"]
    api.post(world.acme_admin, f"{url}/status", {"status": "closed"})
    closed = api.post(world.acme_admin, f"{url}/severity", {"severity": 1})
    assert closed.status_code == 409


def test_an_agreed_severity_redesignated_is_a_409(api: Any, world: Any, clock: Any) -> None:
    url = api.report(world.acme_reporter, severity=1).json()["url"]
    api.post(world.agent, f"{url}/severity/proposals", {"severity": 3, "reason": "workaround"})
    clock.set("09T10:00")
    api.post(world.acme_reporter, f"{url}/severity/proposals/answer", {"accept": True})
    refused = api.post(world.acme_reporter, f"{url}/severity", {"severity": 1})
    assert refused.status_code == 409 and "was agreed by both sides" in refused.json()["detail"]
    ticket = api.get(world.acme_reporter, url).json()
    assert (ticket["clock"]["severity_in_force"], ticket["clock"]["severity_agreed"]) == (3, True)


def test_a_manager_cannot_agree_alone_on_a_closed_ticket(api: Any, world: Any, clock: Any) -> None:
    url = api.report(world.acme_reporter, severity=1).json()["url"]
    clock.set("09T15:00")  # 6 support hours: a breached Sev 1
    api.post(world.agent, f"{url}/status", {"status": "restored", "repair": "permanent"})
    api.post(world.manager, f"{url}/status", {"status": "closed"})
    answer = f"{url}/severity/proposals/answer"
    nothing_open = api.post(world.manager, answer, {"accept": True})
    assert nothing_open.status_code == 409
    proposed = api.post(
        world.manager, f"{url}/severity/proposals", {"severity": 4, "reason": "minor"}
    )
    assert proposed.status_code == 200 and proposed.json()["open_proposal"]["side"] == "vendor"
    assert api.post(world.manager, answer, {"accept": True}).status_code == 403
    assert api.post(world.vendor_admin, answer, {"accept": True}).status_code == 403
    ticket = api.get(world.manager, url).json()
    assert (ticket["clock"]["severity_in_force"], ticket["clock"]["standing"]) == (1, "breached")
    # The customer's acceptance is what makes it an agreement; the event names both people.
    clock.set("10T09:00")
    accepted = api.post(world.acme_admin, answer, {"accept": True, "note": "agreed on a call"})
    assert accepted.status_code == 200
    assert accepted.json()["clock"]["standing"] == "met"
    agreed = accepted.json()["events"][-1]
    assert agreed["kind"] == "severity_agreed"
    assert agreed["data"]["proposed_by"]["id"] == world.manager.pk
    assert agreed["data"]["accepted_by"]["id"] == world.acme_admin.pk
    assert agreed["data"]["before"]["standing"] == "breached"
    assert agreed["data"]["after"]["standing"] == "met"
