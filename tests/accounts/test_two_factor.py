"""TOTP two-factor sign-in: enrolment, the second step, removal, throttling, the staff rule."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.models import ApiToken, TwoFactorPolicy
from accord.audit.models import AuditEntry

PASSWORD = "correct horse battery staple"  # the `world` fixture's


def code(device: Any, steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():06d}"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enrol(client: Client, user: Any) -> TOTPDevice:
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"].encode() in page.content  # the secret for manual entry
    response = client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert response.status_code == 302 and response.url == reverse("account_settings")
    device.refresh_from_db()
    assert device.confirmed
    return device


def password_step(client: Client, user: Any, **extra: str) -> Any:
    return client.post(reverse("login"), {"email": user.email, "password": PASSWORD, **extra})


def test_enrolling_counts_only_after_a_valid_code(world: Any) -> None:
    client = signed_in(world.acme_reporter)
    assert reverse("two_factor_setup").encode() in client.get(reverse("account_settings")).content
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=world.acme_reporter)
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    device.refresh_from_db()
    assert not device.confirmed
    # Unconfirmed: signing in asks no code.
    response = password_step(Client(), world.acme_reporter)
    assert response.url == reverse("home")


def test_signing_in_asks_for_the_code(world: Any) -> None:
    device = enrol(signed_in(world.agent), world.agent)
    client = Client()
    response = password_step(client, world.agent, next="/queue/")
    assert response.status_code == 302 and response.url == reverse("two_factor_verify")
    assert client.get(reverse("queue")).url.startswith(reverse("login"))  # not signed in yet
    page = client.get(reverse("two_factor_verify"))
    assert b"Two-factor code" in page.content
    done = client.post(reverse("two_factor_verify"), {"code": code(device, 1)})
    assert done.status_code == 302 and done.url == "/queue/"
    assert client.get(reverse("queue")).status_code == 200


def test_the_code_page_without_a_password_leads_to_sign_in(world: Any) -> None:
    assert Client().get(reverse("two_factor_verify")).url == reverse("login")


def test_wrong_codes_are_refused_and_throttled(world: Any) -> None:
    device = enrol(signed_in(world.globex_admin), world.globex_admin)
    client = Client()
    password_step(client, world.globex_admin)
    wrong = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert b"That code is not right" in wrong.content
    again = client.post(reverse("two_factor_verify"), {"code": code(device, 1)})
    assert again.status_code == 429
    assert b"Too many wrong codes. Try again in" in again.content
    assert client.get(reverse("ticket_list")).url.startswith(reverse("login"))
    bad = client.post(reverse("two_factor_verify"), {"code": "12"})
    assert bad.status_code == 200 and b"code" in bad.content


def test_removing_the_device_needs_a_current_code(world: Any) -> None:
    client = signed_in(world.acme_admin)
    device = enrol(client, world.acme_admin)
    page = client.get(reverse("two_factor_setup"))
    assert b"Two-factor sign-in is on" in page.content
    refused = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert b"That code is not right" in refused.content
    assert TOTPDevice.objects.filter(user=world.acme_admin).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, last_t=-1)
    device.refresh_from_db()
    removed = client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.acme_admin).exists()
    assert password_step(Client(), world.acme_admin).url == reverse("home")


def test_the_policy_page_is_for_vendor_admins_and_audited(world: Any) -> None:
    for person in (world.agent, world.manager, world.acme_admin, world.globex_reporter):
        assert signed_in(person).get(reverse("two_factor_policy")).status_code == 404
        post = signed_in(person).post(reverse("two_factor_policy"), {"staff_required": "on"})
        assert post.status_code == 404
    assert not TwoFactorPolicy.current().staff_required
    vendor = signed_in(world.vendor_admin)
    assert vendor.get(reverse("two_factor_policy")).status_code == 200
    response = vendor.post(reverse("two_factor_policy"), {"staff_required": "on"}, follow=True)
    assert b"required for staff" in response.content
    assert TwoFactorPolicy.current().staff_required
    entry = AuditEntry.objects.filter(object_type="accounts.twofactorpolicy").latest("pk")
    assert entry.actor_id == world.vendor_admin.pk
    assert entry.changes["staff_required"] == [False, True]


def test_required_for_staff_sends_them_to_enrol_first(world: Any) -> None:
    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={"staff_required": True})
    _, secret = ApiToken.issue(world.agent, "script")
    client = Client()
    response = password_step(client, world.agent)
    assert response.status_code == 302
    blocked = client.get(reverse("queue"))
    assert blocked.status_code == 302 and blocked.url == reverse("two_factor_setup")
    assert client.get(reverse("account_settings")).url == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup"))
    assert b"requires two-factor sign-in for staff" in page.content
    # API tokens are a separate credential: unaffected.
    api = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    # Customers are not concerned.
    assert signed_in(world.acme_reporter).get(reverse("ticket_list")).status_code == 200
    device = TOTPDevice.objects.get(user=world.agent)
    client.post(reverse("two_factor_setup"), {"code": code(device)})
    assert client.get(reverse("queue")).status_code == 200
    # Signing out stays possible for someone not enrolled.
    other = Client()
    password_step(other, world.manager)
    assert other.post(reverse("logout")).status_code == 302


def test_the_admins_sign_in_is_accords_with_its_code_step(world: Any) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("login") + "?next=/admin/"
    response = Client().post("/admin/login/", {"username": world.vendor_admin.email})
    assert response.url.startswith(reverse("login"))
