"""Delivery: the `send_email` and `webhook` jobs that talk to the outside world.

Both run outside any transaction (`handler(..., atomic=False)`), so they never hold the
database's write lock while they wait on the network, and are at-least-once: `run_job` retries
a failure with a growing delay. What they send was rendered when they were enqueued (the help
desk's notices, `accord.helpdesk.notices`): a `send_email` payload is the message as sent, a
`webhook` payload the endpoint and the JSON body. Headers and signatures: docs/email.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from accord.accounts.models import User
from accord.work import services as work
from accord.work.models import Job, WebhookEndpoint

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10.0  # seconds, connect and read
SIGNATURE_HEADER = "X-Accord-Signature"
TIMESTAMP_HEADER = "X-Accord-Timestamp"


# --- email ----------------------------------------------------------------------------------


def build_email(payload: dict[str, Any]) -> EmailMessage:
    headers = {
        "Message-ID": payload["message_id"],
        "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies, please
        "X-Auto-Response-Suppress": "All",
        "X-Accord-Ticket": str(payload["ticket"]),
        "X-Accord-Event": payload["event"],
    }
    if payload.get("in_reply_to"):
        headers["In-Reply-To"] = payload["in_reply_to"]
    if payload.get("references"):
        headers["References"] = " ".join(payload["references"])
    return EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payload["to"]],
        reply_to=[settings.ACCORD_SUPPORT_ADDRESS],
        headers=headers,
    )


@work.handler("send_email", atomic=False)
def send_email(job: Job, now: datetime) -> None:
    """Send one notification email. At-least-once: a worker killed between the SMTP server's
    acceptance and the commit sends it again, with the same Message-ID."""
    payload = job.payload
    if not User.objects.filter(pk=payload.get("user"), is_active=True).exists():
        logger.info("email %s not sent: the recipient is no longer active", job.key)
        return
    build_email(payload).send(fail_silently=False)
    logger.info("sent %s to %s", payload["event"], payload["to"])


# --- webhooks -------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Accord-Signature` value: HMAC-SHA256 over `timestamp.body`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class WebhookFailed(Exception):
    """The endpoint did not answer 2xx."""


def post_webhook(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST one delivery; anything but a 2xx answer (or no answer) is `WebhookFailed`, which
    the job queue retries."""
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"{url}: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"{url} answered {response.status_code}")


@work.handler("webhook", atomic=False)
def deliver_webhook(job: Job, now: datetime) -> None:
    """POST one event to one endpoint, signed; anything but 2xx fails the job, which
    `run_job` retries with a growing delay."""
    endpoint = WebhookEndpoint.objects.filter(pk=job.payload.get("endpoint")).first()
    if endpoint is None or not endpoint.active:
        logger.info("webhook %s not delivered: the endpoint is gone or inactive", job.key)
        return
    body = encode_body(job.payload["body"])
    # The real time, not the job's: receivers compare it with their clock to refuse replays.
    timestamp = str(int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Accord-Webhook/1",
        "X-Accord-Event": job.payload["event"],
        "X-Accord-Delivery": job.key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    post_webhook(endpoint.url, body, headers)
    logger.info("delivered %s to %s", job.payload["event"], endpoint.url)
