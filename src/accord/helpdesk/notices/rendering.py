"""A notice rendered: the email each person receives, the JSON each webhook endpoint receives.

Emails are RFC 822 messages (built by `accord.work.delivery`): `Message-ID:
<ticket-{id}.{event}@{domain}>`, threaded with `In-Reply-To`/`References` on the ticket's first
message (and the customer's own email, when the ticket came by email), `Reply-To` the support
address and `[#ID]` in the subject, so a reply comes back through `accord mail-ingest` as a
comment on the right ticket. An email is rendered in its reader's language (the caller activates
it: `fan_out.publish`), its times in the reader's zone and that language's format; the reply
marker stays English inside it, for `accord mail-ingest` to find. Webhooks are English.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from accord.accounts.models import User
from accord.core.display import format_span, format_when
from accord.core.links import absolute_url
from accord.core.message_ids import REPLY_MARKER, message_id
from accord.engine.clocks import ClockState
from accord.helpdesk.models import Status, Ticket
from accord.helpdesk.notices.notice import Notice, name_of, say, severity_label
from accord.work.models import WebhookEndpoint, WebhookFormat


def ticket_url(ticket_id: int) -> str:
    """The ticket's page on the configured base URL (never a request's Host header)."""
    try:
        path = reverse("ticket_detail", args=[ticket_id])
    except NoReverseMatch:  # the portal's pages are not installed
        path = f"/tickets/{ticket_id}/"
    return absolute_url(path)


# --- email ----------------------------------------------------------------------------------


def _zone(person: User) -> ZoneInfo:
    try:
        return ZoneInfo(person.display_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show_time(instant: datetime, zone: ZoneInfo) -> str:
    """A time in the reader's zone and language, with the zone named ("Mon 9 Mar 2026 13:00
    PDT (America/Los_Angeles)"; an email is read away from the settings that chose it)."""
    return f"{format_when(instant, zone.key)} ({zone.key})"


def _clock_lines(ticket: Ticket, zone: ZoneInfo) -> list[str]:
    severity = severity_label(ticket.severity_in_force)
    if ticket.dispute_open:
        lines = [
            gettext(
                "Severity: %(severity)s (a change is proposed; this one stands until both "
                "sides agree)"
            )
            % {"severity": severity}
        ]
    else:
        lines = [gettext("Severity: %(severity)s") % {"severity": severity}]
    if ticket.target_seconds is not None:
        lines.append(
            gettext("Support time used: %(used)s of %(target)s")
            % {
                "used": format_span(ticket.used_seconds),
                "target": format_span(ticket.target_seconds),
            }
        )
    if ticket.breached_at is not None:
        lines.append(
            gettext("Breached at: %(when)s") % {"when": show_time(ticket.breached_at, zone)}
        )
    elif ticket.due_at is not None and ticket.clock_state == ClockState.RUNNING:
        lines.append(gettext("Due: %(when)s") % {"when": show_time(ticket.due_at, zone)})
    return lines


def subject_of(notice: Notice) -> str:
    summary = " ".join(notice.ticket.summary.split())
    tag = f"{say(notice.subject_tag)} " if notice.subject_tag else ""
    return f"[#{notice.ticket.pk}] {tag}{summary}"


def thread_of(ticket: Ticket) -> list[str]:
    """The Message-IDs a notification of this ticket refers to, oldest first."""
    ids = [ticket.email_message_id] if ticket.email_message_id else []
    return [*ids, message_id(ticket.pk, "reported")]


def render_email(notice: Notice, person: User, *, customer: bool) -> dict[str, Any]:
    """A `send_email` job's payload: the message as it will be sent, in the active language."""
    ticket = notice.ticket
    zone = _zone(person)
    headline = say(notice.customer_headline if customer else notice.headline)
    # Translators: keep %(marker)s, the English words the mail intake cuts a reply at.
    marker = pgettext("notification email", "-- %(marker)s to comment on ticket #%(ticket)s --")
    body = [
        marker % {"marker": REPLY_MARKER, "ticket": ticket.pk},
        "",
        f"{headline} ({format_when(notice.at, zone.key)}).",
        "",
    ]
    if notice.comment is not None:
        body += [notice.comment.body, ""]
    body += [say(line) for line in notice.lines] + ([""] if notice.lines else [])
    body += [
        gettext("Ticket #%(ticket)s: %(summary)s")
        % {"ticket": ticket.pk, "summary": ticket.summary},
        *(
            []
            if customer
            else [gettext("Customer: %(customer)s") % {"customer": ticket.organisation.name}]
        ),
        gettext("Module: %(module)s (%(region)s)")
        % {"module": ticket.module.name, "region": ticket.region.name},
        gettext("Status: %(status)s") % {"status": Status(ticket.status).label},
        *_clock_lines(ticket, zone),
        "",
        gettext("View the ticket: %(url)s") % {"url": ticket_url(ticket.pk)},
        "",
        gettext("Reply to this email to add a comment (keep [#%(ticket)s] in the subject).")
        % {"ticket": ticket.pk},
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
    """The JSON document POSTed for a notice (Accord's format or Slack's), in English like the
    API: its readers are programs and shared channels, not one person."""
    with translation.override("en"):
        return _webhook_body(notice, endpoint)


def _webhook_body(notice: Notice, endpoint: WebhookEndpoint) -> dict[str, Any]:
    ticket = notice.ticket
    customer_side = endpoint.organisation_id is not None
    headline = say(notice.customer_headline if customer_side else notice.headline)
    if endpoint.format == WebhookFormat.SLACK:
        url = ticket_url(ticket.pk)
        title = f"<{url}|#{ticket.pk} {_slack_escape(ticket.summary)}>"
        detail = " · ".join(
            [
                str(Status(ticket.status).label),  # a lazy label: str() before JSON
                f"Severity {severity_label(ticket.severity_in_force)}",
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
        "actor": name_of(notice.actor) if notice.actor is not None else None,
        "ticket": _ticket_data(ticket),
        **notice.data,
    }
    if notice.comment is not None:
        body["comment"] = {
            "id": notice.comment.pk,
            "author": name_of(notice.comment.author),
            "body": notice.comment.body,
            "created_at": notice.comment.created_at.astimezone(ZoneInfo("UTC")).isoformat(),
        }
    return body


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
