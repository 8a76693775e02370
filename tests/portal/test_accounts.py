"""Sign-in with throttling, sign-out, invitations by email, people, personal API tokens."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from accord.accounts.models import ApiToken, Invitation, LoginFailure, Role, User

from .conftest import ClientFor

PASSWORD = "correct horse battery staple"  # the `world` fixture's


def sign_in(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post(reverse("login"), {"email": email, "password": password, **extra})


# --- sign in and out --------------------------------------------------------------------------


def test_signing_in_with_the_right_password(world: Any) -> None:
    client = Client()
    assert client.get(reverse("login")).status_code == 200
    response = sign_in(client, "RITA@acme.test", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("ticket_list")
    staff = Client()
    sign_in(staff, world.agent.email, PASSWORD)
    assert staff.get(reverse("home")).url == reverse("queue")


def test_signing_in_returns_to_a_safe_next_page_only(world: Any) -> None:
    response = sign_in(Client(), world.agent.email, PASSWORD, next="/queue/?severity=1")
    assert response.url == "/queue/?severity=1"
    response = sign_in(Client(), world.agent.email, PASSWORD, next="https://evil.example/")
    assert response.url == reverse("home")


def test_a_wrong_password_is_refused_and_counted(world: Any) -> None:
    client = Client()
    response = sign_in(client, "rita@acme.test", "wrong")
    assert response.status_code == 200
    assert "That email address and password do not match an account." in response.content.decode()
    assert LoginFailure.objects.filter(username="rita@acme.test").count() == 1
    assert client.get(reverse("ticket_list")).status_code == 302  # still signed out
    assert sign_in(client, "nobody@acme.test", "wrong").status_code == 200
    assert sign_in(client, "not an email", "x").status_code == 200


def test_five_failures_lock_sign_in_even_with_the_right_password(world: Any) -> None:
    client = Client()
    for _ in range(5):
        assert sign_in(client, "rita@acme.test", "guess").status_code == 200
    response = sign_in(client, "rita@acme.test", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(reverse("ticket_list")).status_code == 302
    # Another account is not locked by Rita's failures.
    assert sign_in(Client(), "adam@acme.test", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(world: Any) -> None:
    for _ in range(4):
        sign_in(Client(), "rita@acme.test", "guess")
    assert sign_in(Client(), "rita@acme.test", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="rita@acme.test").exists()


def test_signing_out_is_a_post(world: Any, client_for: ClientFor) -> None:
    client = client_for(world.acme_reporter)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("ticket_list")).status_code == 302


def test_pages_send_anonymous_visitors_to_sign_in(db: None) -> None:
    client = Client()
    for name in ("home", "people", "tokens", "ticket_list", "queue"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login") + "?next="), name
    response = client.post(reverse("token_revoke", args=[1]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_forms_carry_a_csrf_token(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("login")).content.decode()
    assert sign_in(client, "rita@acme.test", PASSWORD).status_code == 403  # no token sent


# --- invitations and people --------------------------------------------------------------------


def test_invite_by_email_then_accept_then_sign_in(world: Any, client_for: ClientFor) -> None:
    admin = client_for(world.acme_admin)
    response = admin.post(reverse("people"), {"email": "Nina@Acme.test", "role": "reporter"})
    assert response.status_code == 302 and response.url == reverse("people")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@acme.test"] and "Acme Corp" in message.subject
    link = re.search(r"http://\S+/accounts/invitation/(\S+)/", message.body)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    accept_url = "/" + path
    assert "nina@acme.test" in admin.get(reverse("people")).content.decode()  # pending

    visitor = Client()
    body = visitor.get(accept_url).content.decode()
    assert "Join Acme Corp on Accord" in body and "nina@acme.test" in body
    # Django's password validators apply.
    response = visitor.post(
        accept_url, {"first_name": "Nina", "password1": "password", "password2": "password"}
    )
    assert response.status_code == 200 and 'id="id_password1_error"' in response.content.decode()
    response = visitor.post(
        accept_url,
        {"first_name": "Nina", "password1": "a fine long pass", "password2": "a different one"},
    )
    assert response.status_code == 200 and "The two passwords differ." in response.content.decode()
    response = visitor.post(
        accept_url,
        {
            "first_name": "Nina",
            "last_name": "Novak",
            "password1": "a fine long pass",
            "password2": "a fine long pass",
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(email="nina@acme.test")
    assert (nina.organisation, nina.role, nina.get_full_name()) == (
        world.acme,
        Role.REPORTER,
        "Nina Novak",
    )
    assert visitor.get(reverse("ticket_list")).status_code == 200  # signed in
    # The link works once; the new account signs in with its password.
    assert Client().get(accept_url).status_code == 404
    assert sign_in(Client(), "nina@acme.test", "a fine long pass").status_code == 302
    assert Invitation.objects.get().accepted_user == nina


def test_people_pages_are_for_customer_admins_and_the_vendor_admin(
    world: Any, client_for: ClientFor
) -> None:
    for user in (world.acme_reporter, world.globex_reporter, world.agent, world.manager):
        assert client_for(user).get(reverse("people")).status_code == 404
    body = client_for(world.acme_admin).get(reverse("people")).content.decode()
    assert "rita@acme.test" in body and "gina@globex.test" not in body
    assert 'name="organisation"' not in body  # a customer admin invites to its own only
    body = client_for(world.vendor_admin).get(reverse("people")).content.decode()
    assert "rita@acme.test" in body and "gina@globex.test" in body


def test_invitation_refusals_are_shown_on_the_form(world: Any, client_for: ClientFor) -> None:
    admin = client_for(world.acme_admin)
    response = admin.post(reverse("people"), {"email": "gina@globex.test", "role": "reporter"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_email_error"' in body and "already has an account" in body
    # A customer admin cannot invite staff.
    response = admin.post(reverse("people"), {"email": "x@acme.test", "role": "agent"})
    assert response.status_code == 200 and 'id="id_role_error"' in response.content.decode()
    vendor = client_for(world.vendor_admin)
    response = vendor.post(reverse("people"), {"email": "new@acme.test", "role": "reporter"})
    assert 'id="id_organisation_error"' in response.content.decode()
    response = vendor.post(
        reverse("people"), {"email": "new@vendor.test", "role": "agent", "organisation": ""}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().organisation is None
    assert len(mail.outbox) == 1 and "the staff" in mail.outbox[0].subject


def test_an_unknown_invitation_link_is_not_found(db: None) -> None:
    response = Client().get(reverse("accept_invitation", args=["no-such-token"]))
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


def test_a_mail_failure_keeps_the_invitation_and_says_so(
    world: Any, client_for: ClientFor, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    response = client_for(world.acme_admin).post(
        reverse("people"), {"email": "nina@acme.test", "role": "reporter"}, follow=True
    )
    assert response.status_code == 200
    assert "the email could not be sent" in response.content.decode()
    assert Invitation.objects.filter(email="nina@acme.test").exists()


# --- API tokens -----------------------------------------------------------------------------


def test_a_new_tokens_secret_is_shown_once(world: Any, client_for: ClientFor) -> None:
    client = client_for(world.acme_reporter)
    response = client.post(reverse("tokens"), {"name": "nightly export"})
    assert response.status_code == 302 and response.url == reverse("tokens")
    body = client.get(reverse("tokens")).content.decode()
    secret = re.search(r'value="(acc_[^"]+)"', body)
    assert secret is not None and "shown this once" in body
    token = ApiToken.find(secret.group(1))
    assert token is not None and token.user == world.acme_reporter
    assert token.digest not in body
    again = client.get(reverse("tokens")).content.decode()
    assert secret.group(1) not in again and "nightly export" in again
    assert f"acc_{token.prefix}_" in again
    # Another person's page never lists it.
    assert (
        "nightly export" not in client_for(world.acme_admin).get(reverse("tokens")).content.decode()
    )


def test_revoking_a_token(world: Any, client_for: ClientFor) -> None:
    token, secret = ApiToken.issue(world.acme_reporter, "script")
    other = client_for(world.acme_admin)
    assert other.post(reverse("token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.find(secret) is not None
    client = client_for(world.acme_reporter)
    assert client.get(reverse("token_revoke", args=[token.pk])).status_code == 405
    assert client.post(reverse("token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.find(secret) is None
    assert "Revoked" in client.get(reverse("tokens")).content.decode()


def test_a_token_needs_a_name(world: Any, client_for: ClientFor) -> None:
    response = client_for(world.agent).post(reverse("tokens"), {"name": "  "})
    assert response.status_code == 200 and 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_person_chooses_the_time_zone_their_pages_show(world: Any, client_for: ClientFor) -> None:
    client = client_for(world.acme_reporter)
    page = client.get(reverse("account_settings")).content.decode()
    default = world.acme.region.timezone
    assert f"Times are shown in <strong>{default}</strong>, the default" in page
    assert f"Default: {default}" in page

    response = client.post(reverse("account_settings"), {"timezone": "Asia/Kolkata"})
    assert response.status_code == 302
    world.acme_reporter.refresh_from_db()
    assert world.acme_reporter.timezone == "Asia/Kolkata"
    assert client.get(reverse("api:me")).json()["timezone"] == "Asia/Kolkata"
    # The tokens page shows when each was made, now in India Standard Time.
    client.post(reverse("tokens"), {"name": "zone check"})
    assert " IST" in client.get(reverse("tokens")).content.decode()

    # Not a zone: refused, naming the field; nothing changes.
    response = client.post(reverse("account_settings"), {"timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    world.acme_reporter.refresh_from_db()
    assert world.acme_reporter.timezone == "Asia/Kolkata"

    # Back to the default.
    client.post(reverse("account_settings"), {"timezone": ""})
    world.acme_reporter.refresh_from_db()
    assert world.acme_reporter.timezone == "" and world.acme_reporter.display_timezone == default
