"""Webhooks: signed JSON (or Slack's payload) POSTed to a real HTTP server on 127.0.0.1,
retried with backoff while the endpoint fails."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any

from accord.work.models import Job, JobState, WebhookEndpoint


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (the snippet in docs/email.md)."""
    timestamp = headers["x-accord-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(
        f"sha256={expected.hexdigest()}", headers["x-accord-signature"]
    )


def test_ticket_events_are_posted_signed(
    world: Any, report: Any, drain: Any, at: Any, receiver: Any
) -> None:
    endpoint = WebhookEndpoint.objects.create(name="ops", url=receiver.url, secret="s3cret")
    ticket = report()
    drain(at("09T09:00"))
    ((headers, body),) = receiver.requests
    assert verify("s3cret", headers, body)
    assert not verify("wrong", headers, body)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-accord-event"] == "ticket.reported"
    assert headers["x-accord-delivery"] == f"webhook:{endpoint.pk}:ticket:{ticket.pk}:reported"
    event = json.loads(body)
    assert event["event"] == "ticket.reported"
    assert event["occurred_at"] == "2026-03-09T16:00:00+00:00"
    assert event["ticket"]["id"] == ticket.pk
    assert event["ticket"]["organisation"] == "acme"
    assert event["ticket"]["severity"] == 1
    assert event["ticket"]["due_at"] == "2026-03-09T20:00:00+00:00"
    assert event["ticket"]["url"].endswith(f"/tickets/{ticket.pk}/")


def test_the_slack_format(world: Any, report: Any, drain: Any, at: Any, receiver: Any) -> None:
    WebhookEndpoint.objects.create(name="slack", url=receiver.url, secret="k", format="slack")
    ticket = report(summary="Release <page> is down & out")
    drain(at("09T09:00"))
    ((headers, body),) = receiver.requests
    assert verify("k", headers, body)
    payload = json.loads(body)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].endswith(f"#{ticket.pk} Release <page> is down & out")
    section, context = payload["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert "Release &lt;page&gt; is down &amp; out" in section["text"]["text"]
    assert context["type"] == "context"


def test_endpoints_get_only_their_organisations_and_chosen_events(
    world: Any, report: Any, drain: Any, at: Any, receiver: Any
) -> None:
    WebhookEndpoint.objects.create(name="globex", organisation=world.globex, url=receiver.url)
    WebhookEndpoint.objects.create(
        name="acme", organisation=world.acme, url=receiver.url + "?o=acme"
    )
    WebhookEndpoint.objects.create(
        name="breaches", url=receiver.url + "?b", events=["clock.breach"]
    )
    WebhookEndpoint.objects.create(name="off", url=receiver.url + "?off", active=False)
    report()
    drain(at("09T15:00"))
    seen = sorted(
        (json.loads(body).get("event"), h["x-accord-delivery"].split(":")[1])
        for h, body in receiver.requests
    )
    acme = WebhookEndpoint.objects.get(name="acme").pk
    breaches = WebhookEndpoint.objects.get(name="breaches").pk
    assert seen == sorted(
        [
            ("ticket.reported", str(acme)),
            ("clock.breach", str(acme)),
            ("clock.breach", str(breaches)),
        ]
    )


def test_a_failing_endpoint_is_retried_with_backoff(
    world: Any, report: Any, drain: Any, at: Any, receiver: Any
) -> None:
    WebhookEndpoint.objects.create(name="flaky", url=receiver.url, secret="s")
    receiver.statuses = [503]
    report()
    drain(at("09T09:00"))
    job = Job.objects.get(kind="webhook")
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert job.last_error.endswith("answered 503")
    assert job.due_at == at("09T09:01")  # 30 s × 2^attempts
    drain(at("09T09:00:59"))
    assert len(receiver.requests) == 1
    drain(at("09T09:01"))
    job.refresh_from_db()
    assert (job.state, job.attempts, len(receiver.requests)) == (JobState.DONE, 2, 2)
    first, second = receiver.requests
    assert first[1] == second[1]  # the same event, signed again at delivery
    assert verify("s", *second)


def test_an_unreachable_endpoint_is_retried(world: Any, report: Any, drain: Any, at: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # nothing listens there now
    WebhookEndpoint.objects.create(name="gone", url=f"http://127.0.0.1:{port}/x")
    report()
    drain(at("09T09:00"))
    job = Job.objects.get(kind="webhook")
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert "ConnectError" in job.last_error
