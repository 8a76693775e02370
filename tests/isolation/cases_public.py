"""The matrix's public pages: anyone reaches them, signed in or not.

A signed-in customer also sees its own figures there (the status page's month panel), so
Globex's people must never see Acme's. test_public.py calls each; test_every_url.py checks that
the patterns named here exist.
"""

from __future__ import annotations

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


ACME_PEOPLE = frozenset({"acme_reporter", "acme_admin"})
PUBLIC: dict[str, Public] = {
    "status_overall": Public(sees=ACME_PEOPLE),
    "status_region": Public(kwargs={"region": "us"}, sees=ACME_PEOPLE),
    "status_feed": Public(),
    "status_region_feed": Public(kwargs={"region": "us"}),
    "status_subscribe": Public(),
    "release_ics": Public(kwargs={"region": "us"}),
    "help_index": Public(),
    "help_sla": Public(),
    "status_subscribe/post": Public(
        method="post", body=form(email="someone@example.test", region="us")
    ),
}
