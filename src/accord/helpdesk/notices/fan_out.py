"""The fan-out: a notice decided with the change, addressed and rendered by the worker.

A change only *enqueues* its notice: one `notify` job holding the notice and a snapshot of the
ticket as the change left it, in the same transaction as the change (`changes.on_ticket_change`).
The worker's `fan_out` then addresses and renders it: one `send_email` job per recipient and one
`webhook` job per endpoint, each with a unique key, in the transaction that marks the `notify`
job done. A clock job (`clock_warning`, `clock_breach`) runs in the worker already and
`publish`es directly. (Rendering in the worker keeps the request that made the change short:
addressing and rendering six emails was about a third of the CPU of creating a ticket.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.dateparse import parse_datetime

from accord.accounts.models import User
from accord.core.display import recipient_language
from accord.helpdesk.models import Comment, Ticket
from accord.helpdesk.notices.addressing import recipients
from accord.helpdesk.notices.notice import Notice, Phrase, stored
from accord.helpdesk.notices.rendering import render_email, webhook_body
from accord.work import services as work
from accord.work.models import Job, WebhookEndpoint
from accord.work.outbox import enqueue_many, restore, snapshot


def publish(notice: Notice) -> None:
    """Enqueue the emails and webhook deliveries of a notice (in the caller's transaction).
    Each email is rendered in its reader's language (`recipient_language`); the webhooks are
    English, like the API."""
    jobs = []
    for person, customer in recipients(notice):
        with translation.override(recipient_language(person)):
            payload = render_email(notice, person, customer=customer)
        jobs.append(
            Job(
                key=f"email:{notice.key}:user-{person.pk}",
                kind="send_email",
                due_at=notice.at,
                payload=payload,
            )
        )
    endpoints = WebhookEndpoint.objects.filter(active=True)
    for endpoint in endpoints:
        if endpoint.organisation_id is not None:
            if endpoint.organisation_id != notice.ticket.organisation_id:
                continue
            if not notice.customer_headline:  # staff-only notices go to the vendor's endpoints
                continue
        if not endpoint.wants(notice.event):
            continue
        jobs.append(
            Job(
                key=f"webhook:{endpoint.pk}:{notice.key}",
                kind="webhook",
                due_at=notice.at,
                payload={
                    "endpoint": endpoint.pk,
                    "event": notice.event,
                    "body": webhook_body(notice, endpoint),
                },
            )
        )
    enqueue_many(jobs)


FAN_OUT = "notify"
# Not needed by any message, and up to 50,000 characters: left out of the ticket's snapshot.
_SNAPSHOT_SKIP = frozenset({"description"})


def fan_out_job(notice: Notice) -> Job:
    """The `notify` job of a notice: the notice with the ticket (and comment) as they are now,
    so the messages the worker renders from it are those the change would have rendered."""
    actor = notice.actor
    return Job(
        key=f"notify:{notice.key}",
        kind=FAN_OUT,
        due_at=notice.at,
        payload={
            "ticket": snapshot(notice.ticket, _SNAPSHOT_SKIP),
            "event": notice.event,
            "slug": notice.slug,
            "at": notice.at.isoformat(),
            "headline": stored(notice.headline),
            "customer_headline": stored(notice.customer_headline),
            "lines": [stored(line) for line in notice.lines],
            "actor": actor.pk if actor is not None else None,
            "comment": snapshot(notice.comment) if notice.comment is not None else None,
            "staff": notice.staff,
            "include_reporter": notice.include_reporter,
            "subject_tag": stored(notice.subject_tag),
            "data": notice.data,
        },
    )


def notice_of(payload: dict[str, Any]) -> Notice:
    """The notice a `notify` job carries (`fan_out_job`)."""
    actor_id = payload["actor"]
    at = parse_datetime(payload["at"])
    assert at is not None
    return Notice(
        ticket=restore(Ticket, payload["ticket"]),
        event=payload["event"],
        slug=payload["slug"],
        at=at,
        headline=Phrase.from_json(payload["headline"]),
        customer_headline=Phrase.from_json(payload["customer_headline"]),
        lines=[Phrase.from_json(line) for line in payload["lines"]],
        actor=None if actor_id is None else User.objects.filter(pk=actor_id).first(),
        comment=None if payload["comment"] is None else restore(Comment, payload["comment"]),
        staff=payload["staff"],
        include_reporter=payload["include_reporter"],
        subject_tag=Phrase.from_json(payload["subject_tag"]),
        data=dict(payload["data"]),
    )


@work.handler(FAN_OUT)
def fan_out(job: Job, now: datetime) -> None:
    """Address and render a change's notice: one `send_email` job per recipient, one `webhook`
    job per endpoint. Runs in the transaction that marks the `notify` job done, and the jobs'
    keys are unique, so they are enqueued once however often a killed worker's job is claimed
    again. The people told are those the notice names when this runs (normally within a
    second of the change)."""
    publish(notice_of(job.payload))
