"""Per-token API rate limits: `ACCORD_API_RATE` requests (default 600 a minute) per personal API
token, then 429 with `Retry-After` until the window ends.

A fixed window counted in Django's cache (`ACCORD_CACHE`): the count of a token's requests in
the current period is one cache key, added at 0 and incremented by each request, so a request
costs one `incr`. The window starts on a multiple of the period in Unix time (a minute's on the
minute); a client can therefore send up to twice the rate across a window's edge, never more.
With the default local-memory cache each process counts alone (four gunicorn workers let a token
make four times the rate); the database cache or Redis shares the count (docs/api.md).

Only token-authenticated requests are counted (`TokenAuth` sets `request.api_token`): the
portal's session requests, the probe agents' and the incident sources' tokens are not. The
limiter is django-ninja's throttle hook, so it runs after authentication and before the
operation; the 429 is declared in the OpenAPI document of every operation a token can call.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.throttling import BaseThrottle

PERIOD_NAMES = {1: "second", 60: "minute", 3600: "hour", 86_400: "day"}


def rate() -> tuple[int, int] | None:
    """(requests, period in seconds), or None when the limit is off."""
    value: tuple[int, int] | None = settings.ACCORD_API_RATE
    return value


def describe() -> str:
    limit = rate()
    if limit is None:
        return "no limit"
    requests, period = limit
    return f"{requests} requests per {PERIOD_NAMES.get(period, f'{period} s')}"


class TokenRate(BaseThrottle):
    """django-ninja's throttle interface: `allow_request`, then `wait` when refused."""

    def __init__(self) -> None:
        # One instance serves every request; a threaded server runs several at once.
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "api_token", None)
        limit = rate()
        if token is None or limit is None:
            return True
        requests, period = limit
        # The token's prefix is unique and never reused.
        wait = over_the_rate(f"accord:api-rate:{token.prefix}", requests, period)
        if wait is None:
            return True
        self._local.wait = wait  # kept for this thread's request: ninja asks `wait` just after
        return False

    def wait(self) -> float | None:
        wait: float | None = getattr(self._local, "wait", None)
        return wait


def over_the_rate(key: str, requests: int, period: int) -> float | None:
    """Count one more under `key` in the current fixed window of `period` seconds: None while
    the count is within `requests`, else the seconds until the window ends. The one counter
    of the API's token rate and of the public forms' (status subscriptions)."""
    now = timezone.now().timestamp()
    window = int(now // period)
    counter = f"{key}:{period}:{window}"
    cache.add(counter, 0, timeout=period + 60)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=period + 60)
        count = 1
    return None if count <= requests else (window + 1) * period - now


def retry_after(wait: float | None) -> int:
    return max(1, math.ceil(wait or 1))


TOO_MANY = {
    "description": "Too many requests with this API token (ACCORD_API_RATE); retry after the "
    "number of seconds the Retry-After header gives.",
    "headers": {
        "Retry-After": {
            "description": "Seconds until the token's window ends.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}


def declare(schema: dict[str, Any], scheme: str = "TokenAuth") -> dict[str, Any]:
    """Add the 429 to every operation of the OpenAPI `schema` a personal token may call."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security") or []
            if any(scheme in requirement for requirement in security):
                operation.setdefault("responses", {})["429"] = TOO_MANY
    return schema
