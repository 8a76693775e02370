"""Email subscription, double opt-in: a request only queues a confirmation email (sent by the
worker); the link shows a button and only the press confirms; an unsubscribe link works for
ever; the form never says whether an address is subscribed; nobody's inbox is flooded."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accord.status.models import StatusSubscriber
from accord.status.services import unsubscribe_token
from accord.work.models import Job
from accord.work.services import run_due

from .conftest import Clock

LINK = re.compile(r"https://sla\.example\.test(/status/subscription/[^/\s]+/confirm/)")


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.test"


def send_mail(clock: Clock) -> list[Any]:
    """Run the worker's due jobs, as `accord worker` would, and return what was sent."""
    mail.outbox.clear()
    while run_due("test", now=clock.at):
        pass
    return list(mail.outbox)


def subscribe(client: Client, email: str, region: str = "") -> Any:
    return client.post("/status/subscribe/", {"email": email, "region": region})


def test_double_opt_in(world: Any, clock: Clock) -> None:
    client = Client()
    response = subscribe(client, "  Pat@Example.TEST ", "uk")
    assert response.status_code == 302
    assert response.url == "/status/uk/"
    follow = client.get(response.url)
    assert "Almost done: we sent a link to Pat@Example.TEST." in follow.content.decode()
    subscriber = StatusSubscriber.objects.get()
    assert (subscriber.email, subscriber.region.code) == ("pat@example.test", "uk")
    assert not subscriber.active  # nothing is sent to an unconfirmed address
    assert mail.outbox == []  # the request only queued the email

    (message,) = send_mail(clock)
    assert message.to == ["pat@example.test"]
    assert message.subject == "Confirm your status updates for United Kingdom"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "https://sla.example.test/status/uk/" in message.body
    path = LINK.search(message.body).group(1)

    # Opening the link (or a mail scanner fetching it) changes nothing.
    page = client.get(path)
    assert page.status_code == 200
    assert "Send status updates for United Kingdom to" in page.content.decode()
    assert '<button type="submit">Confirm</button>' in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None

    elsewhere = Client()  # another browser than the one that asked: no session needed
    confirmed = elsewhere.post(path)
    assert (confirmed.status_code, confirmed.url) == (302, "/status/uk/")
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at == clock.at
    assert subscriber.active
    shown = elsewhere.get(confirmed.url).content.decode()
    assert "Subscribed: status updates will go to pat@example.test." in shown

    # The unsubscribe link of any later notice.
    unsubscribe = f"/status/subscription/{unsubscribe_token(subscriber)}/unsubscribe/"
    assert "Stop sending status updates" in Client().get(unsubscribe).content.decode()
    assert Client().post(unsubscribe).status_code == 302
    subscriber.refresh_from_db()
    assert not subscriber.active
    assert "is already unsubscribed" in Client().get(unsubscribe).content.decode()
    # After unsubscribing, the old confirmation link is dead.
    assert Client().post(path).status_code == 404
    subscriber.refresh_from_db()
    assert not subscriber.active


def test_the_form_does_not_reveal_who_is_subscribed_nor_floods_an_inbox(
    world: Any, clock: Clock
) -> None:
    client = Client()
    first = subscribe(client, "sam@example.test")
    assert first.url == "/status/"
    assert len(send_mail(clock)) == 1
    # Again at once: the same answer, no second email.
    again = subscribe(client, "sam@example.test")
    assert (again.status_code, again.url) == (first.status_code, first.url)
    assert send_mail(clock) == []
    # Ten minutes later a new link is sent, and only the newest works.
    old = Job.objects.get(key__startswith="status-confirm:").payload["body"]
    clock.at += timedelta(minutes=10)
    subscribe(client, "sam@example.test")
    (message,) = send_mail(clock)
    assert Client().post(LINK.search(old).group(1)).status_code == 404
    assert Client().post(LINK.search(message.body).group(1)).status_code == 302
    assert StatusSubscriber.objects.get().active
    # Subscribed: asking again sends nothing and says the same.
    clock.at += timedelta(hours=1)
    assert subscribe(client, "sam@example.test").url == "/status/"
    assert send_mail(clock) == []
    # Another region is another subscription.
    subscribe(client, "sam@example.test", "au")
    assert len(send_mail(clock)) == 1
    assert StatusSubscriber.objects.count() == 2


def test_links_expire_and_forged_links_fail(world: Any, clock: Clock) -> None:
    subscribe(Client(), "lee@example.test", "us")
    (message,) = send_mail(clock)
    path = LINK.search(message.body).group(1)
    forged = path.replace("/confirm/", "").rstrip("/")[:-3] + "abc/confirm/"
    for bad in (forged, "/status/subscription/nonsense/confirm/"):
        response = Client().get(bad)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    assert Client().get("/status/subscription/nonsense/unsubscribe/").status_code == 404
    assert Client().get(path).status_code == 200  # good now
    # Links are signed with the real time: a week and a second later, this one has expired.
    later = time.time() + 7 * 86_400 + 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("time.time", lambda: later)
        assert Client().post(path).status_code == 404
    assert not StatusSubscriber.objects.get().active


def test_a_bad_address_is_refused_on_the_form(world: Any, clock: Clock) -> None:
    response = subscribe(Client(), "not an address", "uk")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'aria-invalid="true"' in html
    assert StatusSubscriber.objects.count() == 0
    assert Job.objects.count() == 0
    unknown = subscribe(Client(), "pat@example.test", "atlantis")
    assert unknown.status_code == 400
    assert "Select a valid choice." in unknown.content.decode()


def test_one_address_may_subscribe_only_so_often(world: Any, settings: Any) -> None:
    """The form is public: past ACCORD_SUBSCRIBE_RATE from one address the answer is a 429
    saying how long to wait, and nothing is stored or sent; another address is not held up."""
    settings.ACCORD_SUBSCRIBE_RATE = (3, 3600)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert subscribe(client, f"flood{n}@example.test").status_code == 302
    refused = subscribe(client, "flood3@example.test")
    assert refused.status_code == 429
    assert "Too many subscriptions from your address: try again in" in refused.content.decode()
    assert not StatusSubscriber.objects.filter(email="flood3@example.test").exists()
    assert Job.objects.filter(key__startswith="status-confirm:").count() == 3
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert subscribe(other, "someone@example.test").status_code == 302
