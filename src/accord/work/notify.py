"""Outbound notifications: email to the people who should know, and signed webhooks.

Nothing here sends anything while a ticket changes. A change (`after_ticket_change`) only
*enqueues* its notice, one `notify` job holding the notice and a snapshot of the ticket as the
change left it, in the same transaction as the change. The worker's `fan_out` then addresses
and renders it: one `send_email` job per recipient and one `webhook` job per endpoint, each with
a unique key, in the transaction that marks the `notify` job done. A clock job
(`clock_warning`, `clock_breach`) runs in the worker already and enqueues those directly. That
is an outbox: a change that commits has its notice committed with it, and one that rolls back
has none; a notice is decided once, and fanned out once, however often the job deciding it
runs. The `send_email` and `webhook` jobs then do the network I/O outside any transaction (see
`accord.work.services.handler`), and are retried with backoff by `run_job` when the mail server
or the endpoint fails. (Rendering in the worker keeps the request that made the change short:
addressing and rendering six emails was about a third of the CPU of creating a ticket.)

Who is told (docs/email.md has the table): the customer side is the ticket's reporter and the
organisation's customer admins; the staff side is every agent and manager for new tickets,
severity disputes, clock warnings and breaches, and the staff who have worked on the ticket for
its conversation. Staff-only notes never reach a customer: `add_comment` does not announce them,
and `on_ticket_change` drops them if it ever sees one.

Emails are RFC 822 messages built with Django's email API: `Message-ID:
<ticket-{id}.{event}@{domain}>`, threaded with `In-Reply-To`/`References` on the ticket's first
message (and the customer's own email, when the ticket came by email), `Reply-To` the support
address and `[#ID]` in the subject, so a reply comes back through `accord mail-ingest` as a
comment on the right ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Model, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accord.accounts.models import STAFF_ROLES, Role, User
from accord.core.links import absolute_url
from accord.engine.clocks import ClockResult, ClockState
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk.models import Comment, Severity, Status, Ticket, TicketEvent
from accord.work import services as work
from accord.work.models import Job, WebhookEndpoint, WebhookFormat

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)

WEBHOOK_TIMEOUT = 10.0  # seconds, connect and read
SIGNATURE_HEADER = "X-Accord-Signature"
TIMESTAMP_HEADER = "X-Accord-Timestamp"
REPLY_MARKER = "Reply above this line"

_muted: ContextVar[bool] = ContextVar("accord_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No notifications for the changes made inside (bulk imports, demo data)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# --- addresses and message ids --------------------------------------------------------------


def mail_domain() -> str:
    """The domain of Accord's Message-IDs: the support address's."""
    return settings.ACCORD_SUPPORT_ADDRESS.rpartition("@")[2].strip().lower() or "accord.localhost"


def message_id(ticket_id: int, event: str) -> str:
    return f"<ticket-{ticket_id}.{event}@{mail_domain()}>"


_OWN_MESSAGE_ID = re.compile(r"^<ticket-(\d+)\.[^@<>\s]+@([^<>\s]+)>$")


def ticket_of_message_id(value: str) -> int | None:
    """The ticket id of one of Accord's own Message-IDs (a reply's In-Reply-To), else None."""
    match = _OWN_MESSAGE_ID.match(value.strip())
    if match is None or match.group(2).lower() != mail_domain():
        return None
    return int(match.group(1))


def ticket_url(ticket_id: int) -> str:
    """The ticket's page on the configured base URL (never a request's Host header)."""
    try:
        path = reverse("ticket_detail", args=[ticket_id])
    except NoReverseMatch:  # the portal's pages are not installed
        path = f"/tickets/{ticket_id}/"
    return absolute_url(path)


# --- what happened --------------------------------------------------------------------------


@dataclass
class Notice:
    """One thing worth telling people about a ticket, and who is to be told."""

    ticket: Ticket
    event: str  # the webhook event name: "ticket.restored", "clock.breach", ...
    slug: str  # unique per ticket: the Message-ID part and the job keys' suffix
    at: datetime
    headline: str  # for staff
    customer_headline: str = ""  # empty: customers are not told
    lines: list[str] = field(default_factory=list)  # details shown to both sides
    actor: User | None = None
    comment: Comment | None = None
    # "all" (agents and managers), "managers" (managers and vendor admins), "ticket" (who
    # worked on it), "none"
    staff: str = "none"
    include_reporter: bool = False  # tell the reporter even when they are the actor
    subject_tag: str = ""  # prefix of the subject for alarms
    data: dict[str, Any] = field(default_factory=dict)  # extra webhook fields

    @property
    def key(self) -> str:
        return f"ticket:{self.ticket.pk}:{self.slug}"


def _severity(value: int | None) -> str:
    return Severity(value).label if value in Severity.values else "not yet designated"


def _latest_event(ticket: Ticket) -> TicketEvent | None:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-pk").first()


_STATUS_HEADLINES = {
    "acknowledged": "Support acknowledged the fault",
    "in_progress": "Support is working on the fault",
    "restored": "Service restored",
    "fix_delivered": "Permanent fix delivered",
    "closed": "Ticket closed",
    "reopened": "Ticket reopened: the fault returned",
    "paused": "Support paused the clock",
    "resumed": "The clock runs again",
}


def notice_for_change(
    ticket: Ticket,
    what: str,
    *,
    actor: User | None,
    comment: Comment | None,
    event: TicketEvent | None = None,
) -> Notice | None:
    """The notice for a ticket change reported through `after_ticket_change`; `event` is the
    event the change appended (read back, the ticket's latest, when not given)."""
    if what == "commented":
        if comment is None or comment.internal:
            return None  # staff-only notes are never announced
        who = _name(comment.author)
        return Notice(
            ticket=ticket,
            event="ticket.commented",
            slug=f"comment-{comment.pk}",
            at=comment.created_at,
            headline=f"{who} commented",
            customer_headline=f"{who} commented",
            actor=actor,
            comment=comment,
            staff="ticket",
        )
    if event is None:
        event = _latest_event(ticket)
    if event is None:
        return None
    at = event.at
    base: dict[str, Any] = {"ticket": ticket, "at": at, "actor": actor}
    if what == "reported":
        return Notice(
            **base,
            event="ticket.reported",
            slug="reported",
            headline=f"New fault reported by {_name(ticket.reported_by)} "
            f"({ticket.organisation.name})",
            customer_headline="We have received your fault report",
            lines=[f"Channel: {ticket.get_channel_display()}"],
            staff="all",
            include_reporter=True,
        )
    slug = f"event-{event.pk}"
    if what in _STATUS_HEADLINES:
        lines = []
        if event.data.get("repair"):
            lines.append(f"Repair: {event.data['repair']}.")
        for label in ("note", "reason"):
            if event.data.get(label):
                lines.append(f"{label.capitalize()}: {event.data[label]}")
        return Notice(
            **base,
            event=f"ticket.{what}",
            slug=slug,
            headline=_STATUS_HEADLINES[what],
            customer_headline=_STATUS_HEADLINES[what],
            lines=lines,
            staff="ticket" if what in ("reopened", "resumed") else "none",
        )
    if what == "severity_designated":
        text = f"Severity designated: {_severity(event.severity)}"
        return Notice(
            **base,
            event="ticket.severity_designated",
            slug=slug,
            headline=f"The customer designated the severity: {_severity(event.severity)}",
            customer_headline=text,
            staff="ticket",
        )
    if what == "severity_proposed" and event.data.get("side") == "customer":
        current = _severity(event.data.get("from"))
        return Notice(
            **base,
            event="ticket.severity_proposed",
            slug=slug,
            headline=f"The customer proposes severity {_severity(event.severity)} instead "
            f"of {current}",
            customer_headline=f"Severity {_severity(event.severity)} proposed to support",
            lines=[
                f"Reason: {event.data.get('reason', '')}",
                "A support manager accepts or rejects it on the ticket's page; until then "
                f"{current} stands.",
            ],
            staff="managers",
        )
    if what == "severity_proposed":
        reason = event.data.get("reason", "")
        current = _severity(event.data.get("from"))
        return Notice(
            **base,
            event="ticket.severity_proposed",
            slug=slug,
            headline=f"Severity dispute opened: {_severity(event.severity)} proposed "
            f"instead of {current}",
            customer_headline=f"Support proposes severity {_severity(event.severity)} instead "
            f"of {current}",
            lines=[
                f"Reason: {reason}",
                "Your severity stands until both sides agree. Accept or reject the proposal "
                "on the ticket's page.",
            ],
            staff="all",
        )
    if what == "severity_rejected":
        note = event.data.get("note", "")
        by = "Support" if actor is not None and actor.is_vendor_staff else "The customer"
        return Notice(
            **base,
            event="ticket.severity_rejected",
            slug=slug,
            headline=f"{by} rejected the severity proposal",
            customer_headline="The severity proposal was rejected",
            lines=[f"Note: {note}"] if note else [],
            staff="all",
        )
    if what == "severity_agreed":
        lines = [f"How: {event.data['how']}."] if event.data.get("how") else []
        if isinstance(event.data.get("accepted_by"), dict):
            lines.append(
                f"Proposed by {event.data['proposed_by']['name']}, accepted by "
                f"{event.data['accepted_by']['name']}."
            )
        elif event.data.get("vendor_party"):
            lines.append(
                f"Agreed by {event.data['vendor_party']} (vendor) and "
                f"{event.data.get('customer_party', '')} (customer)."
            )
        text = f"Severity agreed: {_severity(event.severity)}, from the report time"
        return Notice(
            **base,
            event="ticket.severity_agreed",
            slug=slug,
            headline=text,
            customer_headline=text,
            lines=lines,
            staff="all",
        )
    if what in _CONTEST_HEADLINES:
        return _contest_notice(base, slug, what, event)
    logger.debug("no notification for ticket change %r", what)
    return None


# Contested restorations (accord.helpdesk.restoration): (staff headline, customer headline).
_CONTEST_HEADLINES = {
    "restoration_contested": (
        "The customer contests the restoration: service was not restored",
        "You contested the restoration: the clock runs again until support answers",
    ),
    "restoration_withdrawn": (
        "Restoration withdrawn: both sides agree it never held",
        "Support agrees service was not restored: the clock counts from the report",
    ),
    "contest_rejected": (
        "Contest rejected: the restoration stands (a dispute on the report)",
        "Support maintains that service was restored; the dispute is shown on your report",
    ),
}


def _contest_notice(base: dict[str, Any], slug: str, what: str, event: TicketEvent) -> Notice:
    """The vendor is told of a contest (managers answer it), the customer of the answer."""
    headline, customer_headline = _CONTEST_HEADLINES[what]
    lines = [
        f"{label.capitalize()}: {event.data[label]}"
        for label in ("reason", "note")
        if event.data.get(label)
    ]
    return Notice(
        **base,
        event=f"ticket.{what}",
        slug=slug,
        headline=headline,
        customer_headline=customer_headline,
        lines=lines,
        staff="all" if what == "restoration_contested" else "ticket",
    )


def on_ticket_change(
    ticket: Ticket,
    what: str,
    *,
    actor: User | None,
    comment: Comment | None = None,
    event: TicketEvent | None = None,
) -> list[Job]:
    """The CHANGE_LISTENER: the notice of a change as one `notify` job, which
    `after_ticket_change` enqueues in the change's transaction and the worker fans out into
    the emails and webhook deliveries (`fan_out`)."""
    if _muted.get():
        return []
    notice = notice_for_change(ticket, what, actor=actor, comment=comment, event=event)
    return [] if notice is None else [fan_out_job(notice)]


# --- who is told ----------------------------------------------------------------------------


def customer_recipients(ticket: Ticket, admins: list[User] | None = None) -> list[User]:
    """The reporter and the organisation's customer admins (`admins`, when already read)."""
    people = {ticket.reported_by.pk: ticket.reported_by}
    if admins is None:
        admins = list(
            User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CUSTOMER_ADMIN)
        )
    for admin in admins:
        if Ticket.organisation.is_cached(ticket):  # the same row: no read for the time zone
            admin.organisation = ticket.organisation
        people[admin.pk] = admin
    return list(people.values())


