"""Notification emails: enqueued with the change (an outbox), sent by the worker as real RFC 822
messages threaded on the ticket, to the people who should know, never with staff-only notes."""

from __future__ import annotations

import email
import re
import smtplib
from email import policy
from typing import Any

import pytest
from django.core.mail import EmailMessage

from accord.helpdesk import mail, services, severity
from accord.helpdesk.models import Status
from accord.helpdesk.notices import changes, fan_out
from accord.work import outbox
from accord.work import services as work
from accord.work.models import Job, JobState

STAFF = ["alex@vendor.test", "morgan@vendor.test"]
CUSTOMER = ["adam@acme.test", "rita@acme.test"]


def parsed(message: Any) -> Any:
    """The message as a mail client would read it: bytes parsed back with `email`."""
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def to_of(messages: list[Any]) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def test_notifications_are_enqueued_with_the_change_and_sent_by_the_worker(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    ticket = report()
    # The change enqueues its notice, one `notify` job, in its own transaction ...
    notice = Job.objects.get(kind="notify")
    assert notice.key == f"notify:ticket:{ticket.pk}:reported"
    assert not Job.objects.filter(kind="send_email").exists()
    assert mailoutbox == []  # nothing is sent while the ticket changes
    # ... which the worker fans out into one email per recipient, once however often it runs.
    (claimed,) = work.claim("w", now=at("09T09:00"))
    work.run_job(claimed, now=at("09T09:00"))
    keys = set(Job.objects.filter(kind="send_email").values_list("key", flat=True))
    assert len(keys) == 4 and all(k.startswith(f"email:ticket:{ticket.pk}:reported:") for k in keys)
    fan_out.fan_out(claimed, at("09T09:00"))  # a killed worker's job claimed again
    assert Job.objects.filter(kind="send_email").count() == 4
    assert mailoutbox == []
    drain(at("09T09:00"))
    assert to_of(mailoutbox) == sorted(CUSTOMER + STAFF)
    assert set(Job.objects.filter(kind="send_email").values_list("state", flat=True)) == {
        JobState.DONE
    }


def test_emails_are_well_formed_and_threaded(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    ticket = report()
    drain(at("09T09:00"))
    services.add_comment(ticket, author=world.agent, body="Looking into it.", now=at("09T09:10"))
    drain(at("09T09:10"))
    domain = "accord.localhost"
    root = f"<ticket-{ticket.pk}.reported@{domain}>"
    for message in mailoutbox:
        read = parsed(message)
        assert read["Subject"] == f"[#{ticket.pk}] Release page is down"
        assert read["From"] == "support@accord.localhost"
        assert read["Reply-To"] == "support@accord.localhost"
        assert len(read["To"].addresses) == 1  # one message per person: no address leaks
        assert read["Date"] is not None and read["Auto-Submitted"] == "auto-generated"
        assert re.fullmatch(
            rf"<ticket-{ticket.pk}\.[a-z0-9-]+@{re.escape(domain)}>", read["Message-ID"]
        )
        assert read.get_content_type() == "text/plain"
        assert f"Ticket #{ticket.pk}: Release page is down" in read.get_content()
        assert f"/tickets/{ticket.pk}/" in read.get_content()
    first = [
        parsed(m) for m in mailoutbox if m.extra_headers["X-Accord-Event"] == "ticket.reported"
    ]
    assert {m["Message-ID"] for m in first} == {root}
    comment = [
        parsed(m) for m in mailoutbox if m.extra_headers["X-Accord-Event"] == "ticket.commented"
    ]
    assert sorted(str(m["To"]) for m in comment) == CUSTOMER  # not the agent who wrote it
    for read in comment:
        assert read["In-Reply-To"] == root and read["References"] == root
        assert read["Message-ID"].startswith(f"<ticket-{ticket.pk}.comment-")
        assert "Looking into it." in read.get_content()
    # Times are shown in the reader's zone, with the zone named.
    rita = next(m for m in first if m["To"].addresses[0].addr_spec == "rita@acme.test")
    assert "Due: Mon 9 Mar 2026 13:00 PDT (America/Los_Angeles)" in rita.get_content()


def test_staff_only_notes_never_reach_customers(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    ticket = report()
    drain(at("09T09:00"))
    mailoutbox.clear()
    services.add_comment(
        ticket, author=world.agent, body="SECRET internal theory", internal=True, now=at("09T09:05")
    )
    # Even if a note is announced by mistake, the listener drops it.
    note = ticket.comments.get()
    changes.on_ticket_change(ticket, "commented", actor=world.agent, comment=note)
    drain(at("09T09:05"))
    assert mailoutbox == []
    assert not any("SECRET" in str(job.payload) for job in Job.objects.all())


def test_who_is_told_what(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    ticket = report()
    drain(at("09T09:00"))

    def told(change: Any, when: str) -> list[str]:
        mailoutbox.clear()
        change()
        drain(at(when))
        return to_of(mailoutbox)

    # A customer's comment goes to the other customer people and to all staff (nobody on the
    # vendor's side has worked on the ticket yet).
    assert told(
        lambda: services.add_comment(
            ticket, author=world.acme_admin, body="Any news?", now=at("09T09:01")
        ),
        "09T09:01",
    ) == sorted(["rita@acme.test", *STAFF])
    # Status changes go to the customer.
    assert (
        told(
            lambda: services.change_status(
                ticket, Status.ACKNOWLEDGED, actor=world.agent, note="On it", now=at("09T09:02")
            ),
            "09T09:02",
        )
        == CUSTOMER
    )
    assert "Note: On it" in mailoutbox[0].body
    # Once an agent has worked on it, the conversation goes to that agent, not every agent.
    assert told(
        lambda: services.add_comment(
            ticket, author=world.acme_reporter, body="Thanks", now=at("09T09:03")
        ),
        "09T09:03",
    ) == ["adam@acme.test", "alex@vendor.test"]
    # A severity dispute: the customer (who must answer) and every agent and manager.
    assert told(
        lambda: severity.propose_severity(
            ticket, 3, actor=world.agent, reason="workaround", now=at("09T09:04")
        ),
        "09T09:04",
    ) == sorted([*CUSTOMER, "morgan@vendor.test"])
    assert "Reason: workaround" in mailoutbox[0].body
    assert told(
        lambda: severity.answer_proposal(
            ticket, accept=False, actor=world.acme_admin, now=at("09T09:05")
        ),
        "09T09:05",
    ) == sorted(["rita@acme.test", *STAFF])
    # The other organisation hears nothing of it.
    assert not Job.objects.filter(payload__to__endswith="@globex.test").exists()


def test_a_reply_to_a_notification_comes_back_as_a_comment(
    world: Any, drain: Any, at: Any, mailoutbox: list[Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    raw = (
        b"From: rita@acme.test\r\nSubject: [Sev 2] Reporting: exports empty\r\n"
        b"Message-ID: <orig@mail.acme.test>\r\n\r\nExports are empty.\r\n"
    )
    ticket_id = mail.ingest(raw, now=at("09T09:00")).ticket_id
    drain(at("09T09:00"))
    ack = parsed(next(m for m in mailoutbox if m.to == ["rita@acme.test"]))
    # The acknowledgement threads under the customer's own message.
    assert ack["In-Reply-To"] == "<orig@mail.acme.test>"
    assert ack["References"].split() == [
        "<orig@mail.acme.test>",
    ]
    assert ack["Message-ID"] == f"<ticket-{ticket_id}.reported@accord.localhost>"
    reply = (
        b"From: rita@acme.test\r\nSubject: Re: " + str(ack["Subject"]).encode() + b"\r\n"
        b"Message-ID: <reply@mail.acme.test>\r\n"
        b"In-Reply-To: " + str(ack["Message-ID"]).encode() + b"\r\n\r\n"
        b"Still empty today.\r\n\r\n"
        b"On Mon, 9 Mar 2026, Accord <support@accord.localhost> wrote:\r\n"
        + b"".join(b"> " + line.encode() + b"\r\n" for line in ack.get_content().splitlines())
    )
    outcome = mail.ingest(reply, now=at("10T09:00"))
    assert (outcome.outcome, outcome.ticket_id) == ("commented", ticket_id)
    comment = services.Comment.objects.get()
    assert comment.body == "Still empty today."


def test_a_recipient_deactivated_before_sending_gets_nothing(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    report()
    world.acme_admin.is_active = False
    world.acme_admin.save()
    drain(at("09T09:00"))
    assert "adam@acme.test" not in to_of(mailoutbox)


def test_muted_changes_notify_nobody(world: Any, report: Any, at: Any) -> None:
    with outbox.muted():
        report()
    assert not Job.objects.filter(kind__in=["send_email", "webhook"]).exists()


def test_a_mail_server_failure_is_retried(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    report()
    original = EmailMessage.send

    def refuse(self: EmailMessage, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    drain(at("09T09:00"))
    jobs = Job.objects.filter(kind="send_email")
    assert set(jobs.values_list("state", "attempts")) == {(JobState.PENDING, 1)}
    assert "SMTPServerDisconnected" in jobs.first().last_error
    monkeypatch.setattr(EmailMessage, "send", original)
    drain(at("09T09:01"))
    assert len(mailoutbox) == 4
    assert set(jobs.values_list("state", flat=True)) == {JobState.DONE}
