"""Who is calling the probe API: an `accord probe` agent, by its location's token.

`Authorization: Bearer prb_<prefix>_<secret>`. Only the probe endpoints accept it, and they
accept nothing else: a personal API token or a browser session is a 401 there, and an agent
token is a 401 everywhere else (it is not an `acc_` token). A deactivated location's token
stops working on the next request.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accord.probes.models import ProbeLocation

# `last_seen_at` is refreshed at most this often, so each batch does not cost a write.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


class AgentTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ProbeLocation | None:
        location = ProbeLocation.find(token.strip())
        if location is None:
            return None
        now = timezone.now()
        if location.last_seen_at is None or now - location.last_seen_at >= LAST_SEEN_GRANULARITY:
            ProbeLocation.objects.filter(pk=location.pk).update(last_seen_at=now)
        return location


agent_auth = AgentTokenAuth()
