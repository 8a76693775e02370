"""Single sign-on against a real OpenID Connect provider (conftest.py): who signs in, who is
created where, and every refusal shown on the login page."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts.models import Role, User
from accord.accounts.oidc import organisations_for_domain
from accord.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _signed_in_as(page: Any) -> str:
    """The header's "name · organisation" of the signed-in person."""
    body = page.content.decode()
    name = body.split('title="Your settings">', 1)[1].split("</span>", 1)[0]
    return name.replace("</a>", "")


def _refused(page: Any, text: str) -> None:
    assert page.redirect_chain[-1][0].endswith("/accounts/login/")
    body = page.content.decode()
    assert "Single sign-on refused" in body and text in body, body
    assert "_auth_user_id" not in page.client.session


def test_the_login_page_offers_sso_when_configured(client: Any, sso: Any) -> None:
    assert "Sign in with single sign-on" in client.get("/accounts/login/").content.decode()


def test_sso_off_shows_no_button_and_its_urls_are_not_found(client: Any, world: Any) -> None:
    assert "single sign-on" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_an_existing_user_signs_in(client: Any, world: Any, sign_in_with_sso: Any) -> None:
    page = sign_in_with_sso("rita@acme.test")
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].endswith("/tickets/")
    assert _signed_in_as(page) == "rita@acme.test · Acme Corp"
    assert User.objects.count() == 7  # nobody created


def test_a_new_user_is_created_in_the_organisation_of_its_domain(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    page = sign_in_with_sso("nina.new@acme.test")
    assert _signed_in_as(page) == "Nina New · Acme Corp"
    nina = User.objects.get(email="nina.new@acme.test")
    assert (nina.organisation, nina.role, nina.has_usable_password()) == (
        world.acme,
        Role.REPORTER,
        False,
    )
    created = AuditEntry.objects.get(object_type="accounts.user", object_id=str(nina.pk))
    assert created.action == "created"


def test_a_new_user_is_created_in_the_organisation_its_claim_names(
    client: Any, world: Any, sign_in_with_sso: Any, settings: Any
) -> None:
    settings.ACCORD_OIDC_NEW_USER_ROLE = Role.CUSTOMER_ADMIN
    page = sign_in_with_sso("carl.claim@elsewhere.test")
    assert _signed_in_as(page) == "Carl Claim · Globex"
    carl = User.objects.get(email="carl.claim@elsewhere.test")
    assert (carl.organisation, carl.role) == (world.globex, Role.CUSTOMER_ADMIN)


def test_an_unverified_email_is_refused(client: Any, world: Any, sign_in_with_sso: Any) -> None:
    page = sign_in_with_sso("una@acme.test")
    _refused(page, "has not verified the email address una@acme.test")
    assert not User.objects.filter(email="una@acme.test").exists()


def test_an_email_of_no_organisation_is_refused(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    page = sign_in_with_sso("nobody@nowhere.test")
    _refused(page, "belongs to no single organisation")
    assert not User.objects.filter(email="nobody@nowhere.test").exists()


def test_a_claim_naming_an_unknown_organisation_is_refused(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    page = sign_in_with_sso("ghost@acme.test")
    _refused(page, "the organisation no-such-org named by your provider is not in Accord")


def test_a_deactivated_user_is_refused(client: Any, world: Any, sign_in_with_sso: Any) -> None:
    User.objects.filter(pk=world.globex_reporter.pk).update(is_active=False)
    page = sign_in_with_sso("gina@globex.test")
    _refused(page, "the account of gina@globex.test is deactivated")


def test_a_claim_naming_another_organisation_than_the_account_is_refused(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    page = sign_in_with_sso("adam@acme.test")
    _refused(page, "belongs to another")


def test_staff_do_not_sign_in_by_sso_unless_their_domain_is_allowed(
    client: Any, world: Any, sign_in_with_sso: Any, settings: Any
) -> None:
    _refused(sign_in_with_sso("alex@vendor.test"), "staff sign in with their")
    settings.ACCORD_OIDC_STAFF_DOMAINS = ["vendor.test"]
    page = sign_in_with_sso("alex@vendor.test")
    assert page.redirect_chain[-1][0].endswith("/queue/")


def test_a_callback_without_a_started_sign_in_is_refused_on_the_login_page(
    client: Any, world: Any, sso: Any
) -> None:
    page = client.get("/accounts/sso/callback/?code=forged&state=forged", follow=True)
    assert "Single sign-on did not complete" in page.content.decode()
    client.get("/accounts/sso/start/")  # a sign-in started: its state is not this one
    page = client.get("/accounts/sso/callback/?code=forged&state=other", follow=True)
    assert "Single sign-on did not complete" in page.content.decode()


def test_an_unreachable_provider_is_said_on_the_login_page(
    client: Any, world: Any, settings: Any
) -> None:
    settings.ACCORD_OIDC_ENABLED = True
    settings.ACCORD_OIDC_ISSUER = "http://127.0.0.1:9/o"  # the discard port: nobody answers
    settings.OIDC_RP_CLIENT_ID = "accord"
    page = client.get("/accounts/sso/start/", follow=True)
    assert page.redirect_chain[-1][0].endswith("/accounts/login/")
    assert "the provider could not be reached" in page.content.decode()


def test_sso_never_creates_staff(
    client: Any, world: Any, sign_in_with_sso: Any, settings: Any
) -> None:
    settings.ACCORD_OIDC_STAFF_DOMAINS = ["vendor.test"]
    _refused(sign_in_with_sso("sam.new@vendor.test"), "never creates staff accounts")
    assert not User.objects.filter(email="sam.new@vendor.test").exists()


def test_a_domain_of_two_organisations_creates_nobody(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    world.globex.email_domains = "globex.test, ACME.test"
    world.globex.save()
    _refused(sign_in_with_sso("nina.new@acme.test"), "belongs to no single organisation")


def test_an_organisation_s_domains_match_exactly(world: Any) -> None:
    world.acme.email_domains = "acme.test, Acme-Labs.test"
    world.acme.save()
    assert organisations_for_domain("acme-labs.test") == [world.acme]
    assert organisations_for_domain("labs.test") == []
    assert organisations_for_domain("eu.acme.test") == []


def test_someone_with_two_factor_in_accord_gives_their_code_after_the_provider(
    client: Any, world: Any, sign_in_with_sso: Any
) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.acme_reporter, name="phone", confirmed=True)
    page = sign_in_with_sso("rita@acme.test")
    assert page.redirect_chain[-1][0].endswith("/accounts/two-factor/code/")
    assert "_auth_user_id" not in client.session  # not signed in before the code
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    answer = client.post("/accounts/two-factor/code/", {"code": f"{totp.token():06d}"})
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(world.acme_reporter.pk)
