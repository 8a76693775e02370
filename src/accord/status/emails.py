"""Email from the status page: the double opt-in confirmation, through the worker's outbox.

A subscription request only stores a `status_email` job (in the request's transaction); the
`accord worker` sends it, retrying with backoff when the mail server fails, like every other
email Accord sends (`accord.work.outbox`). Notices of incident updates and maintenance to
confirmed subscribers are made by `accord.status.notices` and sent by the same handler.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accord.core.display import recipient_language
from accord.core.links import absolute_url
from accord.status.models import StatusSubscriber
from accord.work import services as work
from accord.work.models import Job

logger = logging.getLogger(__name__)

KIND = "status_email"


def queue_confirmation(subscriber: StatusSubscriber, token: str, *, now: datetime) -> Job:
    """The confirmation email of one request (one job per request: the key counts them), in
    the subscription's language (that of the page it was asked on)."""
    with translation.override(recipient_language(subscriber)):
        where = where_label(subscriber)
        context = {
            "where": where,
            "confirm": absolute_url(reverse("status_confirm", args=[token])),
            "status_page": status_page_url(subscriber),
        }
        subject = gettext("Confirm your status updates for %(where)s") % {"where": where}
        body = render_to_string("status/confirmation_email.txt", context)
    return work.schedule(
        f"status-confirm:{subscriber.pk}:{subscriber.confirmations_sent}",
        KIND,
        now,
        payload={"to": subscriber.email, "subject": subject, "body": body},
    )


def where_label(subscriber: StatusSubscriber) -> str:
    """The region a subscription is for, or "every region", in the active language."""
    return subscriber.region.name if subscriber.region_id else gettext("every region")


def status_page_url(subscriber: StatusSubscriber) -> str:
    if subscriber.region_id:
        return absolute_url(reverse("status_region", args=[subscriber.region.code]))
    return absolute_url(reverse("status_overall"))


def unsubscribe_url(token: str) -> str:
    return absolute_url(reverse("status_unsubscribe", args=[token]))


@work.handler(KIND, atomic=False)
def send_status_email(job: Job, now: datetime) -> None:
    """Send one status-page email. At-least-once, like the ticket notifications."""
    payload = job.payload
    subscriber = payload.get("subscriber")
    if subscriber is not None and not any(
        row.active for row in StatusSubscriber.objects.filter(pk=subscriber)
    ):
        logger.info("status email %s not sent: unsubscribed since", job.key)
        return
    headers = {
        "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies, please
        "X-Auto-Response-Suppress": "All",
    }
    if payload.get("list_unsubscribe"):  # a notice: RFC 2369 and RFC 8058 one-click
        headers["List-Unsubscribe"] = f"<{payload['list_unsubscribe']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payload["to"]],
        headers=headers,
    ).send(fail_silently=False)
    logger.info("sent %s", job.key)
