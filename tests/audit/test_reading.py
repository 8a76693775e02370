"""Who reads the audit log: vendor admins every organisation's entries, a customer admin its
own organisation's and never another's, everyone else a 403, on the page and in the API; its
filters, its order and its pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import ApiToken, Organisation, Role
from accord.accounts.services import create_user
from accord.audit.models import AuditEntry
from accord.core.acting import acting

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(world: Any) -> Any:
    """A role change at Acme, a deactivation at Globex, a staff member's change (vendor-wide)."""
    ron = create_user(email="ron@acme.test", role=Role.REPORTER, organisation=world.acme)
    gus = create_user(email="gus@globex.test", role=Role.REPORTER, organisation=world.globex)
    with acting(world.vendor_admin, "admin"):
        ron.role = Role.CUSTOMER_ADMIN
        ron.save()
        gus.is_active = False
        gus.save()
        world.agent.first_name = "Alexandra"
        world.agent.save()
    return world


def page(user: Any, query: str = "") -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse("audit_log") + query)


def api(user: Any, query: str = "", secret: str | None = None) -> Any:
    """A call with a new token (issuing it is an entry of its own) or with `secret`."""
    if secret is None:
        _, secret = ApiToken.issue(user, "audit")
    return Client().get("/api/audit" + query, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_customer_admin_reads_its_own_organisation_only(changes: Any) -> None:
    world = changes
    answer = page(world.acme_admin)
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "ron@acme.test" in body and "customer_admin" in body and "reporter" in body
    assert "gus@globex.test" not in body and "Globex" not in body
    assert "Alexandra" not in body and "alex@vendor.test" not in body  # vendor-wide
    assert 'name="organisation"' not in body  # no organisation to choose
    listed = api(world.acme_admin).json()
    assert listed["count"] > 0
    assert {item["organisation"]["slug"] for item in listed["items"]} == {"acme"}
    role = next(
        i for i in listed["items"] if i["changes"] == {"role": ["reporter", "customer_admin"]}
    )
    assert role["actor"] == {"name": "val@vendor.test", "side": "vendor"}
    assert role["via"] == "admin" and role["action"] == "changed"
    assert role["object_type"] == "accounts.user" and role["object_label"] == "ron@acme.test"
    # Globex's admin: Globex's deactivation, nothing of Acme's.
    globex = api(world.globex_admin).json()
    assert {item["organisation"]["slug"] for item in globex["items"]} == {"globex"}
    assert any(i["changes"] == {"is_active": [True, False]} for i in globex["items"])
    assert "ron@acme.test" not in page(world.globex_admin).content.decode()


def test_a_customer_admin_cannot_name_another_organisation(changes: Any) -> None:
    world = changes
    answer = api(world.acme_admin, "?organisation=globex")
    assert answer.status_code == 422
    assert "no organisation 'globex' that you can see" in answer.content.decode()
    assert "gus@globex.test" not in answer.content.decode()
    _, secret = ApiToken.issue(world.acme_admin, "audit")
    own = api(world.acme_admin, "?organisation=acme", secret).json()
    assert own["count"] == api(world.acme_admin, "", secret).json()["count"]
    # On the page the filter is not offered; naming Globex there shows Acme's entries still.
    body = page(world.acme_admin, "?organisation=globex").content.decode()
    assert "gus@globex.test" not in body and "ron@acme.test" in body


def test_a_vendor_admin_reads_every_organisation_and_filters_one(changes: Any) -> None:
    world = changes
    everything = page(world.vendor_admin).content.decode()
    assert "ron@acme.test" in everything and "gus@globex.test" in everything
    assert "Alexandra" in everything and "Vendor-wide" in everything
    assert '<a href="/audit/"' in everything  # in the navigation
    only_globex = page(world.vendor_admin, "?organisation=globex").content.decode()
    assert "gus@globex.test" in only_globex and "ron@acme.test" not in only_globex
    listed = api(world.vendor_admin, "?organisation=globex").json()
    assert {item["organisation"]["slug"] for item in listed["items"]} == {"globex"}
    organisations = {
        (item["organisation"] or {}).get("slug")
        for item in api(world.vendor_admin, "?limit=200").json()["items"]
    }
    assert {"acme", "globex", None} <= organisations


@pytest.mark.parametrize("role", ["agent", "manager", "acme_reporter", "globex_reporter"])
def test_everyone_else_is_refused(changes: Any, role: str) -> None:
    user = getattr(changes, role)
    shown = page(user)
    assert shown.status_code == 403
    assert "only vendor admins and customer admins read the audit log" in shown.content.decode()
    assert "ron@acme.test" not in shown.content.decode()
    refused = api(user)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "only vendor admins and customer admins read the audit log"}


def test_the_navigation_links_the_log_for_those_who_read_it(changes: Any) -> None:
    world = changes
    for user, shown in [
        (world.acme_admin, True),
        (world.vendor_admin, True),
        (world.manager, False),
        (world.acme_reporter, False),
        (world.globex_admin, True),
    ]:
        client = Client()
        client.force_login(user)
        body = client.get(reverse("ticket_list")).content.decode()
        assert (f'href="{reverse("audit_log")}"' in body) is shown, user


