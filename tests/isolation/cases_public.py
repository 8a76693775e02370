"""The matrix's public pages: anyone reaches them, signed in or not.

A signed-in customer also sees its own figures there (the status page's month panel), so
Globex's people must never see Acme's. test_public.py calls each; test_every_url.py checks that
the patterns named here exist.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from .harness import Body, form


@dataclass(frozen=True)
class Public:
    method: str = "get"
    kwargs: Mapping[str, str] = field(default_factory=dict)
    body: Body = None
    sees: frozenset[str] = frozenset()  # who must see Acme (to `marker`) there
    marker: str = "Acme Corp"


_RESETS = itertools.count()
ACME_PEOPLE = frozenset({"acme_reporter", "acme_admin"})
PUBLIC: dict[str, Public] = {
    "status_overall": Public(sees=ACME_PEOPLE),
    "status_region": Public(kwargs={"region": "us"}, sees=ACME_PEOPLE),
    "status_feed": Public(),
    "status_region_feed": Public(kwargs={"region": "us"}),
    "status_subscribe": Public(),
    "release_calendar": Public(),
    "release_ics": Public(kwargs={"region": "us"}),
    "help_index": Public(),
    "help_sla": Public(),
    "help_sla_published": Public(kwargs={"policy_id": "slack"}),
    "password_reset": Public(),
    # A new address each call: the reset throttle allows three requests per email an hour.
    "password_reset/post": Public(
        method="post", body=lambda s: {"email": f"matrix{next(_RESETS)}@acme.test"}
    ),
    "password_reset_done": Public(),
    "password_reset_complete": Public(),
    "status_subscribe/post": Public(
        method="post", body=form(email="someone@example.test", region="us")
    ),
}
