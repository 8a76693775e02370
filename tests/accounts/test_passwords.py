"""Password reset by emailed link (throttled, single-use, expiring) and password change."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse

from accord.accounts.passwords import RESET_LIMIT_PER_ADDRESS, RESET_LIMIT_PER_EMAIL

PASSWORD = "correct horse battery staple"  # the `world` fixture's
NEW = "a brand new passphrase 42"


def ask_reset(client: Client, email: str, **extra: Any) -> Any:
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def link_in(message: Any) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def set_password(client: Client, link: str, password: str = NEW) -> Any:
    form = client.get(path_of(link))  # Django moves the token into the session, then redirects
    assert form.status_code == 302, form.status_code
    page = client.get(form.url)
    assert page.status_code == 200 and b"Choose a new password" in page.content
    return client.post(form.url, {"new_password1": password, "new_password2": password})


def signs_in(email: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"email": email, "password": password})
    return response.status_code == 302


def test_the_login_page_links_to_the_reset_and_settings_to_the_change(world: Any) -> None:
    assert reverse("password_reset").encode() in Client().get(reverse("login")).content
    client = Client()
    client.force_login(world.acme_reporter)
    page = client.get(reverse("account_settings"))
    assert b"Change password" in page.content and reverse("password_change").encode() in (
        page.content
    )


def test_a_reset_link_sets_a_new_password_once(world: Any, settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://accord.example"
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    assert client.get(reverse("password_reset")).status_code == 200
    response = ask_reset(client, "RITA@acme.test", HTTP_HOST="evil.example")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rita@acme.test"]
    link = link_in(mail.outbox[0])
    assert link.startswith("https://accord.example/")  # the base URL, never the Host header
    done = set_password(client, link)
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert signs_in("rita@acme.test", NEW) and not signs_in("rita@acme.test", PASSWORD)
    # The same link again: refused, and the password stays.
    again = Client().get(path_of(link), follow=True)
    assert b"This link no longer works" in again.content
    assert signs_in("rita@acme.test", NEW)


def test_signing_in_spends_an_unused_link(world: Any) -> None:
    ask_reset(Client(), world.globex_admin.email)
    link = link_in(mail.outbox[0])
    assert signs_in(world.globex_admin.email, PASSWORD)  # last_login changes: the token too
    page = Client().get(path_of(link), follow=True)
    assert b"This link no longer works" in page.content


def test_an_expired_link_fails(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ask_reset(Client(), world.agent.email)
    link = link_in(mail.outbox[0])
    later = datetime.now() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    page = Client().get(path_of(link), follow=True)
    assert b"This link no longer works" in page.content
    assert signs_in(world.agent.email, PASSWORD)


def test_the_answer_never_tells_whether_an_account_exists(world: Any) -> None:
    known = ask_reset(Client(), world.acme_admin.email)
    unknown = ask_reset(Client(), "nobody@acme.test")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mail.outbox) == 1  # only the account's owner gets an email
    page = Client().get(unknown.url)
    assert b"If that address has an Accord account" in page.content


def test_a_deactivated_account_gets_no_reset_email(world: Any) -> None:
    world.acme_reporter.is_active = False
    world.acme_reporter.save()
    assert ask_reset(Client(), world.acme_reporter.email).status_code == 302
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_email(world: Any) -> None:
    for _ in range(RESET_LIMIT_PER_EMAIL):
        assert ask_reset(Client(), world.acme_reporter.email).status_code == 302
    refused = ask_reset(Client(), world.acme_reporter.email)
    assert refused.status_code == 429
    assert b"Too many password-reset requests. Try again in 60 minutes." in refused.content
    assert len(mail.outbox) == RESET_LIMIT_PER_EMAIL
    # An unknown address is throttled the same way: the answer tells nothing.
    for _ in range(RESET_LIMIT_PER_EMAIL):
        ask_reset(Client(), "nobody@acme.test", REMOTE_ADDR="10.0.0.9")
    assert ask_reset(Client(), "nobody@acme.test", REMOTE_ADDR="10.0.0.9").status_code == 429


def test_reset_requests_are_throttled_per_address(world: Any) -> None:
    for number in range(RESET_LIMIT_PER_ADDRESS):
        ask_reset(Client(), f"someone{number}@acme.test", REMOTE_ADDR="10.0.0.7")
    refused = ask_reset(Client(), world.globex_reporter.email, REMOTE_ADDR="10.0.0.7")
    assert refused.status_code == 429 and b"Try again in" in refused.content
    assert mail.outbox == []
    assert ask_reset(Client(), world.globex_reporter.email, REMOTE_ADDR="10.0.0.8").status_code == (
        302
    )


def test_the_throttle_ends_with_its_window(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    for _ in range(RESET_LIMIT_PER_EMAIL):
        ask_reset(Client(), world.manager.email)
    assert ask_reset(Client(), world.manager.email).status_code == 429
    later = timezone.now() + timedelta(minutes=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ask_reset(Client(), world.manager.email).status_code == 302


def test_changing_the_password(world: Any) -> None:
    client = Client()
    client.force_login(world.globex_reporter)
    assert client.get(reverse("password_change")).status_code == 200
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "not it", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and b"old_password" in wrong.content
    assert signs_in(world.globex_reporter.email, PASSWORD)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response.url == reverse("account_settings")
    assert b"Your password is changed." in client.get(response.url).content  # still signed in
    assert signs_in(world.globex_reporter.email, NEW)
    assert not signs_in(world.globex_reporter.email, PASSWORD)


def test_the_change_page_needs_a_sign_in() -> None:
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
