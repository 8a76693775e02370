"""Fault tickets through the JSON API: create, list, read, comment, status and severity."""

from __future__ import annotations

from typing import Any

import pytest

from accord.helpdesk.models import Channel, IdempotencyKey, Ticket

# --- create and read ---------------------------------------------------------------------------


def test_a_customer_reports_a_fault_and_reads_its_clock(api: Any, world: Any, clock: Any) -> None:
    response = api.report(world.acme_reporter, description="Every page answers 502")
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["organisation"] == {"slug": "acme", "name": "Acme Corp"}
    assert ticket["module"]["slug"] == "release-manager"
    assert ticket["region"]["code"] == "us"
    assert (ticket["status"], ticket["channel"], ticket["severity"]) == ("reported", "api", 1)
    assert ticket["reported_at"] == "2026-03-09T16:00:00Z"
    assert ticket["reported_by"] == {"name": "rita@acme.test", "side": "customer"}
    assert ticket["clock"] == {
        "severity_designated": 1,
        "severity_in_force": 1,
        "severity_agreed": False,
        "dispute_open": False,
        "severity_disputed": False,
        "target_seconds": 4 * 3600,
        "used_seconds": 0,
        "remaining_seconds": 4 * 3600,
        "state": "running",
        "standing": "on_track",
        "due_at": "2026-03-09T20:00:00Z",
        "breached_at": None,
        "next_warning_at": "2026-03-09T18:00:00Z",
        "computed_at": "2026-03-09T16:00:00Z",
    }
    assert [e["kind"] for e in ticket["events"]] == ["reported"]
    assert ticket["events"][0]["actor"]["name"] == "rita@acme.test"

    clock.set("09T10:30")
    read = api.get(world.acme_admin, ticket["url"]).json()
    assert read["clock"]["used_seconds"] == 90 * 60
    assert read["clock"]["remaining_seconds"] == 150 * 60
    assert read["clock"]["computed_at"] == "2026-03-09T17:30:00Z"
    stored = Ticket.objects.get(pk=ticket["id"])
    assert stored.channel == Channel.API and stored.description == "Every page answers 502"


def test_the_clock_shows_a_breach_with_negative_remaining_time(
    api: Any, world: Any, clock: Any
) -> None:
    ticket = api.report(world.acme_reporter).json()
    clock.set("09T14:00")
    read = api.get(world.agent, ticket["url"]).json()["clock"]
    assert (read["standing"], read["breached_at"]) == ("breached", "2026-03-09T20:00:01Z")
    assert read["remaining_seconds"] == -3600


def test_a_fault_without_severity_waits_for_the_customer_to_designate_it(
    api: Any, world: Any, clock: Any
) -> None:
    ticket = api.report(world.acme_reporter, severity=None).json()
    assert ticket["clock"]["standing"] == "no_severity"
    assert ticket["clock"]["due_at"] is None
    clock.set("09T11:00")
    designated = api.post(world.acme_reporter, f"{ticket['url']}/severity", {"severity": 2})
    assert designated.status_code == 200, designated.json()
    body = designated.json()
    assert body["severity"] == 2 and body["clock"]["target_seconds"] == 12 * 3600
    # Applied from the report time: 10 support hours Monday (08:00-18:00), 2 more Tuesday.
    assert body["clock"]["due_at"] == "2026-03-10T18:00:00Z"
    assert [e["kind"] for e in body["events"]] == ["reported", "severity_designated"]


def test_staff_report_for_a_named_organisation_and_must_name_one(api: Any, world: Any) -> None:
    created = api.report(world.agent, organisation="globex")
    assert created.status_code == 201
    assert created.json()["organisation"]["slug"] == "globex"
    assert created.json()["reported_by"]["side"] == "vendor"
    missing = api.report(world.agent)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "payload", "organisation"]


