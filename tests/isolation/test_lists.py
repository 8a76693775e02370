"""Tenant isolation of the lists, forms and creates (`LISTS` in cases_lists.py), and the admin.

Nothing Globex's people get ever mentions Acme's data, with the entry's filters (including ones
naming Acme), and nothing they create lands in Acme or changes Acme's rows; where a list is
meant to show Acme's ticket to Acme's people or the staff, it does, so the markers are known to
be visible.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .cases_lists import LISTS
from .harness import (
    CUSTOMERS,
    GLOBEX,
    Scene,
    acme_rows_touched,
    assert_no_acme,
    assert_sent_to_sign_in,
    call,
    snapshot,
    text,
)


@pytest.mark.parametrize("key", list(LISTS))
def test_lists_and_creates_never_reach_another_organisation(scene: Scene, key: str) -> None:
    listing = LISTS[key]
    name = key.split("/")[0]
    api = name.startswith("api:")
    base = reverse(name)
    urls = [base + query for query in listing.queries(scene)]
    credentials = ("token", "session") if api else ("session",)

    before = snapshot(scene)
    for url in urls:
        assert_sent_to_sign_in(
            call(scene, None, listing.method, url, listing.body, api=api, headers=listing.headers),
            api=api,
        )
        for role in GLOBEX:
            for via in credentials:
                response = call(
                    scene,
                    role,
                    listing.method,
                    url,
                    listing.body,
                    api=api,
                    via=via,
                    headers=listing.headers,
                )
                assert_no_acme(response, f"{role} {via} {listing.method} {url}")
    touched = acme_rows_touched(scene, before, snapshot(scene))
    assert not touched, (key, touched)

    for role in sorted(listing.sees):
        response = call(scene, role, listing.method, base, listing.body, api=api, via="token")
        assert response.status_code == 200, (role, key)
        assert listing.marker in text(response), (role, key)


def test_customers_are_shut_out_of_the_admin(scene: Scene) -> None:
    pages = [
        reverse("admin:index"),
        reverse("admin:helpdesk_ticket_changelist"),
        reverse("admin:helpdesk_ticket_change", args=[scene.ticket.pk]),
        reverse("admin:helpdesk_attachment_change", args=[scene.public_file.pk]),
        reverse("admin:accounts_organisation_change", args=[scene.world.acme.pk]),
    ]
    for role in CUSTOMERS:
        for url in pages:
            response = scene.sessions[role].get(url)
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("admin:login")), (role, url)
