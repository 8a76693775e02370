"""Who is calling the API: a personal API token, or the browser's session.

Every API operation uses `api_auth`, in this order:

1. `Authorization: Bearer acc_...`: a personal API token (`ApiToken.find`), acting as its user
   with that user's organisation and role. A revoked token, or one whose user is inactive,
   stops working on the next request. When the header is present it is the only credential
   considered, so a bad token is a 401 even in a browser that also has a session.
2. The Django session cookie, for the portal's own scripts. Unsafe methods must carry the CSRF
   token (`X-CSRFToken`), exactly as Django's forms do: django-ninja's `SessionAuth` checks it.

The authenticated user is `request.auth` (and `request.user`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from accord.accounts.models import ApiToken, User
from accord.core.acting import bind_api_caller

# `last_used_at` is refreshed at most this often, so reads do not each cost a database write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer acc_<prefix>_<secret>`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.find(token.strip())
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_GRANULARITY:
            # A conditional update: no lost write, no read-modify-write race.
            ApiToken.objects.filter(pk=found.pk, revoked_at__isnull=True).update(last_used_at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        bind_api_caller(found.user)  # the audit log: this user acts, via "api"
        return found.user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session; CSRF is enforced on unsafe methods."""

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers:
            return None  # explicit credentials were given: only those count
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # no session: answer 401, not a CSRF failure
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if user.is_authenticated and user.is_active:
            bind_api_caller(user)  # the audit log: this user acts, via "api"
            return user  # type: ignore[return-value]
        return None


api_auth = [TokenAuth(), BrowserSessionAuth()]
