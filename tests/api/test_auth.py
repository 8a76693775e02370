"""Who is calling: personal API tokens (issued, listed, revoked) and the browser session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from accord.accounts.models import ApiToken
from accord.helpdesk.models import Ticket


def test_me_describes_the_caller(api: Any, world: Any) -> None:
    me = api.get(world.acme_admin, "/api/me").json()
    assert me["email"] == "adam@acme.test"
    assert (me["role"], me["is_staff"]) == ("customer_admin", False)
    assert me["organisation"] == {"slug": "acme", "name": "Acme Corp"}
    assert me["timezone"] == "America/Los_Angeles"
    staff = api.get(world.manager, "/api/me").json()
    assert (staff["role"], staff["is_staff"], staff["organisation"]) == ("manager", True, None)


def test_a_token_is_shown_once_works_and_stops_when_revoked(api: Any, world: Any) -> None:
    created = api.post(world.acme_reporter, "/api/tokens", {"name": "  CI pipeline "})
    assert created.status_code == 201
    body = created.json()
    secret = body["token"]
    assert secret.startswith(f"acc_{body['prefix']}_") and body["name"] == "CI pipeline"
    stored = ApiToken.objects.get(pk=body["id"])
    assert secret not in (stored.digest, stored.prefix)  # only a digest is kept

    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert api.client.get("/api/me", **auth).json()["email"] == "rita@acme.test"
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    listed = api.get(world.acme_reporter, "/api/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "CI pipeline"}
    assert all("token" not in t for t in listed)

    revoked = api.delete(world.acme_reporter, f"/api/tokens/{body['id']}")
    assert revoked.status_code == 204
    assert api.client.get("/api/me", **auth).status_code == 401
    listed = api.get(world.acme_reporter, "/api/tokens").json()
    assert next(t for t in listed if t["id"] == body["id"])["revoked_at"] is not None
    # Revoking again is harmless.
    assert api.delete(world.acme_reporter, f"/api/tokens/{body['id']}").status_code == 204


def test_tokens_are_their_owners_own(api: Any, world: Any) -> None:
    token, secret = ApiToken.issue(world.acme_admin, "admin's")
    for other in (world.acme_reporter, world.globex_admin, world.vendor_admin):
        assert api.delete(other, f"/api/tokens/{token.pk}").status_code == 404
        assert token.pk not in [t["id"] for t in api.get(other, "/api/tokens").json()]
    assert api.delete(world.acme_admin, "/api/tokens/999999").status_code == 404
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert api.client.get("/api/me", **headers).status_code == 200


def test_a_token_acts_with_its_users_organisation_and_role(api: Any, world: Any) -> None:
    ticket = api.report(world.globex_reporter).json()
    assert api.get(world.acme_reporter, ticket["url"]).status_code == 404
    assert api.get(world.agent, ticket["url"]).status_code == 200


def test_a_token_name_is_required(api: Any, world: Any) -> None:
    response = api.post(world.acme_reporter, "/api/tokens", {"name": " "})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "name"


def test_an_inactive_users_token_stops_working(api: Any, world: Any) -> None:
    assert api.get(world.acme_reporter, "/api/me").status_code == 200
    world.acme_reporter.is_active = False
    world.acme_reporter.save()
    assert api.get(world.acme_reporter, "/api/me").status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(api: Any, world: Any) -> None:
    token, secret = ApiToken.issue(world.acme_reporter, "t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    api.client.get("/api/me", **headers)
    token.refresh_from_db()
    first = token.last_used_at
    api.client.get("/api/me", **headers)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    api.client.get("/api/me", **headers)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_malformed_authorization_headers_are_401s(api: Any, world: Any) -> None:
    for value in ("Bearer", "Bearer ", "Basic abc", "acc_x_y", "Bearer acc_only"):
        response = api.client.get("/api/me", HTTP_AUTHORIZATION=value)
        assert response.status_code == 401, value


def test_the_browser_session_works_with_csrf(world: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.acme_reporter)
    assert browser.get("/api/me").json()["email"] == "rita@acme.test"
    body = '{"module": "release-manager", "summary": "from the portal"}'
    without_csrf = browser.post(
        "/api/tickets", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s1"
    )
    assert without_csrf.status_code == 403
    assert Ticket.objects.count() == 0

    csrf = "k" * 32  # the cookie a portal page set, echoed in the header as Django expects
    browser.cookies["csrftoken"] = csrf
    with_csrf = browser.post(
        "/api/tickets",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="s1",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert with_csrf.status_code == 201, with_csrf.content


def test_a_bad_token_is_not_rescued_by_a_session(world: Any) -> None:
    browser = Client()
    browser.force_login(world.acme_reporter)
    assert browser.get("/api/me", HTTP_AUTHORIZATION="Bearer acc_bad_bad").status_code == 401