def test_a_customer_reports_only_for_its_own_organisation(api: Any, world: Any) -> None:
    assert api.report(world.acme_reporter, organisation="acme").status_code == 201
    for slug in ("globex", "no-such-customer"):
        refused = api.report(world.acme_reporter, organisation=slug)
        assert refused.status_code == 422
        # The same answer for another customer and for nobody: existence is not confirmed.
        assert refused.json()["detail"][0]["msg"] == f"no organisation '{slug}' that you can see"
    assert Ticket.objects.filter(organisation=world.globex).count() == 0


def test_a_ticket_can_name_its_region(api: Any, world: Any) -> None:
    created = api.report(world.acme_reporter, region="us")
    assert created.status_code == 201 and created.json()["region"]["code"] == "us"


# --- idempotency --------------------------------------------------------------------------------


def _create(api: Any, user: Any, key: str, **fields: Any) -> Any:
    body = {"module": "release-manager", "summary": "Down", "severity": 2, **fields}
    return api.post(user, "/api/tickets", body, idempotency_key=key)


def test_a_retry_with_the_same_key_and_body_returns_the_same_ticket(api: Any, world: Any) -> None:
    first = _create(api, world.acme_reporter, "3f1c")
    again = _create(api, world.acme_reporter, "3f1c")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    # Keys are per person: the same key from someone else is a new ticket.
    other = _create(api, world.acme_admin, "3f1c")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_the_same_key_with_another_body_is_a_conflict_naming_the_header(
    api: Any, world: Any
) -> None:
    _create(api, world.acme_reporter, "k-1")
    conflict = _create(api, world.acme_reporter, "k-1", summary="Something else")
    assert conflict.status_code == 409
    assert conflict.json()["detail"].startswith("Idempotency-Key:")
    assert Ticket.objects.count() == 1


def test_a_create_without_the_key_is_refused_naming_the_header(api: Any, world: Any) -> None:
    body = {"module": "release-manager", "summary": "Down"}
    response = api.post(world.acme_reporter, "/api/tickets", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    spaced = api.post(world.acme_reporter, "/api/tickets", body, idempotency_key="a key")
    assert spaced.status_code == 422
    assert spaced.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Ticket.objects.count() == 0


def test_a_concurrent_retry_that_loses_the_race_answers_with_the_winners_ticket(
    api: Any, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two retries both miss the key; the second insert hits the unique constraint, rolls its
    own ticket back and answers with the first one's."""
    from accord.helpdesk import api as helpdesk_api

    winner = _create(api, world.acme_reporter, "race").json()
    real_replay = helpdesk_api._replay
    calls = []

    def miss_once(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real_replay(*args)

    monkeypatch.setattr(helpdesk_api, "_replay", miss_once)
    loser = _create(api, world.acme_reporter, "race")
    assert loser.status_code == 200, loser.json()
    assert loser.json()["id"] == winner["id"]
    assert Ticket.objects.count() == 1 and IdempotencyKey.objects.count() == 1


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"module": "release-manager", "summary": "x", "severity": 7}, "severity"),
        ({"module": "release-manager", "summary": "x", "severity": "high"}, "severity"),
        ({"module": "release-manager", "summary": "x", "severity": True}, "severity"),
        ({"module": "release-manager", "summary": "x", "severity": "1"}, "severity"),
        ({"module": "release-manager", "summary": "nul\x00byte"}, "summary"),
        ({"module": "release-manager", "summary": "x", "description": None}, "description"),
        ({"module": "release-manager"}, "summary"),
        ({"module": "release-manager", "summary": "   "}, "summary"),
        ({"module": "release-manager", "summary": "x" * 201}, "summary"),
        ({"module": "no-such-module", "summary": "x"}, "module"),
        ({"summary": "x"}, "module"),
        ({"module": "release-manager", "summary": "x", "region": "mars"}, "region"),
        ({"module": "release-manager", "summary": "x", "severty": 1}, "severty"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api: Any, world: Any, body: dict[str, Any], field: str
) -> None:
    response = api.post(world.acme_reporter, "/api/tickets", body, idempotency_key="bad")
    assert response.status_code == 422, response.content
    assert field in [error["loc"][-1] for error in response.json()["detail"]]
    assert Ticket.objects.count() == 0 and IdempotencyKey.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(api: Any, world: Any) -> None:
    response = api.client.post(
        "/api/tickets",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token(world.acme_reporter)}",
        HTTP_IDEMPOTENCY_KEY="x",
    )
    assert response.status_code == 400


