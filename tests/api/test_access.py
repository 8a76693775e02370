"""Tenant isolation over every API endpoint: who gets what, for each kind of person.

Acme has a ticket (with a public comment, a staff-only note, a public and a staff-only
attachment). Globex's people must find none of it: every endpoint answers 404, exactly as for
an id that does not exist, and changes nothing; lists never show it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.helpdesk.models import Attachment, Comment, Ticket, TicketEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def png(name: str = "screen.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# Every endpoint under /api/tickets/{id}: method, path after the ticket's URL, JSON body.
TICKET_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("get", "", None),
    ("post", "/comments", {"body": "hello"}),
    ("post", "/status", {"status": "acknowledged"}),
    ("post", "/reopen", {"reason": "again"}),
    ("post", "/pause", {"reason": "waiting"}),
    ("post", "/resume", {"note": "back"}),
    ("post", "/severity", {"severity": 2}),
    ("post", "/severity/proposals", {"severity": 2, "reason": "why"}),
    ("post", "/severity/proposals/answer", {"accept": True}),
    ("post", "/severity/settlement", {"held_on": "2026-01-05", "attendees": "both sides"}),
    ("upload", "/attachments", None),
    ("post", "/total-outage", {"customer_only": False}),
    ("get", "/restoration", None),
    ("post", "/restoration/contest", {"reason": "still down"}),
    ("post", "/restoration/contest/answer", {"accept": True}),
    ("post", "/assign", {}),  # unassigning an unassigned ticket: 409 for staff, 403 customers
]


@pytest.fixture
def acme_ticket(api: Any, world: Any) -> dict[str, Any]:
    ticket = api.report(world.acme_reporter).json()
    url = ticket["url"]
    api.post(world.acme_reporter, f"{url}/comments", {"body": "public words"})
    api.post(world.agent, f"{url}/comments", {"body": "secret words", "internal": True})
    public = api.upload(world.acme_reporter, f"{url}/attachments", {"file": png()})
    internal = api.upload(
        world.agent, f"{url}/attachments", {"file": png("trace.png"), "internal": "true"}
    )
    assert (public.status_code, internal.status_code) == (201, 201), internal.content
    return {**ticket, "public_file": public.json(), "internal_file": internal.json()}


def _call(api: Any, user: Any, method: str, url: str, body: Any) -> Any:
    if method == "get":
        return api.get(user, url)
    if method == "upload":
        return api.upload(user, url, {"file": png()})
    return api.post(user, url, body)


def _fingerprint() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        Comment.objects.count(),
        Attachment.objects.count(),
    )


@pytest.mark.parametrize(("method", "suffix", "body"), TICKET_ENDPOINTS)
def test_another_organisations_ticket_is_not_found_on_every_endpoint(
    api: Any, world: Any, acme_ticket: dict[str, Any], method: str, suffix: str, body: Any
) -> None:
    before = _fingerprint()
    for outsider in (world.globex_reporter, world.globex_admin):
        theirs = _call(api, outsider, method, f"{acme_ticket['url']}{suffix}", body)
        missing = _call(api, outsider, method, f"/api/tickets/999999{suffix}", body)
        assert theirs.status_code == 404, (outsider, theirs.content)
        # Indistinguishable from an id that does not exist.
        assert theirs.json() == missing.json()
    assert _fingerprint() == before


@pytest.mark.parametrize(("method", "suffix", "body"), TICKET_ENDPOINTS)
def test_the_owner_and_staff_reach_every_endpoint(
    api: Any, world: Any, acme_ticket: dict[str, Any], method: str, suffix: str, body: Any
) -> None:
    for insider in (world.acme_reporter, world.acme_admin, *world.staff()):
        response = _call(api, insider, method, f"{acme_ticket['url']}{suffix}", body)
        # Some actions are refused to some roles or in this state (403, 409), none is hidden.
        assert response.status_code in (200, 201, 403, 409), (insider, response.content)


def test_attachment_downloads_are_scoped_to_the_ticket_and_the_organisation(
    api: Any, world: Any, acme_ticket: dict[str, Any]
) -> None:
    public, internal = acme_ticket["public_file"], acme_ticket["internal_file"]
    globex_ticket = api.report(world.globex_reporter).json()
    for outsider in (world.globex_reporter, world.globex_admin):
        assert api.get(outsider, public["url"]).status_code == 404
        assert api.get(outsider, internal["url"]).status_code == 404
        # Another organisation's file through one's own ticket is not found either.
        crossed = f"{globex_ticket['url']}/attachments/{public['id']}"
        assert api.get(outsider, crossed).status_code == 404
    for customer in (world.acme_reporter, world.acme_admin):
        assert api.get(customer, public["url"]).status_code == 200
        assert api.get(customer, internal["url"]).status_code == 404
    for staff in world.staff():
        assert api.get(staff, internal["url"]).status_code == 200


def test_customers_never_see_staff_only_notes_or_files(
    api: Any, world: Any, acme_ticket: dict[str, Any]
) -> None:
    for customer in (world.acme_reporter, world.acme_admin):
        detail = api.get(customer, acme_ticket["url"]).json()
        assert [c["body"] for c in detail["comments"]] == ["public words"]
        assert [a["filename"] for a in detail["attachments"]] == ["screen.png"]
        assert "secret words" not in str(detail)
    staff_view = api.get(world.agent, acme_ticket["url"]).json()
    assert [c["body"] for c in staff_view["comments"]] == ["public words", "secret words"]
    assert len(staff_view["attachments"]) == 2


def test_lists_never_show_another_organisation(
    api: Any, world: Any, acme_ticket: dict[str, Any]
) -> None:
    api.report(world.globex_reporter)
    queries = ["", "?open=true", "?severity=1", "?module=release-manager", "?limit=200"]
    for outsider in (world.globex_reporter, world.globex_admin):
        for query in queries:
            page = api.get(outsider, f"/api/tickets{query}").json()
            assert {t["organisation"]["slug"] for t in page["items"]} == {"globex"}
            assert page["count"] == 1
        named = api.get(outsider, "/api/tickets?organisation=acme")
        nobody = api.get(outsider, "/api/tickets?organisation=initech")
        assert named.status_code == nobody.status_code == 422
        assert named.json()["detail"][0]["msg"].replace("acme", "?") == nobody.json()["detail"][0][
            "msg"
        ].replace("initech", "?")
    for staff in world.staff():
        slugs = {t["organisation"]["slug"] for t in api.get(staff, "/api/tickets").json()["items"]}
        assert slugs == {"acme", "globex"}


ALL_ENDPOINTS = [
    ("get", "/api/me"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/1"),
    ("get", "/api/modules"),
    ("get", "/api/regions"),
    ("get", "/api/tickets"),
    ("post", "/api/tickets"),
    ("get", "/api/tickets/1"),
    ("post", "/api/tickets/1/comments"),
    ("post", "/api/tickets/1/status"),
    ("post", "/api/tickets/1/reopen"),
    ("post", "/api/tickets/1/pause"),
    ("post", "/api/tickets/1/resume"),
    ("post", "/api/tickets/1/severity"),
    ("post", "/api/tickets/1/severity/proposals"),
    ("post", "/api/tickets/1/severity/proposals/answer"),
    ("post", "/api/tickets/1/severity/settlement"),
    ("post", "/api/tickets/1/attachments"),
    ("get", "/api/tickets/1/attachments/1"),
    ("post", "/api/tickets/1/total-outage"),
    ("get", "/api/tickets/1/restoration"),
    ("post", "/api/tickets/1/restoration/contest"),
    ("post", "/api/tickets/1/restoration/contest/answer"),
    ("post", "/api/tickets/1/assign"),
    ("get", "/api/agent-groups"),
    ("get", "/api/tickets.csv"),
    ("get", "/api/incidents"),
    ("post", "/api/incidents"),
    ("get", "/api/incidents/1"),
    ("post", "/api/incidents/1/updates"),
    ("post", "/api/incidents/1/impacts"),
    ("post", "/api/incidents/1/resolve"),
    ("get", "/api/releases"),
    ("post", "/api/releases/deployments"),
    ("get", "/api/audit"),  # vendor and customer admins (tests/audit/test_reading.py)
    # The SLA data (tests/api/test_sla_data.py)
    ("get", "/api/reports"),
    ("get", "/api/reports/acme/2026-10"),
    ("get", "/api/uptime"),
    ("get", "/api/contracts"),
    ("get", "/api/contracts/acme"),
    ("post", "/api/hooks/alertmanager"),
    ("post", "/api/hooks/webhook"),
    ("post", "/api/hooks/error-rates"),  # an error_rates source's token (tests/incidents)
    ("get", "/api/probe/checks"),  # an agent token only (tests/probes/test_api.py)
    ("post", "/api/probe/results"),
]


@pytest.mark.parametrize(("method", "path"), ALL_ENDPOINTS)
def test_every_endpoint_needs_authentication(api: Any, world: Any, method: str, path: str) -> None:
    response = getattr(api.client, method)(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    bad_token = getattr(api.client, method)(path, HTTP_AUTHORIZATION="Bearer acc_nope_nope")
    assert bad_token.status_code == 401


# Open to anyone, holding no data: the index of links at /api/ (a newcomer's first request).
PUBLIC_ENDPOINTS = [("get", "/api/")]


def test_the_api_index_is_public_and_links_the_docs(api: Any) -> None:
    index = api.client.get("/api/")
    assert index.status_code == 200
    links = index.json()
    assert (links["openapi"], links["docs"]) == ("/api/openapi.json", "/api/docs")
    assert api.client.get(links["openapi"]).status_code == 200
    assert api.client.get(links["docs"]).status_code == 200


def test_every_endpoint_is_tested_here(api: Any) -> None:
    """A new endpoint must join ALL_ENDPOINTS (and, if it takes a ticket, TICKET_ENDPOINTS)."""
    paths = api.client.get("/api/openapi.json").json()["paths"]
    documented = {(m, p) for p, operations in paths.items() for m in operations}
    documented -= set(PUBLIC_ENDPOINTS)
    tested = {
        (m, p.replace("/1/attachments/1", "/{ticket_id}/attachments/{attachment_id}"))
        for m, p in ALL_ENDPOINTS
    }
    tested = {
        (
            m,
            p.replace("/tickets/1", "/tickets/{ticket_id}")
            .replace("/tokens/1", "/tokens/{token_id}")
            .replace("/incidents/1", "/incidents/{incident_id}")
            .replace("/reports/acme/2026-10", "/reports/{organisation}/{month}")
            .replace("/contracts/acme", "/contracts/{organisation}"),
        )
        for m, p in tested
    }
    assert documented == tested
