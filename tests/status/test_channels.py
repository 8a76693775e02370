"""Status subscriptions beyond email: per-module choices, signed webhooks and Slack, delivered
to real HTTP servers on 127.0.0.1 through the job queue (retried while they fail); every
message with its unsubscribe link, emails with RFC 8058's one-click List-Unsubscribe."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accord.catalogue.models import Module, Region
from accord.incidents import services as incidents
from accord.status.models import Channel, StatusSubscriber
from accord.work.models import Job, JobState
from accord.work.services import run_due

from .conftest import Clock

FindMR = Callable[[str, str], Any]


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.test"
    settings.ACCORD_STATUS_HTTP_HOOK_HOSTS = ["127.0.0.1"]


def drain(clock: Clock) -> None:
    while run_due("test", now=clock.at):
        pass


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (docs/status-page.md)."""
    timestamp = headers["x-accord-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={expected.hexdigest()}", headers["x-accord-signature"])


def declare(world: Any, clock: Clock, mr: FindMR, module: str = "Reporting") -> Any:
    return incidents.declare(
        title="Reports fail to load",
        message="We are looking into failing reports.",
        impacts={mr(module, "uk"): "partial_outage"},
        actor=world.agent,
        now=clock.at,
    )


def subscribe(client: Client, **fields: Any) -> Any:
    return client.post("/status/subscribe/", fields)


def test_a_subscriber_of_some_modules_hears_only_of_them(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    def person(email: str, *modules: str) -> None:
        row = StatusSubscriber.objects.create(email=email, confirmed_at=clock.at)
        row.modules.set(Module.objects.filter(name__in=modules))

    person("reporting@example.test", "Reporting")
    person("stryka@example.test", "Stryka")
    person("both@example.test", "Stryka", "Reporting")
    person("all@example.test")
    declare(world, clock, mr)
    mail.outbox.clear()
    drain(clock)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "all@example.test",
        "both@example.test",
        "reporting@example.test",
    ]


def test_the_form_takes_modules_and_keeps_double_opt_in(world: Any, clock: Clock) -> None:
    answer = subscribe(Client(), email="Pat@Example.test", region="uk", modules=["stryka"])
    assert answer.status_code == 302
    row = StatusSubscriber.objects.get(email="pat@example.test")
    assert (row.channel, row.confirmed_at, row.region.code) == ("email", None, "uk")
    assert [m.slug for m in row.modules.all()] == ["stryka"]
    drain(clock)
    (message,) = mail.outbox
    assert "Confirm" in message.subject


def test_a_signed_webhook_gets_its_secret_once_and_every_notice_signed(
    world: Any, clock: Clock, mr: FindMR, receiver: Any
) -> None:
    answer = subscribe(Client(), channel="webhook", url=receiver.url, modules=["reporting"])
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "shown only once" in html
    secret = re.search(r'<pre id="webhook-secret">([^<]+)</pre>', html).group(1)
    row = StatusSubscriber.objects.get(channel=Channel.WEBHOOK)
    assert row.active and row.secret == secret
    drain(clock)
    ((headers, body),) = receiver.requests
    assert verify(secret, headers, body)
    assert json.loads(body)["event"] == "status.subscribed"

    receiver.statuses = [500]  # the first delivery fails: retried through the job queue
    declare(world, clock, mr)
    drain(clock)
    assert len(receiver.requests) == 2
    job = Job.objects.get(kind="status_webhook", key__startswith="status-notice:")
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    clock.at += timedelta(minutes=1)
    drain(clock)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    headers, body = receiver.requests[-1]
    assert verify(secret, headers, body)
    assert not verify("wrong", headers, body)
    assert headers["x-accord-event"] == "status.incident_update"
    notice = json.loads(body)
    assert notice["title"] == "Reports fail to load"
    assert notice["message"] == "We are looking into failing reports."
    unsubscribe = notice["unsubscribe"].removeprefix("https://sla.example.test")
    assert Client().post(unsubscribe).status_code == 302
    row.refresh_from_db()
    assert not row.active

    declare(world, clock, mr)  # nothing more after unsubscribing
    drain(clock)
    assert len(receiver.requests) == 3