def all_staff() -> list[User]:
    return list(User.objects.filter(role__in=[Role.AGENT, Role.MANAGER], is_active=True))


def _all_staff_and_admins(ticket: Ticket) -> tuple[list[User], list[User]]:
    """`all_staff()` and the ticket's organisation's customer admins, in one query."""
    staff: list[User] = []
    admins: list[User] = []
    for person in User.objects.filter(
        Q(role__in=[Role.AGENT, Role.MANAGER], is_active=True)
        | Q(organisation_id=ticket.organisation_id, role=Role.CUSTOMER_ADMIN)
    ):
        (admins if person.role == Role.CUSTOMER_ADMIN else staff).append(person)
    return staff, admins


def ticket_staff(ticket: Ticket) -> list[User]:
    """The staff who worked on the ticket (acted or commented); before anyone has, all agents
    and managers."""
    ids = set(
        TicketEvent.objects.filter(ticket=ticket, actor__role__in=STAFF_ROLES).values_list(
            "actor_id", flat=True
        )
    ) | set(
        Comment.objects.filter(ticket=ticket, author__role__in=STAFF_ROLES).values_list(
            "author_id", flat=True
        )
    )
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    return people or all_staff()


def recipients(notice: Notice) -> list[tuple[User, bool]]:
    """(person, is_customer_side) for a notice, each person once, never the actor (except the
    reporter's own acknowledgement), only active people with an address."""
    chosen: dict[int, tuple[User, bool]] = {}
    staff: list[User] = []
    admins: list[User] | None = None
    if notice.staff == "all" and notice.customer_headline:
        staff, admins = _all_staff_and_admins(notice.ticket)
    elif notice.staff == "all":
        staff = all_staff()
    elif notice.staff == "ticket":
        staff = ticket_staff(notice.ticket)
    elif notice.staff == "managers":
        staff = list(
            User.objects.filter(role__in=[Role.MANAGER, Role.VENDOR_ADMIN], is_active=True)
        )
    for person in staff:
        chosen[person.pk] = (person, False)
    if notice.customer_headline:
        for person in customer_recipients(notice.ticket, admins):
            if person.role in STAFF_ROLES:  # staff reporting on a customer's behalf
                chosen.setdefault(person.pk, (person, False))
            else:
                chosen[person.pk] = (person, True)
    actor_id = notice.actor.pk if notice.actor is not None else None
    result = []
    for person, customer in chosen.values():
        if not person.is_active or not person.email:
            continue
        is_reporter = person.pk == notice.ticket.reported_by_id
        if person.pk == actor_id and not (notice.include_reporter and is_reporter):
            continue
        result.append((person, customer))
    return sorted(result, key=lambda pair: pair[0].pk)