def test_a_body_over_the_servers_limit_is_a_413(api: Any, world: Any) -> None:
    body = {"module": "release-manager", "summary": "x", "description": "y" * 3_000_000}
    response = api.post(world.acme_reporter, "/api/tickets", body, idempotency_key="big")
    assert response.status_code == 413
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/tickets/0", "ticket_id"),
        ("/api/tickets/99999999999999999999", "ticket_id"),
        ("/api/tickets/abc", "ticket_id"),
        ("/api/tickets?status=bogus", "status"),
        ("/api/tickets?severity=10", "severity"),  # no policy has a level 10
        ("/api/tickets?module=nope", "module"),
        ("/api/tickets?module=a%00b", "module"),
        ("/api/tickets?region=nope", "region"),
        ("/api/tickets?organisation=nope", "organisation"),
        ("/api/tickets?limit=0", "limit"),
        ("/api/tickets?limit=1000", "limit"),
        ("/api/tickets?ordering=summary", "ordering"),
        ("/api/tickets?open=maybe", "open"),
    ],
)
def test_bad_paths_and_filters_are_422s_naming_the_field(
    api: Any, world: Any, path: str, field: str
) -> None:
    response = api.get(world.agent, path)
    assert response.status_code == 422, response.content
    locations = [error["loc"] for error in response.json()["detail"]]
    assert any(field in loc for loc in locations), locations


# --- lists --------------------------------------------------------------------------------------


def test_lists_filter_order_and_paginate(api: Any, world: Any, clock: Any) -> None:
    clock.set("09T09:00")
    slow = api.report(world.acme_reporter, severity=4, summary="slow").json()
    clock.set("09T10:00")
    urgent = api.report(world.acme_reporter, severity=1, summary="urgent").json()
    clock.set("09T11:00")
    other = api.report(world.globex_reporter, severity=2, summary="globex").json()
    api.post(world.agent, f"{slow['url']}/status", {"status": "restored", "repair": "temporary"})

    def ids(user: Any, query: str = "") -> list[int]:
        response = api.get(user, f"/api/tickets{query}")
        assert response.status_code == 200, response.json()
        return [t["id"] for t in response.json()["items"]]

    # Staff: soonest breach first, stopped clocks (no due time) last.
    assert ids(world.agent) == [urgent["id"], other["id"], slow["id"]]
    # Customers: their own, newest first.
    assert ids(world.acme_admin) == [urgent["id"], slow["id"]]
    assert ids(world.globex_reporter) == [other["id"]]
    assert ids(world.agent, "?open=true") == [urgent["id"], other["id"]]
    assert ids(world.agent, "?open=false") == [slow["id"]]
    assert ids(world.agent, "?status=restored&status=closed") == [slow["id"]]
    assert ids(world.agent, "?severity=1&severity=2") == [urgent["id"], other["id"]]
    assert ids(world.agent, "?organisation=globex") == [other["id"]]
    assert ids(world.agent, "?module=release-manager&region=us") == ids(world.agent)
    assert ids(world.agent, "?module=reporting") == []
    assert ids(world.agent, "?ordering=-reported_at") == [other["id"], urgent["id"], slow["id"]]

    page = api.get(world.agent, "/api/tickets?limit=2&offset=1").json()
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [t["id"] for t in page["items"]] == [other["id"], slow["id"]]
    listed = api.get(world.agent, "/api/tickets?limit=1").json()["items"][0]
    assert listed["clock"]["due_at"] == "2026-03-09T21:00:00Z"  # 10:00 PDT + 4 h