def test_a_webhook_for_other_modules_hears_nothing(
    world: Any, clock: Clock, mr: FindMR, receiver: Any
) -> None:
    subscribe(Client(), channel="webhook", url=receiver.url, modules=["stryka"])
    drain(clock)
    declare(world, clock, mr, "Reporting")
    drain(clock)
    assert [json.loads(b)["event"] for _, b in receiver.requests] == ["status.subscribed"]


def test_slack_gets_blocks_in_mrkdwn_with_the_unsubscribe_link(
    world: Any, clock: Clock, mr: FindMR, receiver: Any
) -> None:
    answer = subscribe(Client(), channel="slack", url=receiver.url, region="uk")
    assert answer.status_code == 302
    declare(world, clock, mr)
    drain(clock)
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[-1]
    message = json.loads(body)
    assert message["text"] == "[Investigating] Reports fail to load"
    header, section, context = message["blocks"]
    assert header["type"] == "header"
    assert section["text"]["type"] == "mrkdwn"
    assert "We are looking into failing reports." in section["text"]["text"]
    links = context["elements"][0]["text"]
    assert re.search(r"<https://sla\.example\.test/status/subscription/[^|]+/unsubscribe/\|", links)
    assert "x-accord-signature" not in headers


@pytest.mark.parametrize(
    ("channel", "url", "problem"),
    [
        ("slack", "https://example.com/services/T0/B0/x", "hooks.slack.com"),
        ("webhook", "http://example.com/hook", "https://"),
        ("webhook", "", "Give the URL"),
        ("email", "", "Give the address"),
    ],
)
def test_the_form_refuses_a_bad_url_naming_it(
    world: Any, clock: Clock, channel: str, url: str, problem: str
) -> None:
    answer = subscribe(Client(), channel=channel, url=url)
    assert answer.status_code == 400
    assert problem in answer.content.decode()
    assert not StatusSubscriber.objects.exists()


def test_a_slack_url_on_hooks_slack_com_is_taken(world: Any, clock: Clock) -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    assert subscribe(Client(), channel="slack", url=url).status_code == 302
    assert StatusSubscriber.objects.get().url == url


def test_emails_carry_one_click_list_unsubscribe(world: Any, clock: Clock, mr: FindMR) -> None:
    row = StatusSubscriber.objects.create(
        email="uk@example.test", region=Region.objects.get(code="uk"), confirmed_at=clock.at
    )
    declare(world, clock, mr)
    mail.outbox.clear()
    drain(clock)
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(https://sla\.example\.test(/.+/one-click/))>", message.extra_headers["List-Unsubscribe"]
    )
    assert url is not None
    assert "/unsubscribe/" in message.body
    client = Client(enforce_csrf_checks=True)  # a mail client has no session nor CSRF token
    assert client.get(url.group(2)).status_code == 405
    answer = client.post(
        url.group(2), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    row.refresh_from_db()
    assert not row.active
    assert client.post("/status/subscription/forged/one-click/").status_code == 404


def test_the_page_keeps_its_short_email_form_and_links_the_rest(world: Any, clock: Clock) -> None:
    html = Client().get("/status/").content.decode()
    assert 'name="email"' in html
    assert 'name="modules"' not in html
    assert 'href="/status/subscribe/"' in html
    full = Client().get("/status/subscribe/").content.decode()
    for field in ('name="channel"', 'name="url"', 'name="modules"'):
        assert field in full


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
    ],
)
def test_a_webhook_on_an_internal_address_is_refused(url: str) -> None:
    from accord.core.errors import Invalid
    from accord.status.hooks import check_url

    with pytest.raises(Invalid, match="public address"):
        check_url("webhook", url)


def test_a_public_name_that_resolves_inside_is_not_posted_to(
    world: Any, clock: Clock, monkeypatch: Any
) -> None:
    """Checked again when sending: a name can be pointed at the vendor's network later."""
    import socket

    from accord.status import hooks

    person = StatusSubscriber.objects.create(
        channel=Channel.WEBHOOK, url="https://hooks.example.com/accord"
    )
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    posted: list[str] = []
    monkeypatch.setattr(hooks, "post_webhook", lambda url, body, headers: posted.append(url))
    with pytest.raises(hooks.WebhookFailed, match="resolves to 10.0.0.7, an internal address"):
        hooks._post(person, b"{}", {})
    answers[0] = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))
    hooks._post(person, b"{}", {})
    assert posted == ["https://hooks.example.com/accord"]
