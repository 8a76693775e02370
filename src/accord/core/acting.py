"""Who is acting, and through which door: the actor and `via` of every audit entry.

It lives in `core`, below every app, so the API's authentication (accounts) can name its
caller without importing the audit app above it.

A contextvar holds them for the length of a request or a command:

* `AuditContextMiddleware` (every request): the signed-in user, via "admin" on /admin/ paths,
  "api" on /api/ and "portal" elsewhere. The user is read when an entry is written, so a sign-in
  during the request counts.
* The API's authentication (`accord.accounts.auth`) binds the caller with via "api".
* Management commands (`accord ...`, `call_command`) run with via "command" and no actor
  (`accord.audit.apps` wraps `BaseCommand.execute`).
* Anything else (a worker thread, a shell, a test calling a service): via "system", no actor.

`acting(actor, via)` sets both for a block, e.g. in a test or a script.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

VIAS = ("portal", "admin", "api", "command", "system")


@dataclass(frozen=True)
class Acting:
    via: str
    user: Any = None  # a User, or None
    request: HttpRequest | None = None  # the actor is its user, read when needed

    def actor(self) -> Any:
        if self.user is not None:
            return self.user
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


_current: ContextVar[Acting | None] = ContextVar("accord_audit_acting", default=None)


def current() -> Acting:
    return _current.get() or Acting("system")


@contextmanager
def acting(actor: Any, via: str) -> Iterator[None]:
    """Entries written inside the block name `actor` (a User or None) and `via`."""
    if via not in VIAS:
        raise ValueError(f"via: one of {', '.join(VIAS)}")
    token = _current.set(Acting(via, user=actor))
    try:
        yield
    finally:
        _current.reset(token)


def bind_api_caller(user: Any) -> None:
    """The API's caller, for the rest of the request (the middleware's reset ends it)."""
    _current.set(Acting("api", user=user))


class AuditContextMiddleware:
    """Portal and admin requests: the signed-in user acts, via "admin" or "portal"."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        via = (
            "admin"
            if path.startswith("/admin/")
            else "api"
            if path.startswith("/api/")
            else "portal"
        )
        token = _current.set(Acting(via, request=request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