def test_an_inactive_customer_admin_reads_nothing(world: Any) -> None:
    world.acme_admin.is_active = False
    world.acme_admin.save()
    client = Client()
    client.force_login(world.acme_admin)
    answer = client.get(reverse("audit_log"))
    assert answer.status_code in (302, 403)


def _entry(
    organisation: Organisation, at: datetime, label: str, kind: str = "accounts.user"
) -> None:
    AuditEntry.objects.create(
        at=at,
        organisation=organisation,
        via="system",
        object_type=kind,
        object_id="1",
        object_label=label,
        action="changed",
        changes={"first_name": ["A", "B"]},
    )


def test_filters_by_type_and_dates_in_the_viewers_zone_newest_first(world: Any) -> None:
    acme = world.acme
    _entry(acme, datetime(2026, 3, 1, 7, 59, tzinfo=UTC), "LATE-FEBRUARY")  # LA: 28 Feb 23:59
    _entry(acme, datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "FIRST-OF-MARCH")  # LA: 1 Mar 00:00
    _entry(acme, datetime(2026, 3, 31, 12, tzinfo=UTC), "END-OF-MARCH", "accounts.contract")
    # Acme's admin sees times in Acme's region's zone, America/Los_Angeles.
    march = page(world.acme_admin, "?since=2026-03-01&until=2026-03-31").content.decode()
    assert "FIRST-OF-MARCH" in march and "END-OF-MARCH" in march
    assert "LATE-FEBRUARY" not in march
    assert march.index("END-OF-MARCH") < march.index("FIRST-OF-MARCH")  # newest first
    contracts = page(world.acme_admin, "?since=2026-03-01&until=2026-03-31&type=accounts.contract")
    assert "END-OF-MARCH" in contracts.content.decode()
    assert "FIRST-OF-MARCH" not in contracts.content.decode()
    listed = api(world.acme_admin, "?since=2026-03-01&until=2026-03-31").json()
    assert [i["object_label"] for i in listed["items"]] == ["END-OF-MARCH", "FIRST-OF-MARCH"]
    assert listed["items"][0]["at"] == "2026-03-31T12:00:00Z"
    typed = api(world.acme_admin, "?object_type=accounts.contract&until=2026-03-31").json()
    assert [i["object_label"] for i in typed["items"]] == ["END-OF-MARCH"]
    backwards = api(world.acme_admin, "?since=2026-03-31&until=2026-03-01")
    assert backwards.status_code == 422 and "until" in backwards.content.decode()
    shown = page(world.acme_admin, "?since=2026-03-31&until=2026-03-01").content.decode()
    assert "The end date is before the start date." in shown


def test_dates_at_the_ends_of_the_calendar_bound_nothing(world: Any) -> None:
    _entry(world.acme, datetime(2026, 3, 1, 12, tzinfo=UTC), "ANY-TIME")
    for query in ("?until=9999-12-31", "?since=0001-01-01", "?since=0001-01-01&until=9999-12-30"):
        shown = page(world.vendor_admin, query)
        assert shown.status_code == 200 and "ANY-TIME" in shown.content.decode(), query
        listed = api(world.vendor_admin, query)
        assert listed.status_code == 200, query
        assert "ANY-TIME" in [i["object_label"] for i in listed.json()["items"]], query


def test_pages_of_entries(world: Any) -> None:
    for number in range(60):
        _entry(world.acme, datetime(2026, 1, 1, 0, number, tzinfo=UTC), f"ENTRY-{number:02d}")
    first = api(world.acme_admin, "?until=2026-01-31&limit=25").json()
    assert (first["count"], first["limit"], first["offset"]) == (60, 25, 0)
    assert first["items"][0]["object_label"] == "ENTRY-59"
    last = api(world.acme_admin, "?until=2026-01-31&limit=25&offset=50").json()
    assert [i["object_label"] for i in last["items"]] == [
        f"ENTRY-{n:02d}" for n in range(9, -1, -1)
    ]
    assert api(world.acme_admin, "?limit=500").status_code == 422
    one = page(world.acme_admin, "?until=2026-01-31").content.decode()
    assert "ENTRY-59" in one and "ENTRY-09" not in one and "Page 1 of 2" in one
    two = page(world.acme_admin, "?until=2026-01-31&page=2").content.decode()
    assert "ENTRY-09" in two and "ENTRY-59" not in two


def test_a_password_change_is_shown_without_values(world: Any) -> None:
    newcomer = create_user(email="nina@acme.test", role=Role.REPORTER, organisation=world.acme)
    newcomer.set_password("something long and new")
    newcomer.save()
    body = page(world.acme_admin).content.decode()
    assert "changed (the value is never recorded)" in body
    assert newcomer.password not in body


def test_the_api_is_in_the_openapi_document(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/audit"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "organisation",
        "object_type",
        "since",
        "until",
        "limit",
        "offset",
    }