def test_the_catalogue_lists_modules_and_regions(api: Any, world: Any) -> None:
    modules = api.get(world.globex_reporter, "/api/modules").json()
    assert {"slug": "release-manager", "name": "Release Manager"} in modules
    regions = api.get(world.globex_reporter, "/api/regions").json()
    assert any(r["code"] == "us" and r["timezone"] == "America/Los_Angeles" for r in regions)


# --- comments -----------------------------------------------------------------------------------


def test_comments_and_internal_notes(api: Any, world: Any) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = f"{ticket['url']}/comments"
    public = api.post(world.acme_reporter, url, {"body": "  It is still down  "})
    assert public.status_code == 201
    assert public.json()["body"] == "It is still down"
    assert public.json()["author"] == {"name": "rita@acme.test", "side": "customer"}
    note = api.post(world.agent, url, {"body": "Customer's proxy, probably", "internal": True})
    assert note.status_code == 201 and note.json()["internal"] is True

    staff_view = api.get(world.agent, ticket["url"]).json()["comments"]
    assert [c["internal"] for c in staff_view] == [False, True]
    for customer in (world.acme_reporter, world.acme_admin):
        comments = api.get(customer, ticket["url"]).json()["comments"]
        assert [c["body"] for c in comments] == ["It is still down"]

    refused = api.post(world.acme_admin, url, {"body": "psst", "internal": True})
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("internal:")
    empty = api.post(world.acme_admin, url, {"body": " "})
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "payload", "body"]


# --- status -------------------------------------------------------------------------------------


def test_the_lifecycle_stops_and_resumes_the_clock(api: Any, world: Any, clock: Any) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = ticket["url"]
    clock.set("09T09:15")
    acked = api.post(world.agent, f"{url}/status", {"status": "acknowledged", "note": "on it"})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["events"][-1]["data"] == {"from": "reported", "note": "on it"}

    missing_repair = api.post(world.agent, f"{url}/status", {"status": "restored"})
    assert missing_repair.status_code == 400
    assert missing_repair.json()["detail"].startswith("repair:")

    clock.set("09T10:30")
    restored = api.post(world.agent, f"{url}/status", {"status": "restored", "repair": "temporary"})
    body = restored.json()
    assert body["status"] == "restored" and body["repair"] == "temporary"
    assert (body["clock"]["state"], body["clock"]["standing"]) == ("stopped", "met")
    assert body["clock"]["used_seconds"] == 90 * 60

    back_to_reported = api.post(world.agent, f"{url}/status", {"status": "reported"})
    assert back_to_reported.status_code == 422  # no ticket moves to "reported"
    conflict = api.post(world.agent, f"{url}/status", {"status": "in_progress"})
    assert conflict.status_code == 409  # reopen it instead
    assert "can move to" in conflict.json()["detail"]

    clock.set("10T08:00")
    reopened = api.post(world.acme_reporter, f"{url}/reopen", {"reason": "down again"})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "in_progress"
    assert reopened.json()["clock"]["due_at"] == "2026-03-10T17:30:00Z"
    assert api.post(world.acme_reporter, f"{url}/reopen", {"reason": "x"}).status_code == 409
    no_reason = api.post(world.acme_reporter, f"{url}/reopen", {"reason": " "})
    assert no_reason.status_code == 422

    customer_status = api.post(world.acme_reporter, f"{url}/status", {"status": "acknowledged"})
    assert customer_status.status_code == 403
    api.post(world.agent, f"{url}/status", {"status": "restored", "repair": "permanent"})
    closed = api.post(world.acme_reporter, f"{url}/status", {"status": "closed"})
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    kinds = [e["kind"] for e in closed.json()["events"]]
    assert kinds == ["reported", "acknowledged", "restored", "reopened", "restored", "closed"]


# --- severity disputes --------------------------------------------------------------------------


