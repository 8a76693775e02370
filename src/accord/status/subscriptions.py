"""Status emails by double opt-in: subscribe, confirm and unsubscribe with signed tokens.

A confirmation link is good for 7 days and for the latest confirmation email only; an
unsubscribe link is good for ever. Nothing commits on its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core import signing

from accord.catalogue.models import Module, Region
from accord.status import emails, hooks
from accord.status.models import Channel, StatusSubscriber

CONFIRM_MAX_AGE = timedelta(days=7)
RESEND_AFTER = timedelta(minutes=10)  # one confirmation email per address per 10 minutes

_CONFIRM_SALT = "accord.status.confirm"
_UNSUBSCRIBE_SALT = "accord.status.unsubscribe"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def confirm_token(subscriber: StatusSubscriber) -> str:
    """Good for 7 days, for the latest confirmation email only (`n` counts them)."""
    return signing.dumps(
        {"id": subscriber.pk, "email": subscriber.email, "n": subscriber.confirmations_sent},
        salt=_CONFIRM_SALT,
        compress=True,
    )


def unsubscribe_token(subscriber: StatusSubscriber) -> str:
    """Good for ever (a notice's unsubscribe link must keep working)."""
    return signing.dumps(
        {"id": subscriber.pk, "email": subscriber.email}, salt=_UNSUBSCRIBE_SALT, compress=True
    )


def subscribe(
    email: str,
    region: Region | None,
    *,
    now: datetime,
    modules: Iterable[Module] = (),
    language: str = "",
) -> bool:
    """Ask for status emails: queue a confirmation email unless the address is already
    subscribed (to the same scope) or was sent one in the last 10 minutes. `language` is the
    one the request was answered in: the emails are written in it ("": the site's default);
    a request that is not yet confirmed takes the latest request's. Whether one was
    queued is returned for tests and logs only: the visitor is told the same either way, so
    the form does not reveal who is subscribed."""
    subscriber, _ = StatusSubscriber.objects.get_or_create(
        channel=Channel.EMAIL, email=normalise_email(email), region=region
    )
    if subscriber.active:  # its modules change only through a confirmed request
        return False
    subscriber.modules.set(list(modules))
    subscriber.language = language
    if subscriber.unsubscribed_at is not None:  # subscribing again: opt in again
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
    elif (
        subscriber.confirmation_sent_at is not None
        and now - subscriber.confirmation_sent_at < RESEND_AFTER
    ):
        subscriber.save()
        return False
    subscriber.confirmations_sent += 1
    subscriber.confirmation_sent_at = now
    subscriber.save()
    emails.queue_confirmation(subscriber, confirm_token(subscriber), now=now)
    return True


def subscribe_hook(
    channel: str,
    url: str,
    region: Region | None,
    *,
    now: datetime,
    modules: Iterable[Module] = (),
) -> tuple[StatusSubscriber, str]:
    """A webhook or Slack subscription, active at once (a URL cannot confirm; whoever holds it
    receives the `status.subscribed` message, with its unsubscribe link, first). Returns the
    subscription and its signing secret (a webhook's; empty for Slack), to be shown once."""
    secret = secrets.token_urlsafe(32) if channel == Channel.WEBHOOK else ""
    subscriber = StatusSubscriber.objects.create(
        channel=channel,
        url=hooks.check_url(channel, url),
        secret=secret,
        region=region,
        confirmed_at=now,
    )
    subscriber.modules.set(list(modules))
    where = subscriber.region.name if subscriber.region_id else "every region"
    names = sorted(m.name for m in modules) or ["every module"]
    subject = f"Subscribed to status updates for {where}"
    notice = {
        "event": "status.subscribed",
        "subject": subject,
        "title": subject,
        "message": f"Modules: {', '.join(names)}",
        "lines": [f"Modules: {', '.join(names)}"],
        "status_page": emails.status_page_url(subscriber),
        "unsubscribe": emails.unsubscribe_url(unsubscribe_token(subscriber)),
    }
    hooks.job(subscriber, f"status-subscribed:{subscriber.pk}", notice, now).save()
    return subscriber, secret


def _load(token: str, salt: str, max_age: timedelta | None) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return data if isinstance(data, dict) else None


def subscriber_for_confirmation(token: str) -> StatusSubscriber | None:
    """The subscription a confirmation link is for, while the link is good."""
    data = _load(token, _CONFIRM_SALT, CONFIRM_MAX_AGE)
    if data is None:
        return None
    subscriber = StatusSubscriber.objects.filter(pk=data.get("id"), email=data.get("email")).first()
    if subscriber is None or subscriber.confirmations_sent != data.get("n"):
        return None
    if subscriber.unsubscribed_at is not None:
        return None
    return subscriber


def confirm(token: str, *, now: datetime) -> StatusSubscriber | None:
    return _stamp_once(subscriber_for_confirmation(token), "confirmed_at", now)


def subscriber_for_unsubscribe(token: str) -> StatusSubscriber | None:
    data = _load(token, _UNSUBSCRIBE_SALT, None)
    if data is None:
        return None
    return StatusSubscriber.objects.filter(pk=data.get("id"), email=data.get("email")).first()


def unsubscribe(token: str, *, now: datetime) -> StatusSubscriber | None:
    return _stamp_once(subscriber_for_unsubscribe(token), "unsubscribed_at", now)


def _stamp_once(
    subscriber: StatusSubscriber | None, field: str, now: datetime
) -> StatusSubscriber | None:
    """Set the subscriber's `field` (when it confirmed, when it left) to `now` unless it is
    set already: following a link again changes nothing."""
    if subscriber is not None and getattr(subscriber, field) is None:
        setattr(subscriber, field, now)
        subscriber.save(update_fields=[field])
    return subscriber
