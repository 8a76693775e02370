"""Tenant isolation of the patterns that name an object by id (`OBJECTS` in cases_objects.py).

Acme's object is requested by every kind of person, with the entry's method and a valid body.
Those who may not reach it (Globex's people always; for a staff-only file Acme's customers too;
for a token everyone but its owner) get 404, exactly the answer for an id that does not exist,
whatever the method, by session and (for the API) by token, and the database and the stored
files are unchanged afterwards. Those who may reach it get through: 200/302 on the portal (its
forms show refusals on the page), and on the API at most a refusal for their role or the
ticket's state (403/409). Anonymous callers are sent to sign in (portal) or get 401 (API).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from .cases_objects import INSIDERS, OBJECTS, Case
from .harness import GLOBEX, ROLES, Scene, assert_sent_to_sign_in, call, peek, snapshot, text

PORTAL_REACHED = frozenset({200, 302})
# The API says why an action is refused to a person who can see the ticket (403: not for your
# role, 409: not in the ticket's state); it never hides the ticket from them. A 422 would mean
# the matrix sent a malformed body, so it is not accepted here.
API_REACHED = frozenset({200, 201, 204, 403, 409})
PROBED_METHODS = ("get", "post", "put", "patch", "delete")
MISSING = 987_654  # an id no row has

# Not ids: a report's month and an export's format stay as they are, the customer goes missing.
NOT_IDS = ("month", "fmt")


def missing(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: value if key in NOT_IDS else MISSING for key, value in kwargs.items()}


OBJECT_CASES = [
    pytest.param(name, case, id=f"{name}{'-' + case.label if case.label else ''}")
    for name, cases in OBJECTS.items()
    for case in cases
]


@pytest.mark.parametrize(("name", "case"), OBJECT_CASES)
def test_objects_are_found_only_by_those_who_may_see_them(
    scene: Scene, name: str, case: Case
) -> None:
    api = name.startswith("api:")
    url = reverse(name, kwargs=case.kwargs(scene))
    nowhere = reverse(name, kwargs=missing(case.kwargs(scene)))
    crossed = [reverse(name, kwargs=case.crossed(scene))] if case.crossed else []
    insiders = INSIDERS[case.insiders]
    outsiders = [role for role in ROLES if role not in insiders]
    assert set(GLOBEX) <= set(outsiders)
    credentials = ("token", "session") if api else ("session",)

    before = snapshot(scene)
    for role in outsiders:
        for via in credentials:
            for method in PROBED_METHODS:
                body = case.body if method == case.method else None
                theirs = call(scene, role, method, url, body, api=api, via=via)
                absent = call(scene, role, method, nowhere, body, api=api, via=via)
                where = (role, via, method, name)
                if method == case.method:
                    assert theirs.status_code == 404, (*where, peek(theirs))
                # Indistinguishable from an id that does not exist, whatever the method.
                assert theirs.status_code == absent.status_code, where
                assert text(theirs) == text(absent), where
            for other in crossed:
                response = call(scene, role, case.method, other, case.body, api=api, via=via)
                assert response.status_code == 404, (role, via, "crossed", name)
    assert snapshot(scene) == before, f"{name}: a refused request changed the database"

    for via in ("token",) if api else ("session",):
        anonymous = call(scene, None, case.method, url, case.body, api=api, via=via)
        assert_sent_to_sign_in(anonymous, api=api)
    assert snapshot(scene) == before, f"{name}: an anonymous request changed the database"

    for role in sorted(insiders):
        response = call(scene, role, case.method, url, case.body, api=api, via="token")
        reached = API_REACHED if api else PORTAL_REACHED
        assert response.status_code in reached, (role, name, peek(response))
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login")), (role, name)