def test_a_severity_dispute_accepted_by_the_customer(api: Any, world: Any, clock: Any) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = ticket["url"]
    clock.set("09T09:30")
    proposal = {"severity": 3, "reason": "a workaround exists"}
    proposed = api.post(world.agent, f"{url}/severity/proposals", proposal)
    assert proposed.status_code == 200, proposed.json()
    body = proposed.json()
    assert body["clock"]["dispute_open"] is True and body["clock"]["severity_in_force"] == 1
    assert body["open_proposal"]["severity"] == 3
    assert body["open_proposal"]["reason"] == "a workaround exists"
    assert body["open_proposal"]["proposed_by"]["side"] == "vendor"

    assert api.post(world.agent, f"{url}/severity/proposals", proposal).status_code == 409
    assert api.post(world.acme_admin, f"{url}/severity", {"severity": 2}).status_code == 409
    staff_answer = api.post(world.agent, f"{url}/severity/proposals/answer", {"accept": True})
    assert staff_answer.status_code == 403

    # The customer sees the whole dispute too.
    seen = api.get(world.acme_reporter, url).json()
    assert seen["open_proposal"]["severity"] == 3

    clock.set("09T10:00")
    answer = {"accept": True, "note": "fair"}
    accepted = api.post(world.acme_admin, f"{url}/severity/proposals/answer", answer)
    assert accepted.status_code == 200
    clock_now = accepted.json()["clock"]
    assert (clock_now["severity_in_force"], clock_now["severity_agreed"]) == (3, True)
    assert clock_now["dispute_open"] is False and accepted.json()["open_proposal"] is None
    assert clock_now["due_at"] == "2026-03-11T16:00:00Z"
    assert accepted.json()["severity"] == 1  # the customer's designation is kept in the record
    again = api.post(world.acme_admin, f"{url}/severity/proposals/answer", {"accept": False})
    assert again.status_code == 409


def test_a_rejected_proposal_then_a_customer_proposal_a_manager_accepts(
    api: Any, world: Any
) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = ticket["url"]
    api.post(world.agent, f"{url}/severity/proposals", {"severity": 2, "reason": "one user"})
    rejected = api.post(
        world.acme_reporter, f"{url}/severity/proposals/answer", {"accept": False, "note": "no"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["clock"]["severity_in_force"] == 1
    assert rejected.json()["clock"]["dispute_open"] is False

    # The one-account "record an agreement" endpoint is gone: an agreement takes two people.
    gone = {"severity": 2, "vendor_party": "Morgan", "customer_party": "Adam"}
    assert api.post(world.manager, f"{url}/severity/agreement", gone).status_code in (404, 405)

    proposal = {"severity": 2, "reason": "after the call: one team only"}
    proposed = api.post(world.acme_admin, f"{url}/severity/proposals", proposal)
    assert proposed.status_code == 200
    assert proposed.json()["open_proposal"]["side"] == "customer"
    agent = api.post(world.agent, f"{url}/severity/proposals/answer", {"accept": True})
    assert agent.status_code == 403 and "support manager" in agent.json()["detail"]
    accepted = api.post(
        world.manager, f"{url}/severity/proposals/answer", {"accept": True, "note": "call"}
    )
    assert accepted.status_code == 200
    assert accepted.json()["clock"]["severity_in_force"] == 2
    last = accepted.json()["events"][-1]
    assert last["kind"] == "severity_agreed" and last["actor"]["side"] == "vendor"
    assert last["data"]["proposed_by"]["id"] == world.acme_admin.pk
    assert last["data"]["accepted_by"]["id"] == world.manager.pk
    assert (last["data"]["severity_before"], last["data"]["severity_after"]) == (1, 2)


def test_severity_refusals_name_who_may_act(api: Any, world: Any) -> None:
    ticket = api.report(world.acme_reporter, severity=None).json()
    url = ticket["url"]
    staff_designates = api.post(world.agent, f"{url}/severity", {"severity": 2})
    assert staff_designates.status_code == 403
    too_early = api.post(world.agent, f"{url}/severity/proposals", {"severity": 2, "reason": "x"})
    assert too_early.status_code == 409
    reasonless = api.post(world.acme_admin, f"{url}/severity/proposals", {"severity": 2})
    assert reasonless.status_code == 422
    bad = api.post(world.acme_admin, f"{url}/severity", {"severity": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "severity"
