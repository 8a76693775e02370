"""The mail parser on its own (`accord.helpdesk.mailparse`): bytes in, a typed message out, with
no database and no Django."""

from __future__ import annotations

import ast
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from accord.helpdesk import mailparse
from accord.helpdesk.mailparse import MailFile, Unreadable

from .conftest import build_message

OWN = {"support@accord.localhost", "accord@accord.localhost"}


def parsed(**kwargs: Any) -> mailparse.ParsedMail:
    return mailparse.parse(build_message(**kwargs).as_bytes())


def test_the_parser_imports_the_standard_library_only() -> None:
    tree = ast.parse(Path(mailparse.__file__).read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "the message is empty"),
        (b"  \r\n\r\n", "the message is empty"),
        (b"just some words\nwithout a header\n", "not an RFC 822 message: it has no header fields"),
    ],
)
def test_what_is_not_a_message_is_unreadable(raw: bytes, reason: str) -> None:
    with pytest.raises(Unreadable) as caught:
        mailparse.parse(raw)
    assert caught.value.reason == reason


def test_the_header_facts() -> None:
    mail = parsed(
        subject="Re:  [#12]   Deployments fail\t[#7]",
        headers={
            "In-Reply-To": "<b@accord.test>",
            "References": "<a@accord.test> <b@accord.test> <c@accord.test>",
        },
    )
    assert mail.message_id == "<m1@mail.acme.test>"
    assert mail.subject == "Re: [#12] Deployments fail [#7]"
    # The message it answers first, then the thread from its newest end.
    assert mail.references == ("<b@accord.test>", "<c@accord.test>", "<a@accord.test>")
    assert mail.subject_tickets == (12, 7)
    assert mail.sender == "rita@acme.test"


def test_a_message_without_a_message_id_gets_one_from_its_bytes() -> None:
    raw = build_message(message_id=None).as_bytes()
    first = mailparse.parse(raw).message_id
    assert first.startswith("<sha256-") and first.endswith("@mail-ingest.invalid>")
    assert mailparse.parse(raw).message_id == first  # a second delivery is recognised
    assert mailparse.parse(raw + b"more\n").message_id != first


def test_a_sender_must_be_one_address_but_the_rest_is_read_anyway() -> None:
    for sender in ("nobody at all", "rita@acme.test, sam@acme.test"):
        mail = parsed(sender=sender)
        assert mail.message_id == "<m1@mail.acme.test>"  # kept with the refusal
        with pytest.raises(Unreadable, match="no single sender address"):
            _ = mail.sender


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, None, "Precedence: bulk"),
        ({"X-Autoreply": "yes"}, None, "automatic reply (X-Autoreply)"),
        ({"Return-Path": "<>"}, None, "bounce"),
        ({}, "Accord <Support@Accord.Localhost>", "mail loop"),
    ],
)
def test_automatic_messages_say_why(
    headers: dict[str, str], sender: str | None, reason: str
) -> None:
    kwargs: dict[str, Any] = {"headers": headers}
    if sender:
        kwargs["sender"] = sender
    found = parsed(**kwargs).automatic_reason(OWN)
    assert found is not None and reason in found and found.endswith("ignored")


def test_a_person_writing_is_not_automatic() -> None:
    assert parsed(headers={"Auto-Submitted": "no"}).automatic_reason(OWN) is None


def test_the_plain_part_is_the_text_of_an_alternative() -> None:
    mail = parsed(body="Plain words.\n\n\n\nMore.  \n", html="<p>HTML words</p>")
    assert mail.body.text == "Plain words.\n\nMore."
    assert mail.body.files == ()  # the HTML rendering is not a file


def test_an_html_only_message_is_read_as_text() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Deployments <b>fail</b>, see <a href='https://ci.acme.test/42'>the log</a>.</p>"
        "<ul><li>prod</li><li>staging</li></ul>"
        "<blockquote>earlier text</blockquote><script>alert(1)</script></body></html>"
    )
    text = parsed(body=None, html=html).body.text
    assert text == (
        "Deployments fail, see the log (https://ci.acme.test/42).\n\n"
        "- prod\n- staging\n\n> earlier text"
    )


def test_text_declared_latin1_reads_as_windows_1252() -> None:
    raw = (
        b"From: rita@acme.test\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        b"caf\xe9 \x93quoted\x94\r\n"
    )
    assert mailparse.parse(raw).body.text == "caf\u00e9 \u201cquoted\u201d"


def test_the_files_a_message_carries() -> None:
    message = build_message(body="See the files.\n")
    message.add_attachment(b"%PDF-1", maintype="application", subtype="pdf", filename="log.pdf")
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png")
    forwarded = EmailMessage()
    forwarded["From"] = "ops@acme.test"
    forwarded["Subject"] = "the alert"
    forwarded.set_content("CPU at 100%\n")
    message.add_attachment(forwarded)
    body = mailparse.parse(message.as_bytes()).body
    assert body.text == "See the files."
    pdf, png, eml = body.files
    assert pdf == MailFile(2, "log.pdf", "application/pdf", b"%PDF-1")
    assert (png.filename, png.default_name, png.data) == ("", "attachment-3.png", b"\x89PNG")
    # A forwarded message is one file, not opened.
    assert eml.content_type == "message/rfc822" and b"CPU at 100%" in eml.data


def test_a_reply_without_what_it_quotes() -> None:
    marker = "Reply above this line"
    text = "Still failing.\n\n-- Reply above this line to comment on ticket #3 --\nold notice"
    assert mailparse.strip_quoted(text, marker=marker) == "Still failing."
    text = "Thanks!\n> quoted\nOn Mon, 9 Mar 2026, Sam Support\n<sam@accord.test> wrote:\n> old"
    assert mailparse.strip_quoted(text, marker=marker) == "Thanks!"


def test_severity_and_summary_from_the_subject() -> None:
    assert mailparse.severity_of("[Sev 1] Release Manager down", "") == 1
    assert mailparse.severity_of("Release Manager down", "Severity: 3\nbody") == 3
    assert mailparse.severity_of("Release Manager down", "our severity: 2 guess") is None
    assert mailparse.summary_of("[Sev 1] Release Manager down", "") == "Release Manager down"
    assert mailparse.summary_of("[Severity 2]", "\n  First line\nsecond") == "First line"


def test_authentication_failures_count_for_the_senders_domain_only() -> None:
    results = (
        "mx.acme.test; spf=fail smtp.mailfrom=bounce@mailer.test; "
        "dmarc=fail (p=reject) header.from=acme.test"
    )
    mail = parsed(headers={"Authentication-Results": results})
    assert mail.authentication_failures("acme.test") == ["dmarc=fail"]
    assert mail.authentication_failures("mailer.test") == ["spf=fail"]
