"""`accord mail-ingest`: one message in, a ticket or a comment out, or a refusal a mail server
can bounce; the raw message kept whatever the outcome."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from accord.core.errors import Refused
from accord.helpdesk import mail, services
from accord.helpdesk.models import Attachment, Channel, Comment, InboundMessage, Ticket
from accord.work.models import Job

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def ingest(raw: bytes, at: Any, when: str = "09T09:00") -> mail.Outcome:
    return mail.ingest(raw, now=at(when))


def open_ticket(make_message: Any, at: Any, **kwargs: Any) -> Ticket:
    outcome = ingest(make_message(**kwargs).as_bytes(), at)
    assert outcome.status == mail.EX_OK, outcome.reason
    return Ticket.objects.get(pk=outcome.ticket_id)


# --- new tickets ----------------------------------------------------------------------------


def test_a_new_message_opens_a_ticket_and_keeps_the_raw_message(
    world: Any, make_message: Any, at: Any
) -> None:
    raw = make_message(
        sender="Rita Reporter <RITA@Acme.Test>",  # addresses match whatever their case
        subject="[Sev 1] Release Manager: deployments fail",
    ).as_bytes()
    outcome = ingest(raw, at)
    assert (outcome.status, outcome.outcome) == (0, "created")
    ticket = Ticket.objects.get()
    assert ticket.pk == outcome.ticket_id
    assert ticket.summary == "Release Manager: deployments fail"
    assert ticket.description == "Every deployment to production fails since 08:00."
    assert (ticket.severity, ticket.severity_in_force) == (1, 1)
    assert ticket.module.slug == "release-manager"
    assert ticket.channel == Channel.EMAIL
    assert ticket.organisation == world.acme and ticket.reported_by == world.acme_reporter
    assert ticket.reported_at == at("09T09:00")
    assert ticket.email_message_id == "<m1@mail.acme.test>"
    assert ticket.due_at == at("09T13:00")  # the engine's clock started at the report
    inbound = InboundMessage.objects.get()
    assert bytes(inbound.raw) == raw
    assert (inbound.outcome, inbound.ticket, inbound.organisation) == (
        "created",
        ticket,
        world.acme,
    )
    assert (inbound.message_id, inbound.sender) == ("<m1@mail.acme.test>", "RITA@Acme.Test")
    # Notifications were enqueued in the same transaction (the outbox).
    assert Job.objects.filter(kind="notify", key=f"notify:ticket:{ticket.pk}:reported")


def test_severity_and_module_come_from_the_body_when_the_subject_names_none(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(
        make_message,
        at,
        subject="Pipelines stuck",
        body="Hello,\n\nModule: test environment manager\nSeverity: 2\n\nNothing moves.\n",
    )
    assert ticket.severity == 2
    assert ticket.module.slug == "test-environment-manager"


def test_a_message_naming_no_module_or_severity_uses_the_default_module(
    world: Any, make_message: Any, at: Any, settings: Any
) -> None:
    settings.ACCORD_MAIL_DEFAULT_MODULE = "stryka"
    ticket = open_ticket(
        make_message, at, subject="We are reporting a problem", body="Something is off.\n"
    )
    assert ticket.module.slug == "stryka"  # "reporting" in a sentence is not the module
    assert ticket.severity is None and ticket.standing == "no_severity"
    assert "default stryka" in InboundMessage.objects.get().reason


def test_the_last_module_named_in_the_subject_wins(world: Any, make_message: Any, at: Any) -> None:
    ticket = open_ticket(make_message, at, subject="Reporting a fault in Stryka")
    assert ticket.module.slug == "stryka"


def test_a_message_without_message_id_is_still_deduplicated(
    world: Any, make_message: Any, at: Any
) -> None:
    raw = make_message(message_id=None).as_bytes()
    assert ingest(raw, at).outcome == "created"
    assert ingest(raw, at).outcome == "duplicate"
    assert Ticket.objects.count() == 1


# --- replies --------------------------------------------------------------------------------


REPLY = (
    "The rollback did not help.\n"
    "\n"
    "On Mon, 9 Mar 2026 at 10:00, Accord Support <support@accord.localhost>\n"
    "wrote:\n"
    "> Support is working on the fault.\n"
    "> -- Reply above this line --\n"
)


def test_a_reply_by_in_reply_to_adds_a_public_comment_without_the_quote(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        sender="adam@acme.test",  # another person of the same organisation
        subject="Re: deployments",
        body=REPLY,
        message_id="<m2@mail.acme.test>",
        headers={"In-Reply-To": "<m1@mail.acme.test>", "References": "<m1@mail.acme.test>"},
    )
    outcome = ingest(reply.as_bytes(), at, "09T10:30")
    assert (outcome.status, outcome.outcome, outcome.ticket_id) == (0, "commented", ticket.pk)
    comment = Comment.objects.get()
    assert comment.body == "The rollback did not help."
    assert (comment.author, comment.internal, comment.channel) == (world.acme_admin, False, "email")
    assert comment.email_message_id == "<m2@mail.acme.test>"
    assert comment.created_at == at("09T10:30")
    # A reply to that comment's message finds the ticket through the comment.
    again = make_message(
        subject="Re: Re: deployments",
        body="Still failing.",
        message_id="<m3@mail.acme.test>",
        headers={"In-Reply-To": "<m2@mail.acme.test>"},
    )
    assert ingest(again.as_bytes(), at, "09T10:40").ticket_id == ticket.pk
    assert Ticket.objects.count() == 1 and Comment.objects.count() == 2


def test_a_reply_to_an_accord_notification_finds_its_ticket(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        subject="Re: something else entirely",
        body="Thanks.",
        message_id="<m2@mail.acme.test>",
        headers={"In-Reply-To": f"<ticket-{ticket.pk}.reported@accord.localhost>"},
    )
    assert ingest(reply.as_bytes(), at).outcome == "commented"
    assert Comment.objects.get().ticket == ticket


def test_a_reply_by_ticket_number_in_the_subject_adds_a_comment(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        subject=f"RE: [#{ticket.pk}] deployments fail",
        body="Outlook reply.\n\n-----Original Message-----\nFrom: Accord\nSent: Monday\n",
        message_id="<m2@mail.acme.test>",
    )
    outcome = ingest(reply.as_bytes(), at)
    assert outcome.outcome == "commented"
    assert Comment.objects.get().body == "Outlook reply."


def test_a_reply_to_another_organisations_ticket_is_refused(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        sender="gina@globex.test",
        subject=f"Re: [#{ticket.pk}] deployments fail",
        body="Let me in.",
        message_id="<g1@globex.test>",
    )
    outcome = ingest(reply.as_bytes(), at)
    assert (outcome.status, outcome.outcome) == (67, "refused")
    assert f"no ticket #{ticket.pk}" in outcome.reason
    assert not Comment.objects.exists()


def test_staff_reply_by_email_but_do_not_open_tickets_by_email(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        sender="alex@vendor.test",
        subject=f"Re: [#{ticket.pk}] deployments fail",
        body="We are on it.",
        message_id="<s1@vendor.test>",
    )
    assert ingest(reply.as_bytes(), at).outcome == "commented"
    assert Comment.objects.get().author == world.agent
    new = make_message(sender="alex@vendor.test", message_id="<s2@vendor.test>")
    outcome = ingest(new.as_bytes(), at)
    assert (outcome.status, outcome.outcome) == (67, "refused")


def test_a_reply_with_nothing_above_the_quote_is_unreadable(
    world: Any, make_message: Any, at: Any
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        subject=f"Re: [#{ticket.pk}]", body="> only the quote\n", message_id="<m2@x.test>"
    )
    assert ingest(reply.as_bytes(), at).status == 65
    assert not Comment.objects.exists()


# --- formats --------------------------------------------------------------------------------


def test_multipart_alternative_uses_the_plain_text(world: Any, make_message: Any, at: Any) -> None:
    ticket = open_ticket(make_message, at, body="Plain words.\n", html="<p>Rich <b>words</b>.</p>")
    assert ticket.description == "Plain words."


def test_an_html_only_message_becomes_text(world: Any, make_message: Any, at: Any) -> None:
    html = (
        "<html><head><style>p {color: red}</style><title>x</title></head><body>"
        "<p>Deployments&nbsp;fail &amp; <b>time out</b>.</p>"
        "<ul><li>since 08:00</li><li>every region</li></ul>"
        '<p>See <a href="https://status.acme.test/x">the status page</a><br>Rita</p>'
        "<script>alert(1)</script></body></html>"
    )
    ticket = open_ticket(make_message, at, body=None, html=html)
    assert ticket.description == (
        "Deployments fail & time out.\n"
        "\n"
        "- since 08:00\n"
        "- every region\n"
        "\n"
        "See the status page (https://status.acme.test/x)\n"
        "Rita"
    )


def test_an_html_reply_loses_its_quoted_blockquote(world: Any, make_message: Any, at: Any) -> None:
    ticket = open_ticket(make_message, at)
    html = (
        "<div>Fixed on our side, thanks!</div><br>"
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 9 Mar 2026 at 10:00, '
        "Accord &lt;support@accord.localhost&gt; wrote:<br></div>"
        "<blockquote>Support is working on the fault.</blockquote></div>"
    )
    reply = make_message(
        subject=f"Re: [#{ticket.pk}]", body=None, html=html, message_id="<m2@mail.acme.test>"
    )
    assert ingest(reply.as_bytes(), at).outcome == "commented"
    assert Comment.objects.get().body == "Fixed on our side, thanks!"


def test_iso_8859_1_quoted_printable(world: Any, at: Any) -> None:
    raw = (
        b"From: rita@acme.test\r\n"
        b"To: support@accord.localhost\r\n"
        b"Subject: =?iso-8859-1?q?Caf=E9_d=E9ploiement_=E9choue?=\r\n"
        b"Message-ID: <latin1@mail.acme.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Le d=E9ploiement =E9choue =E0 chaque fois. Co=FBt: 50 =A3.\r\n"
    )
    outcome = mail.ingest(raw, now=at("09T09:00"))
    ticket = Ticket.objects.get(pk=outcome.ticket_id)
    assert ticket.summary == "Café déploiement échoue"
    assert ticket.description == "Le déploiement échoue à chaque fois. Coût: 50 £."


def test_windows_1252_base64_and_an_undeclared_charset(world: Any, at: Any) -> None:
    text = "It \u201cfails\u201d \u2013 every time\u2026".encode("cp1252")
    raw = (
        b"From: rita@acme.test\r\nSubject: smart quotes\r\nMessage-ID: <cp@acme.test>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(text)
    )
    ticket = Ticket.objects.get(pk=mail.ingest(raw, now=at("09T09:00")).ticket_id)
    assert ticket.description == "It \u201cfails\u201d \u2013 every time\u2026"
    # Labelled ISO-8859-1 but written by Windows (0x93/0x94 are quotes in Windows-1252).
    raw = (
        b"From: rita@acme.test\r\nSubject: mislabelled\r\nMessage-ID: <l1@acme.test>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n\x93quoted\x94 caf\xe9\r\n"
    )
    ticket = Ticket.objects.get(pk=mail.ingest(raw, now=at("09T09:00")).ticket_id)
    assert ticket.description == "\u201cquoted\u201d café"
    # No charset at all, 8-bit UTF-8 body; an unknown charset label.
    for mid, header, body in [
        (b"<u1@acme.test>", b"text/plain", "naïve ✓".encode()),
        (b"<u2@acme.test>", b"text/plain; charset=x-unknown", "naïve ✓".encode()),
    ]:
        raw = (
            b"From: rita@acme.test\r\nSubject: s\r\nMessage-ID: " + mid + b"\r\n"
            b"Content-Type: " + header + b"\r\n\r\n" + body + b"\r\n"
        )
        ticket = Ticket.objects.get(pk=mail.ingest(raw, now=at("09T09:00")).ticket_id)
        assert ticket.description == "naïve ✓"


def test_a_leading_mbox_from_line_is_accepted(world: Any, make_message: Any, at: Any) -> None:
    raw = b"From rita@acme.test Mon Mar  9 09:00:00 2026\n" + make_message().as_bytes()
    assert mail.ingest(raw, now=at("09T09:00")).outcome == "created"


# --- attachments ----------------------------------------------------------------------------


def test_attachments_are_stored_within_the_limits(
    world: Any, make_message: Any, at: Any, settings: Any
) -> None:
    settings.ACCORD_ATTACHMENT_MAX_BYTES = 1000
    message = make_message()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="screen shot.png")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                           filename="setup.exe")  # fmt: skip
    message.add_attachment(b"x" * 1001, maintype="text", subtype="plain", filename="big.log")
    message.add_attachment(
        "journal line é\n".encode("latin-1"),
        maintype="text",
        subtype="plain",
        filename="café.log",
    )
    outcome = ingest(message.as_bytes(), at)
    ticket = Ticket.objects.get(pk=outcome.ticket_id)
    attachments = {a.filename: a for a in Attachment.objects.filter(ticket=ticket)}
    assert sorted(attachments) == ["café.log", "screen_shot.png"]
    png = attachments["screen_shot.png"]
    assert (png.content_type, png.size, png.uploaded_by) == (
        "image/png",
        len(PNG),
        world.acme_reporter,
    )
    assert not png.internal and png.comment is None
    with default_storage.open(png.file.name, "rb") as stored:
        assert stored.read() == PNG
    assert png.file.name.startswith(f"attachments/{world.acme.pk}/{ticket.pk}/")
    # What was not kept is said on the ticket and on the inbound message; the raw keeps it all.
    assert "setup.exe was not kept: .exe files are not accepted" in ticket.description
    assert "big.log was not kept: 1001 bytes is over the limit of 1000 bytes" in ticket.description
    assert "setup.exe" in InboundMessage.objects.get().reason


def test_a_reply_attachment_belongs_to_the_comment(world: Any, make_message: Any, at: Any) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(subject=f"Re: [#{ticket.pk}]", body="", message_id="<m2@acme.test>")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="after.png")
    assert ingest(reply.as_bytes(), at).outcome == "commented"
    comment = Comment.objects.get()
    assert comment.body == "(attached: after.png)"
    assert comment.attachments.get().filename == "after.png"


def test_a_rollback_removes_the_files_it_stored(
    world: Any, make_message: Any, at: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    message = make_message()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("crash after the files were stored")

    monkeypatch.setattr(mail, "_record", fail)
    with pytest.raises(RuntimeError):
        ingest(message.as_bytes(), at)
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    stored = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert stored == []


# --- refusals -------------------------------------------------------------------------------


def test_an_unknown_sender_is_refused_and_the_message_kept(
    world: Any, make_message: Any, at: Any
) -> None:
    raw = make_message(sender="mallory@evil.test").as_bytes()
    outcome = ingest(raw, at)
    assert (outcome.status, outcome.outcome) == (67, "refused")
    assert "mallory@evil.test is not an Accord user" in outcome.reason
    assert "\n" not in outcome.reason
    assert not Ticket.objects.exists()
    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, bytes(inbound.raw)) == ("refused", raw)


def test_an_inactive_user_is_refused(world: Any, make_message: Any, at: Any) -> None:
    world.acme_reporter.is_active = False
    world.acme_reporter.save()
    assert ingest(make_message().as_bytes(), at).status == 67


@pytest.mark.parametrize(
    "results",
    [
        "mx.acme.test; spf=pass smtp.mailfrom=acme.test; dmarc=fail (p=reject) "
        "header.from=acme.test",
        "mx.vendor.test; spf=fail smtp.mailfrom=rita@acme.test",
        "mx.vendor.test; dkim=none; dmarc=fail",
    ],
)
def test_a_forged_sender_is_refused(world: Any, make_message: Any, at: Any, results: str) -> None:
    raw = make_message(headers={"Authentication-Results": results}).as_bytes()
    outcome = ingest(raw, at)
    assert (outcome.status, outcome.outcome) == (67, "refused")
    assert "forged" in outcome.reason
    assert not Ticket.objects.exists()
    assert InboundMessage.objects.get().outcome == "refused"


def test_authentication_failures_about_other_domains_do_not_count(
    world: Any, make_message: Any, at: Any
) -> None:
    results = (
        "mx.vendor.test; spf=fail smtp.mailfrom=bounces.mailer.test; "
        "dmarc=pass header.from=acme.test"
    )
    raw = make_message(headers={"Authentication-Results": results}).as_bytes()
    assert ingest(raw, at).outcome == "created"


def test_a_sender_outside_the_organisations_domains_is_refused(
    world: Any, make_message: Any, at: Any
) -> None:
    from accord.accounts.services import create_user

    create_user(email="rita.home@gmail.test", role="reporter", organisation=world.acme)
    outcome = ingest(make_message(sender="rita.home@gmail.test").as_bytes(), at)
    assert outcome.status == 67
    assert "gmail.test is not one of Acme Corp's email domains" in outcome.reason
    world.acme.email_domains = ""  # no domains set: any address of a known user will do
    world.acme.save()
    assert ingest(make_message(sender="rita.home@gmail.test").as_bytes(), at).status == 0


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\x01\x02 binary garbage \xff\xfe", b"just some words\nwithout a header\n"],
)
def test_garbage_is_unreadable_and_kept(world: Any, at: Any, raw: bytes) -> None:
    outcome = mail.ingest(raw, now=at("09T09:00"))
    assert (outcome.status, outcome.outcome) == (65, "invalid")
    assert bytes(InboundMessage.objects.get().raw) == raw


def test_a_message_without_a_sender_address_is_unreadable(world: Any, at: Any) -> None:
    raw = b"From: nobody at all\r\nSubject: hi\r\n\r\nbody\r\n"
    assert mail.ingest(raw, now=at("09T09:00")).status == 65


def test_a_duplicate_delivery_changes_nothing(world: Any, make_message: Any, at: Any) -> None:
    raw = make_message().as_bytes()
    first = ingest(raw, at)
    jobs = Job.objects.count()
    second = ingest(raw, at, "09T09:05")
    assert (second.status, second.outcome, second.ticket_id) == (0, "duplicate", first.ticket_id)
    assert Ticket.objects.count() == 1 and Job.objects.count() == jobs
    assert list(InboundMessage.objects.values_list("outcome", flat=True).order_by("pk")) == [
        "created",
        "duplicate",
    ]
    # A duplicated reply adds one comment.
    reply = make_message(
        subject=f"Re: [#{first.ticket_id}]", body="One comment.", message_id="<m2@acme.test>"
    ).as_bytes()
    assert [ingest(reply, at).outcome for _ in range(2)] == ["commented", "duplicate"]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_replies_are_kept_and_ignored(
    world: Any, make_message: Any, at: Any, headers: dict[str, str]
) -> None:
    ticket = open_ticket(make_message, at)
    reply = make_message(
        subject=f"Out of office: [#{ticket.pk}]",
        body="I am away.",
        message_id="<ooo@acme.test>",
        headers=headers,
    )
    outcome = ingest(reply.as_bytes(), at)
    assert (outcome.status, outcome.outcome) == (0, "ignored")
    assert not Comment.objects.exists()


def test_mail_from_accords_own_address_is_ignored(world: Any, make_message: Any, at: Any) -> None:
    outcome = ingest(make_message(sender="support@accord.localhost").as_bytes(), at)
    assert (outcome.status, outcome.outcome) == (0, "ignored")


def test_a_refused_action_rolls_everything_back(
    world: Any, make_message: Any, at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Refused("not today")

    monkeypatch.setattr(services, "report", refuse)
    outcome = ingest(make_message().as_bytes(), at)
    assert (outcome.status, outcome.reason) == (67, "not today")
    assert InboundMessage.objects.get().outcome == "refused"


# --- the command ----------------------------------------------------------------------------


def run_command(raw: bytes) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("mail_ingest", stdin=io.BytesIO(raw), stdout=stdout, stderr=stderr)
        status = 0
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, stdout.getvalue(), stderr.getvalue()


def test_the_command_reads_standard_input_and_exits_with_the_status(
    world: Any, make_message: Any
) -> None:
    status, out, err = run_command(make_message().as_bytes())
    assert (status, err) == (0, "")
    assert out.startswith("created: opened ticket #")
    status, out, err = run_command(make_message(sender="who@evil.test").as_bytes())
    assert status == 67
    assert err.count("\n") == 1 and err.startswith("accord mail-ingest: who@evil.test is not")
    assert run_command(b"\x00garbage")[0] == 65


def test_a_database_error_is_a_temporary_failure(
    world: Any, make_message: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(mail, "ingest", down)
    status, _, err = run_command(make_message().as_bytes())
    assert status == 75
    assert err.strip().endswith("database error (database is locked)")