# --- enqueueing -----------------------------------------------------------------------------


def enqueue(key: str, kind: str, due_at: datetime, payload: dict[str, Any]) -> Job:
    """A job that happens once: created unless a job of this key exists, in whatever state."""
    job, _ = Job.objects.get_or_create(
        key=key, defaults={"kind": kind, "due_at": due_at, "payload": payload}
    )
    return job


def enqueue_many(jobs: list[Job]) -> None:
    """`enqueue` for many jobs in one statement: each is created unless a job of its key exists,
    in whatever state. The unique key decides, in the database (`INSERT ... ON CONFLICT DO
    NOTHING` on PostgreSQL, `INSERT OR IGNORE` on SQLite): an existing row is left as it is,
    and of two transactions inserting one key concurrently the second waits for the first and
    inserts nothing if it commits, so a notice is still enqueued once per key."""
    if jobs:
        Job.objects.bulk_create(jobs, ignore_conflicts=True)


def publish(notice: Notice) -> None:
    """Enqueue the emails and webhook deliveries of a notice (in the caller's transaction)."""
    jobs = [
        Job(
            key=f"email:{notice.key}:user-{person.pk}",
            kind="send_email",
            due_at=notice.at,
            payload=render_email(notice, person, customer=customer),
        )
        for person, customer in recipients(notice)
    ]
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


