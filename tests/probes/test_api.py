"""The probe agents' API: agent tokens only, the checks, batches of results."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import ApiToken
from accord.probes.models import MinuteAggregate, ProbeLocation, ProbeState

from .conftest import at

Post = Callable[..., Any]


def get(client: Client, path: str, token: str | None = None) -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **extra)


def test_only_an_agent_token_opens_the_probe_endpoints(
    world: Any,
    client: Client,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Post,
) -> None:
    check = make_check()
    location, token = agent_location("eu")
    person = ApiToken.issue(world.vendor_admin, "mine")[1]
    batch = [(check, at(0), True)]

    assert get(client, "/api/probe/checks", token).status_code == 200
    for refused in (None, person, "prb_nope_nope", "prb__x", f"{token}x", "acc_" + token[4:]):
        assert get(client, "/api/probe/checks", refused).status_code == 401, refused
        assert post_results(refused or "", batch).status_code == 401, refused
    staff = Client()
    staff.force_login(world.vendor_admin)
    assert staff.get("/api/probe/checks").status_code == 401
    # An agent token is not a person's: the rest of the API does not know it.
    for path in ("/api/me", "/api/tickets", "/api/tokens"):
        assert get(client, path, token).status_code == 401, path
    assert not ProbeState.objects.exists()

    # A new token replaces the old one; a deactivated location is shut out.
    fresh = location.issue_token()
    assert get(client, "/api/probe/checks", token).status_code == 401
    assert get(client, "/api/probe/checks", fresh).status_code == 200
    ProbeLocation.objects.filter(pk=location.pk).update(active=False)
    assert get(client, "/api/probe/checks", fresh).status_code == 401


def test_the_built_in_location_has_no_token(db: None) -> None:
    from accord.probes.services import builtin_location

    worker = builtin_location()
    assert worker.token_prefix is None
    with pytest.raises(ValueError, match="accord worker"):
        worker.issue_token()


def test_an_agent_gets_the_active_checks(
    world: Any,
    client: Client,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
) -> None:
    check = make_check(body_text="All systems go", expected_status=200, timeout_seconds=2.5)
    make_check(name="Retired", active=False)
    location, token = agent_location("eu")
    response = get(client, "/api/probe/checks", token)
    assert response.json() == {
        "location": "eu",
        "checks": [
            {
                "id": check.pk,
                "url": check.url,
                "interval_seconds": 60,
                "timeout_seconds": 2.5,
                "expected_status": 200,
                "body_text": "All systems go",
            }
        ],
    }
    location.refresh_from_db()
    assert location.last_seen_at is not None


def test_results_are_stored_once_and_a_retried_batch_counts_once(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Post,
) -> None:
    check = make_check()
    _, token = agent_location("eu")
    batch = [(check, at(0), True), (check, at(20), False), (check, at(40), True)]
    response = post_results(token, batch)
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "duplicates": 0}
    assert post_results(token, batch).json() == {"accepted": 0, "duplicates": 3}
    row = MinuteAggregate.objects.get()
    assert (row.minute, row.checks, row.failures, row.latency_sum_ms, row.latency_max_ms) == (
        int(at(0).timestamp()) // 60,
        3,
        1,
        120,
        40,
    )


def test_a_batch_naming_unknown_or_inactive_checks_is_refused_whole(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Post,
) -> None:
    check = make_check()
    retired = make_check(name="Retired", active=False)
    _, token = agent_location("eu")
    response = post_results(token, [(check, at(0), True), (retired, at(0), True)])
    assert response.status_code == 404
    assert response.json()["unknown_checks"] == [retired.pk]
    assert not MinuteAggregate.objects.exists() and not ProbeState.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"at": "2026-03-10T12:00:00"}, "at"),  # no offset
        ({"at": "2099-01-01T00:00:00Z"}, "at"),  # the agent's clock is wrong
        ({"ok": "true"}, "ok"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"check": 0}, "check"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_results_are_a_422_naming_the_field(
    world: Any,
    client: Client,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    change: dict[str, Any],
    field: str,
) -> None:
    check = make_check()
    _, token = agent_location("eu")
    item = {"check": check.pk, "at": "2026-03-10T12:00:00Z", "ok": True, "latency_ms": 5, **change}
    response = client.post(
        "/api/probe/results",
        json.dumps({"results": [item]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    assert not ProbeState.objects.exists()
