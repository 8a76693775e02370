"""Status notices to signed webhooks and to Slack, through the job queue.

A `status_webhook` job POSTs the notice as JSON signed exactly as the ticket webhooks are
(`accord.work.delivery.sign`: `X-Accord-Signature: sha256=HMAC(secret, timestamp.body)`), with
the subscription's own secret; a `status_slack` job POSTs a Slack message (blocks, mrkdwn) to an
incoming-webhook URL. Both run outside a transaction and, answered anything but 2xx, fail the
job, which `accord.work` retries with a growing delay, as the ticket webhooks. A subscription
unsubscribed since the job was queued is skipped. Every message carries its unsubscribe link.

URLs: a webhook's is https; a Slack one's host is hooks.slack.com. The settings
ACCORD_STATUS_HTTP_HOOK_HOSTS (hosts a plain-http webhook may name, for tests: empty by
default) and ACCORD_STATUS_SLACK_HOSTS (default ["hooks.slack.com"]) widen that.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.errors import Invalid
from accord.status.models import Channel, StatusSubscriber
from accord.work import services as work
from accord.work.delivery import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookFailed,
    encode_body,
    post_webhook,
    sign,
)
from accord.work.models import Job

logger = logging.getLogger(__name__)

WEBHOOK_KIND = "status_webhook"
SLACK_KIND = "status_slack"
KINDS = {Channel.WEBHOOK: WEBHOOK_KIND, Channel.SLACK: SLACK_KIND}


def _hosts(name: str, default: list[str]) -> set[str]:
    return {str(h).lower() for h in getattr(settings, name, default)}


def check_url(channel: str, url: str) -> str:
    """The URL a webhook or Slack subscription may name, or `Invalid` naming the field."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host:
        raise Invalid(_("url: give a full URL, https://..."))
    plain = parts.scheme == "http" and host in _hosts("ACCORD_STATUS_HTTP_HOOK_HOSTS", [])
    if channel == Channel.SLACK:
        slack = _hosts("ACCORD_STATUS_SLACK_HOSTS", ["hooks.slack.com"])
        if not (plain or (parts.scheme == "https" and host in slack)):
            raise Invalid(_("url: a Slack incoming webhook is https://hooks.slack.com/..."))
    elif not (plain or parts.scheme == "https"):
        raise Invalid(_("url: a webhook URL must start with https://"))
    if not plain and _internal(host):
        # Anyone may subscribe: Accord must not be made to POST into the vendor's own network.
        raise Invalid(
            _("url: a webhook must be on a public address, not %(host)s") % {"host": host}
        )
    return url.strip()


def _internal(host: str) -> bool:
    """Loopback, private, link-local or otherwise non-public IP literals, and localhost. (A
    public name that resolves to an internal address is caught when sending: `_resolved_inside`.)"""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def job(person: StatusSubscriber, key: str, notice: dict[str, Any], due_at: datetime) -> Job:
    """The unsaved job that delivers `notice` to a webhook or Slack subscription."""
    if person.channel == Channel.SLACK:
        payload: dict[str, Any] = {"subscriber": person.pk, **slack_message(notice)}
    else:
        payload = {"subscriber": person.pk, "event": notice["event"], "body": notice}
    return Job(key=key, kind=KINDS[person.channel], due_at=due_at, payload=payload)


def slack_message(notice: dict[str, Any]) -> dict[str, Any]:
    """Slack's message: a header, the text in mrkdwn, links to the status page and to
    unsubscribe; `text` is the fallback for notifications."""

    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    lines = "\n".join(escape(line) for line in notice["lines"])
    return {
        "text": notice["subject"],
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": notice["subject"][:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": lines[:3000] or " "}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{notice['status_page']}|{escape(_('Status page'))}> · "
                        f"<{notice['unsubscribe']}|{escape(_('Unsubscribe'))}>",
                    }
                ],
            },
        ],
    }


def _resolved_inside(host: str) -> str | None:
    """An internal address the name resolves to now, if any (None: all public, or the name
    does not resolve, which the POST itself then reports)."""
    try:
        answers = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for *_unused, address in answers:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if not ip.is_global:
            return str(ip)
    return None


def _post(person: StatusSubscriber, body: bytes, headers: dict[str, str]) -> None:
    """POST to the subscriber, unless its name resolves to an internal address now: anyone may
    subscribe, and a public name can be pointed at the vendor's own network after the check
    at subscription (the refusal fails the job, which the queue retries and then gives up)."""
    host = (urlsplit(person.url).hostname or "").lower()
    if host not in _hosts("ACCORD_STATUS_HTTP_HOOK_HOSTS", []):
        inside = _resolved_inside(host)
        if inside is not None:
            raise WebhookFailed(f"{person.url}: {host} resolves to {inside}, an internal address")
    post_webhook(person.url, body, headers)


def _active(job: Job) -> StatusSubscriber | None:
    person = StatusSubscriber.objects.filter(pk=job.payload.get("subscriber")).first()
    if person is None or not person.active:
        logger.info("status notice %s not delivered: unsubscribed since", job.key)
        return None
    return person


@work.handler(WEBHOOK_KIND, atomic=False)
def deliver_webhook(job: Job, now: datetime) -> None:
    person = _active(job)
    if person is None:
        return
    body = encode_body(job.payload["body"])
    timestamp = str(int(timezone.now().timestamp()))  # the real time: receivers refuse replays
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Accord-Webhook/1",
        "X-Accord-Event": job.payload["event"],
        "X-Accord-Delivery": job.key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(person.secret, timestamp, body),
    }
    _post(person, body, headers)
    logger.info("delivered %s", job.key)


@work.handler(SLACK_KIND, atomic=False)
def deliver_slack(job: Job, now: datetime) -> None:
    person = _active(job)
    if person is None:
        return
    message = {"text": job.payload["text"], "blocks": job.payload["blocks"]}
    _post(person, encode_body(message), {"Content-Type": "application/json; charset=utf-8"})
    logger.info("delivered %s", job.key)