# --- the fan-out: decided with the change, rendered and addressed by the worker -------------

FAN_OUT = "notify"
# Not needed by any message, and up to 50,000 characters: left out of the ticket's snapshot.
_SNAPSHOT_SKIP = frozenset({"description"})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot(instance: Model, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The row's column values as JSON values (times as ISO 8601 with their offset)."""
    return {
        f.attname: _plain(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.name not in skip
    }


def restore(model: type[M], data: dict[str, Any]) -> M:
    """An instance of `model` as `snapshot` saw it (not saved; its relations read on use)."""
    fields = {
        f.attname: f.to_python(data[f.attname])
        for f in model._meta.concrete_fields
        if f.attname in data
    }
    instance = model(**fields)
    instance._state.adding = False
    return instance


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
            "headline": notice.headline,
            "customer_headline": notice.customer_headline,
            "lines": list(notice.lines),
            "actor": actor.pk if actor is not None else None,
            "comment": snapshot(notice.comment) if notice.comment is not None else None,
            "staff": notice.staff,
            "include_reporter": notice.include_reporter,
            "subject_tag": notice.subject_tag,
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
        headline=payload["headline"],
        customer_headline=payload["customer_headline"],
        lines=list(payload["lines"]),
        actor=None if actor_id is None else User.objects.filter(pk=actor_id).first(),
        comment=None if payload["comment"] is None else restore(Comment, payload["comment"]),
        staff=payload["staff"],
        include_reporter=payload["include_reporter"],
        subject_tag=payload["subject_tag"],
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


# --- email ----------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    if user is None:
        return "Accord"
    return user.get_full_name() or user.email


def _zone(person: User) -> ZoneInfo:
    try:
        return ZoneInfo(person.display_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show_time(instant: datetime, zone: ZoneInfo) -> str:
    """A time in the reader's zone, with the zone named."""
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone.key})"


def show_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h {rest // 60:02d}m"


def _clock_lines(ticket: Ticket, zone: ZoneInfo) -> list[str]:
    lines = [f"Severity: {_severity(ticket.severity_in_force)}"]
    if ticket.dispute_open:
        lines[-1] += " (a change is proposed; this one stands until both sides agree)"
    if ticket.target_seconds is not None:
        lines.append(
            f"Support time used: {show_duration(ticket.used_seconds)} of "
            f"{show_duration(ticket.target_seconds)}"
        )
    if ticket.breached_at is not None:
        lines.append(f"Breached at: {show_time(ticket.breached_at, zone)}")
    elif ticket.due_at is not None and ticket.clock_state == ClockState.RUNNING:
        lines.append(f"Due: {show_time(ticket.due_at, zone)}")
    return lines


def subject_of(notice: Notice) -> str:
    summary = " ".join(notice.ticket.summary.split())
    tag = f"{notice.subject_tag} " if notice.subject_tag else ""
    return f"[#{notice.ticket.pk}] {tag}{summary}"


def thread_of(ticket: Ticket) -> list[str]:
    """The Message-IDs a notification of this ticket refers to, oldest first."""
    ids = [ticket.email_message_id] if ticket.email_message_id else []
    return [*ids, message_id(ticket.pk, "reported")]


def render_email(notice: Notice, person: User, *, customer: bool) -> dict[str, Any]:
    """A `send_email` job's payload: the message as it will be sent."""
    ticket = notice.ticket
    zone = _zone(person)
    headline = notice.customer_headline if customer else notice.headline
    body = [
        f"-- {REPLY_MARKER} to comment on ticket #{ticket.pk} --",
        "",
        f"{headline} ({show_time(notice.at, zone)}).",
        "",
    ]
    if notice.comment is not None:
        body += [notice.comment.body, ""]
    body += notice.lines + ([""] if notice.lines else [])
    body += [
        f"Ticket #{ticket.pk}: {ticket.summary}",
        *([] if customer else [f"Customer: {ticket.organisation.name}"]),
        f"Module: {ticket.module.name} ({ticket.region.name})",
        f"Status: {Status(ticket.status).label}",
        *_clock_lines(ticket, zone),
        "",
        f"View the ticket: {ticket_url(ticket.pk)}",
        "",
        f"Reply to this email to add a comment (keep [#{ticket.pk}] in the subject).",
    ]
    own = message_id(ticket.pk, notice.slug)
    thread = [mid for mid in thread_of(ticket) if mid != own]
    return {
        "ticket": ticket.pk,
        "event": notice.event,
        "user": person.pk,
        "to": person.email,
        "subject": subject_of(notice),
        "body": "\n".join(body).strip() + "\n",
        "message_id": own,
        "in_reply_to": thread[-1] if thread else "",
        "references": thread,
    }


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


def _ticket_data(ticket: Ticket) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.astimezone(ZoneInfo("UTC")).isoformat() if value else None

    return {
        "id": ticket.pk,
        "url": ticket_url(ticket.pk),
        "organisation": ticket.organisation.slug,
        "summary": ticket.summary,
        "module": ticket.module.slug,
        "region": ticket.region.code,
        "status": ticket.status,
        "severity": ticket.severity_in_force,
        "dispute_open": ticket.dispute_open,
        "clock_state": ticket.clock_state,
        "standing": ticket.standing,
        "target_seconds": ticket.target_seconds,
        "used_seconds": ticket.used_seconds,
        "due_at": iso(ticket.due_at),
        "breached_at": iso(ticket.breached_at),
    }


def webhook_body(notice: Notice, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The JSON document POSTed for a notice (Accord's format or Slack's)."""
    ticket = notice.ticket
    customer_side = endpoint.organisation_id is not None
    headline = notice.customer_headline if customer_side else notice.headline
    if endpoint.format == WebhookFormat.SLACK:
        url = ticket_url(ticket.pk)
        title = f"<{url}|#{ticket.pk} {_slack_escape(ticket.summary)}>"
        detail = " · ".join(
            [
                Status(ticket.status).label,
                f"Severity {_severity(ticket.severity_in_force)}",
                ticket.module.name,
                *([] if customer_side else [ticket.organisation.name]),
            ]
        )
        text = f"{headline}: #{ticket.pk} {ticket.summary}"
        section = f"*{_slack_escape(headline)}*\n{title}"
        if notice.comment is not None:
            section += "\n>" + _slack_escape(notice.comment.body[:500]).replace("\n", "\n>")
        return {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": section}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": detail}]},
            ],
        }
    body: dict[str, Any] = {
        "id": f"{notice.key}",
        "event": notice.event,
        "occurred_at": notice.at.astimezone(ZoneInfo("UTC")).isoformat(),
        "headline": headline,
        "actor": _name(notice.actor) if notice.actor is not None else None,
        "ticket": _ticket_data(ticket),
        **notice.data,
    }
    if notice.comment is not None:
        body["comment"] = {
            "id": notice.comment.pk,
            "author": _name(notice.comment.author),
            "body": notice.comment.body,
            "created_at": notice.comment.created_at.astimezone(ZoneInfo("UTC")).isoformat(),
        }
    return body


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Accord-Signature` value: HMAC-SHA256 over `timestamp.body`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class WebhookFailed(Exception):
    """The endpoint did not answer 2xx."""


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
    try:
        response = httpx.post(endpoint.url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"{endpoint.url}: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"{endpoint.url} answered {response.status_code}")
    logger.info("delivered %s to %s", job.payload["event"], endpoint.url)


# --- clock warnings and breaches --------------------------------------------------------------


def _skip(job: Job, why: str) -> None:
    """Record why a clock job ended without a notification (visible on the job row)."""
    logger.info("job %s: nothing sent, %s", job.key, why)
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "outcome": f"skipped: {why}"})


def _percent(fraction: Fraction) -> str:
    value = fraction * 100
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _evaluate(job: Job, now: datetime) -> tuple[Ticket, ClockResult] | None:
    from accord.helpdesk import services as helpdesk  # helpdesk imports work: import late

    if job.ticket_id is None:
        return None
    ticket = Ticket.objects.select_related("organisation__contract", "module", "region").get(
        pk=job.ticket_id
    )
    return ticket, helpdesk.recompute_clock(ticket, now=now)


@work.handler("clock_warning")
def clock_warning(job: Job, now: datetime) -> None:
    """Warn staff that a ticket has used a fraction of its target, if that is still true now:
    the clock still running, the threshold really reached, not yet breached. Runs in the
    transaction that marks the job done, so the warning is decided once per ticket and
    threshold however often a killed worker's job is claimed again."""
    evaluated = _evaluate(job, now)
    if evaluated is None:
        return _skip(job, "no ticket")
    ticket, result = evaluated
    fraction = Fraction(job.payload.get("fraction", "0"))
    warning = next((w for w in result.warnings if w.fraction == fraction), None)
    if result.state is not ClockState.RUNNING:
        return _skip(job, f"the clock is {result.state.value}")
    if warning is None or warning.at is None:
        return _skip(job, f"no {fraction} warning in the contract's clock rules")
    if result.breached:
        return _skip(job, "already breached (the breach notice says more)")
    if warning.at > to_epoch(now):
        raise work.Defer(from_epoch(warning.at), "threshold not reached yet")
    percent = _percent(fraction)
    publish(
        Notice(
            ticket=ticket,
            event="clock.warning",
            slug=f"warning-{percent.replace('.', '_')}",
            at=from_epoch(warning.at),
            headline=f"{percent}% of the return-to-service target used",
            staff="all",
            subject_tag=f"{percent}% of target used:",
            data={"warning": {"fraction": str(fraction), "percent": percent}},
        )
    )


@work.handler("clock_breach")
def clock_breach(job: Job, now: datetime) -> None:
    """Record and announce a breach the moment it happens (recompute_clock writes breached_at),
    once per ticket; if service came back in time there is nothing to announce."""
    evaluated = _evaluate(job, now)
    if evaluated is None:
        return _skip(job, "no ticket")
    ticket, result = evaluated
    if not result.breached:
        if result.state is ClockState.RUNNING and result.breach_at is not None:
            raise work.Defer(from_epoch(result.breach_at), "not breached yet")
        return _skip(job, f"not breached (the clock is {result.state.value})")
    at = from_epoch(result.breached_at) if result.breached_at is not None else now
    headline = "Return-to-service target breached"
    publish(
        Notice(
            ticket=ticket,
            event="clock.breach",
            slug="breach",
            at=at,
            headline=headline,
            customer_headline=headline,
            staff="all",
            subject_tag="BREACHED:",
        )
    )


def register() -> None:
    """Listen to ticket changes (called once, from the work app's `ready`)."""
    if on_ticket_change not in work.CHANGE_LISTENERS:
        work.CHANGE_LISTENERS.append(on_ticket_change)
