"""Tenant isolation of the public pages (`PUBLIC` in cases_public.py).

Nothing Globex's people get there mentions Acme, though Acme's people see their own
organisation's figures on them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .cases_public import PUBLIC
from .harness import (
    GLOBEX,
    STAFF,
    Scene,
    acme_rows_touched,
    assert_no_acme,
    call,
    peek,
    snapshot,
    text,
)


@pytest.mark.parametrize("key", list(PUBLIC))
def test_public_pages_never_show_another_organisation(scene: Scene, key: str) -> None:
    entry = PUBLIC[key]
    url = reverse(key.split("/")[0], kwargs=dict(entry.kwargs))
    before = snapshot(scene)
    anonymous = call(scene, None, entry.method, url, entry.body, api=False)
    assert anonymous.status_code in (200, 302), (key, peek(anonymous))
    if anonymous.status_code == 302:
        assert not anonymous.url.startswith(reverse("login")), key
    for role in (*GLOBEX, *STAFF):
        response = call(scene, role, entry.method, url, entry.body, api=False)
        assert response.status_code in (200, 302), (role, key)
        if role in GLOBEX:
            assert_no_acme(response, f"{role} {entry.method} {url}")
    touched = acme_rows_touched(scene, before, snapshot(scene))
    assert not touched, (key, touched)
    for role in sorted(entry.sees):
        response = call(scene, role, entry.method, url, entry.body, api=False)
        assert response.status_code == 200, (role, key)
        assert entry.marker in text(response), (role, key)
