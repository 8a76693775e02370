"""The client's address, behind as many reverse proxies as the deployment trusts.

Each proxy appends the address it received the request from to X-Forwarded-For, so with N
trusted proxies the N-th entry from the right is the one the outermost proxy saw: the client.
Entries further left came from the client itself and may be forged. With no trusted proxy the
header is ignored and the connection's own address (REMOTE_ADDR) is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when it cannot be known (an address that is not one
    is never passed on: the throttle stores it in an IP address column)."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    trusted = settings.ACCORD_TRUSTED_PROXIES
    if not trusted:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        # Fewer hops than proxies: the request did not come through all of them (a health
        # check from inside, say); the nearest address known is the connection's own.
        return remote
    return _address(hops[-trusted])
