"""Each person receives a ticket's notification in their own language (`User.language`, else
the site's default), subject and body, its times in their zone and that language's format; the
reply marker stays where `accord mail-ingest` looks for it, and webhooks stay English."""

from __future__ import annotations

import email
from email import policy
from typing import Any

from django.utils import translation

from accord.core.message_ids import REPLY_MARKER
from accord.helpdesk import mailparse, services, severity
from accord.helpdesk.models import Status
from accord.helpdesk.notices import changes, fan_out, rendering
from accord.work.models import WebhookEndpoint


def read(mailoutbox: list[Any], address: str, event: str) -> Any:
    """The one message of `event` sent to `address`, parsed back from its RFC 822 bytes."""
    (message,) = [
        m for m in mailoutbox if m.to == [address] and m.extra_headers["X-Accord-Event"] == event
    ]
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def german_admin(world: Any) -> Any:
    world.acme_admin.language = "de"
    world.acme_admin.timezone = "Europe/Berlin"
    world.acme_admin.save(update_fields=["language", "timezone"])
    return world.acme_admin


def test_a_german_and_an_english_reader_each_get_the_notice_in_their_language(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    german_admin(world)
    ticket = report()  # Severity 1 on Monday 09:00 Pacific: due 13:00
    drain(at("09T09:00"))
    english = read(mailoutbox, "rita@acme.test", "ticket.reported")
    german = read(mailoutbox, "adam@acme.test", "ticket.reported")
    assert english["Subject"] == german["Subject"] == f"[#{ticket.pk}] Release page is down"
    text = english.get_content()
    assert "We have received your fault report (Mon 9 Mar 2026 09:00 PDT)." in text
    assert "Severity: 1 Critical" in text and "Status: Reported" in text
    assert "Due: Mon 9 Mar 2026 13:00 PDT (America/Los_Angeles)" in text
    assert "Reply to this email to add a comment" in text
    text = german.get_content()
    assert "Wir haben Ihre Störungsmeldung erhalten (Mo., 9. Mär 2026, 17:00 CET)." in text
    assert "Schweregrad: 1 Kritisch" in text and "Status: Gemeldet" in text
    assert "Fällig: Mo., 9. Mär 2026, 21:00 CET (Europe/Berlin)" in text
    assert f"Ticket ansehen: http://127.0.0.1:8000/tickets/{ticket.pk}/" in text
    assert "Antworten Sie auf diese E-Mail" in text
    assert "We have received" not in text and "Severity:" not in text

    # A status change with a note, and the breach, whose subject carries a translated tag.
    services.change_status(
        ticket, Status.ACKNOWLEDGED, actor=world.agent, note="Wir prüfen es", now=at("09T09:05")
    )
    drain(at("09T09:05"))
    assert (
        "Support acknowledged the fault"
        in read(mailoutbox, "rita@acme.test", "ticket.acknowledged").get_content()
    )
    text = read(mailoutbox, "adam@acme.test", "ticket.acknowledged").get_content()
    assert "Der Support hat die Störung bestätigt" in text and "Notiz: Wir prüfen es" in text
    assert "Status: Bestätigt" in text
    drain(at("09T13:00:01"))
    breach = "Release page is down"
    assert read(mailoutbox, "rita@acme.test", "clock.breach")["Subject"] == (
        f"[#{ticket.pk}] BREACHED: {breach}"
    )
    german = read(mailoutbox, "adam@acme.test", "clock.breach")
    assert german["Subject"] == f"[#{ticket.pk}] VERLETZT: {breach}"
    text = german.get_content()
    assert "Ziel bis zur Wiederherstellung verletzt" in text
    assert "Verletzt am: Mo., 9. Mär 2026, 21:00 CET (Europe/Berlin)" in text


def test_staff_read_severities_and_spans_in_their_language(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    world.manager.language = "de"
    world.manager.save(update_fields=["language"])
    ticket = report(severity=None)
    drain(at("09T09:00"))
    text = read(mailoutbox, "morgan@vendor.test", "ticket.reported").get_content()
    assert "Neue Störung gemeldet von rita@acme.test (Acme Corp)" in text
    assert "Kanal: Portal" in text and "Kunde: Acme Corp" in text
    assert "Schweregrad: noch nicht festgelegt" in text
    severity.designate_severity(ticket, 2, actor=world.acme_reporter, now=at("09T09:10"))
    drain(at("09T09:10"))
    text = read(mailoutbox, "morgan@vendor.test", "ticket.severity_designated").get_content()
    assert "Der Kunde hat den Schweregrad festgelegt: 2 Hoch" in text
    assert "Verbrauchte Supportzeit: 10 Min. von 12 Std. 0 Min." in text
    assert "Fällig: Di., 10. Mär 2026, 11:00 PDT (America/Los_Angeles)" in text
    english = read(mailoutbox, "alex@vendor.test", "ticket.severity_designated").get_content()
    assert "The customer designated the severity: 2 High" in english


def test_a_german_reply_is_cut_at_the_english_marker(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    german_admin(world)
    ticket = report()
    drain(at("09T09:00"))
    body = read(mailoutbox, "adam@acme.test", "ticket.reported").get_content()
    first = body.splitlines()[0]
    assert REPLY_MARKER in first and f"um Ticket #{ticket.pk} zu kommentieren" in first
    quoted = "\n".join(f"> {line}" for line in body.splitlines())
    reply = f"Danke, wir warten.\n\n{quoted}\n"
    assert mailparse.strip_quoted(reply, marker=REPLY_MARKER).strip() == "Danke, wir warten."


def test_webhooks_stay_english_whatever_language_is_active(
    world: Any, report: Any, at: Any
) -> None:
    endpoint = WebhookEndpoint.objects.create(
        name="acme", url="http://127.0.0.1:9/b", secret="s", organisation=world.acme
    )
    ticket = report()
    notice = changes.notice_for_change(ticket, "reported", actor=world.acme_reporter, comment=None)
    assert notice is not None
    with translation.override("de"):
        body = rendering.webhook_body(notice, endpoint)
    assert body["headline"] == "We have received your fault report"


def test_a_notice_the_previous_release_stored_in_english_still_renders(
    world: Any, report: Any, at: Any
) -> None:
    ticket = report()
    notice = changes.notice_for_change(ticket, "reported", actor=world.acme_reporter, comment=None)
    assert notice is not None
    payload = fan_out.fan_out_job(notice).payload
    old = {**payload, "headline": "New fault", "customer_headline": "Got it", "lines": ["x"]}
    old["subject_tag"] = ""
    with translation.override("de"):
        message = rendering.render_email(fan_out.notice_of(old), world.acme_admin, customer=True)
    assert message["body"].count("Got it (") == 1 and "\nx\n" in message["body"]
    assert "Status: Gemeldet" in message["body"]
