"""Per-token API rate limits (ACCORD_API_RATE): 429 with Retry-After past the rate, counted per
token in fixed windows, on a frozen clock (no sleeps); declared in the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from accord.env import env_rate


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_a_token_past_its_rate_gets_429_with_retry_after(
    api: Any, world: Any, clock: Any, settings: Any
) -> None:
    settings.ACCORD_API_RATE = (3, 60)
    clock.at = clock.at.replace(second=15)  # 45 s left in the minute's window
    for _ in range(3):
        assert api.get(world.acme_reporter, "/api/tickets").status_code == 200
    refused = api.get(world.acme_reporter, "/api/tickets")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json()["detail"] == (
        "too many requests: this API token may make 3 requests per minute; retry after 45 s"
    )
    # Another person's token counts on its own; writes count like reads.
    assert api.get(world.agent, "/api/tickets").status_code == 200
    assert api.report(world.acme_reporter).status_code == 429
    clock.at += timedelta(seconds=44)
    assert api.get(world.acme_reporter, "/api/tickets")["Retry-After"] == "1"
    clock.at += timedelta(seconds=1)  # the next window
    assert api.get(world.acme_reporter, "/api/tickets").status_code == 200


def test_the_session_and_the_off_switch_are_not_limited(
    api: Any, world: Any, clock: Any, settings: Any, client: Any
) -> None:
    settings.ACCORD_API_RATE = (1, 60)
    client.force_login(world.acme_reporter)
    for _ in range(3):  # the portal's own calls, by session, are not counted
        assert client.get("/api/tickets").status_code == 200
    settings.ACCORD_API_RATE = None
    for _ in range(3):
        assert api.get(world.acme_reporter, "/api/tickets").status_code == 200


def test_the_429_is_declared_for_token_operations(api: Any, settings: Any) -> None:
    document = api.client.get("/api/openapi.json").json()
    declared = {
        (path, method): "429" in operation["responses"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    for (path, method), has in declared.items():
        token = any(
            "TokenAuth" in requirement
            for requirement in document["paths"][path][method].get("security", [])
        )
        assert has == token, (path, method)
    create = document["paths"]["/api/tickets"]["post"]["responses"]["429"]
    assert "Retry-After" in create["headers"]
    assert sum(declared.values()) >= 30


@pytest.mark.parametrize(
    ("value", "rate"),
    [("600/min", (600, 60)), ("10/sec", (10, 1)), ("5000/hour", (5000, 3600)), ("off", None)],
)
def test_the_rate_setting(monkeypatch: pytest.MonkeyPatch, value: str, rate: Any) -> None:
    monkeypatch.setenv("ACCORD_API_RATE", value)
    assert env_rate("ACCORD_API_RATE", "600/min") == rate


@pytest.mark.parametrize("value", ["600", "fast", "0/min", "10/fortnight", "-1/min"])
def test_a_malformed_rate_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ACCORD_API_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="ACCORD_API_RATE=.* is not a rate"):
        env_rate("ACCORD_API_RATE", "600/min")
