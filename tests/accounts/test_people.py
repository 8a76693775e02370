"""Deactivating, reactivating and changing the roles of people, with the refusals and the audit."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from accord.accounts.models import ApiToken, Role, User
from accord.accounts.services import create_user
from accord.audit.models import AuditEntry

PASSWORD = "correct horse battery staple"  # the `world` fixture's


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change(client: Client, person: Any, **fields: str) -> Any:
    return client.post(reverse("person_change", args=[person.pk]), fields, follow=True)


def fresh(person: Any) -> Any:
    return User.objects.get(pk=person.pk)


def signs_in(email: str) -> bool:
    response = Client().post(reverse("login"), {"email": email, "password": PASSWORD})
    return response.status_code == 302


def test_a_customer_admin_deactivates_and_reactivates_one_of_theirs(world: Any) -> None:
    admin = signed_in(world.acme_admin)
    rita = world.acme_reporter
    token, secret = ApiToken.issue(rita, "script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert Client().get("/api/me", **auth).status_code == 200
    session = signed_in(rita)
    page = change(admin, rita, active="0")
    assert b"rita@acme.test is deactivated." in page.content
    assert fresh(rita).is_active is False
    assert not signs_in(rita.email)
    assert Client().get("/api/me", **auth).status_code == 401  # the token stops working
    assert session.get(reverse("ticket_list")).url.startswith(reverse("login"))  # signed out
    entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(rita.pk)).latest(
        "pk"
    )
    assert entry.actor_id == world.acme_admin.pk and entry.changes["is_active"] == [True, False]
    assert entry.organisation_id == world.acme.pk
    page = change(admin, rita, active="1")
    assert b"rita@acme.test is active again." in page.content
    assert signs_in(rita.email) and Client().get("/api/me", **auth).status_code == 200


def test_a_customer_admin_changes_roles_in_their_organisation(world: Any) -> None:
    admin = signed_in(world.acme_admin)
    page = change(admin, world.acme_reporter, role=Role.CUSTOMER_ADMIN)
    assert b"rita@acme.test is now Customer admin." in page.content
    assert fresh(world.acme_reporter).role == Role.CUSTOMER_ADMIN
    entry = AuditEntry.objects.filter(object_id=str(world.acme_reporter.pk)).latest("pk")
    assert entry.actor_id == world.acme_admin.pk
    assert entry.changes["role"] == ["reporter", "customer_admin"]
    # Now there are two admins: Adam may step down.
    change(admin, world.acme_admin, role=Role.REPORTER)
    assert fresh(world.acme_admin).role == Role.REPORTER


def test_a_customer_admin_never_gives_a_staff_role(world: Any) -> None:
    page = change(signed_in(world.acme_admin), world.acme_reporter, role=Role.VENDOR_ADMIN)
    assert b"only a vendor admin gives a staff role" in page.content
    assert fresh(world.acme_reporter).role == Role.REPORTER


def test_the_last_active_admin_cannot_step_down_or_leave(world: Any) -> None:
    admin = signed_in(world.acme_admin)
    for fields in ({"active": "0"}, {"role": Role.REPORTER}):
        page = change(admin, world.acme_admin, **fields)
        assert b"is the last active admin of Acme Corp" in page.content
        assert fresh(world.acme_admin).is_active and fresh(world.acme_admin).role == (
            Role.CUSTOMER_ADMIN
        )
    vendor = signed_in(world.vendor_admin)
    page = change(vendor, world.vendor_admin, active="0")
    assert b"is the last active admin of the staff" in page.content
    page = change(vendor, world.acme_admin, active="0")  # nor can anyone else leave Acme bare
    assert b"is the last active admin of Acme Corp" in page.content
    assert fresh(world.vendor_admin).is_active and fresh(world.acme_admin).is_active


def test_another_organisations_people_and_the_staff_are_not_found(world: Any) -> None:
    admin = signed_in(world.acme_admin)
    for person in (world.globex_reporter, world.globex_admin, world.agent, world.vendor_admin):
        response = admin.post(reverse("person_change", args=[person.pk]), {"active": "0"})
        assert response.status_code == 404
        assert fresh(person).is_active
    for outsider in (world.acme_reporter, world.agent, world.manager):
        response = signed_in(outsider).post(
            reverse("person_change", args=[world.globex_reporter.pk]), {"active": "0"}
        )
        assert response.status_code == 404
    assert fresh(world.globex_reporter).is_active


def test_a_vendor_admin_manages_staff_and_every_organisation(world: Any) -> None:
    vendor = signed_in(world.vendor_admin)
    change(vendor, world.agent, role=Role.MANAGER)
    assert fresh(world.agent).role == Role.MANAGER
    change(vendor, world.globex_reporter, role=Role.CUSTOMER_ADMIN)
    assert fresh(world.globex_reporter).role == Role.CUSTOMER_ADMIN
    change(vendor, world.manager, active="0")
    assert not fresh(world.manager).is_active and not signs_in(world.manager.email)
    entry = AuditEntry.objects.filter(object_id=str(world.manager.pk)).latest("pk")
    assert entry.actor_id == world.vendor_admin.pk
    # Nobody crosses between the staff and a customer.
    page = change(vendor, world.globex_admin, role=Role.AGENT)
    assert b"stays on their side" in page.content
    page = change(vendor, world.agent, role=Role.REPORTER)
    assert b"stays on their side" in page.content
    assert fresh(world.globex_admin).role == Role.CUSTOMER_ADMIN
    # A second vendor admin lets the first step down.
    create_user(email="vic@vendor.test", role=Role.VENDOR_ADMIN, password=PASSWORD)
    change(vendor, world.vendor_admin, role=Role.MANAGER)
    assert fresh(world.vendor_admin).role == Role.MANAGER


def test_the_people_page_shows_the_controls(world: Any) -> None:
    page = signed_in(world.acme_admin).get(reverse("people"))
    body = page.content.decode()
    assert reverse("person_change", args=[world.acme_reporter.pk]) in body
    assert "Deactivate" in body and "Change role" in body
    assert 'value="vendor_admin"' not in body  # no staff role offered to a customer admin
    staff = signed_in(world.vendor_admin).get(reverse("people")).content.decode()
    assert 'value="vendor_admin"' in staff


def test_bad_input_is_a_clear_answer(world: Any) -> None:
    admin = signed_in(world.acme_admin)
    page = change(admin, world.acme_reporter, role="emperor")
    assert b"choose one of the roles listed" in page.content.lower()
    page = change(admin, world.acme_reporter)
    assert b"Choose a role, or deactivate or reactivate." in page.content
    assert admin.get(reverse("person_change", args=[world.acme_reporter.pk])).status_code == 405
