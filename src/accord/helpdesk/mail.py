"""Email intake: one RFC 822 message in, a ticket or a comment out (`accord mail-ingest`).

A mail server hands each message for the support address to `accord mail-ingest` on standard
input (docs/email.md shows the Postfix and Exim wiring); the command's exit status tells the
server what to do with it, following <sysexits.h>:

* 0 (EX_OK): done: a ticket opened, a comment added, a duplicate delivery recognised, or an
  automatic message (bounce, out-of-office reply) kept and ignored;
* 65 (EX_DATAERR): not a message Accord can read (no header, no sender address, a reply with
  no text); the server bounces it with the one-line reason written on standard error;
* 67 (EX_NOUSER): refused: the sender is not an active Accord user, is not allowed to act on
  the ticket, or looks forged; bounced with the reason;
* 75 (EX_TEMPFAIL): the database failed (or Accord did); the server keeps the message and
  delivers it again later, so nothing is lost.

Every message that reaches the database is kept raw (`InboundMessage`) with what became of it,
refused ones included. Accepting a message is one transaction: the raw message, the ticket or
comment, its attachments and the notifications it causes commit together or not at all; a
second delivery of the same Message-ID finds the first and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from accord.accounts.access import is_staff
from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module
from accord.core import message_ids as notify
from accord.helpdesk import attachments, services
from accord.helpdesk.models import Channel, Comment, InboundMessage, Ticket

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CREATED = "created"
COMMENTED = "commented"
DUPLICATE = "duplicate"
IGNORED = "ignored"
REFUSED = "refused"
INVALID = "invalid"
ERROR = "error"
ACCEPTED = (CREATED, COMMENTED)

MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class Outcome:
    """What became of a message: the exit status for the mail server and the reason."""

    status: int
    outcome: str
    reason: str
    inbound_id: int | None = None
    ticket_id: int | None = None
    comment_id: int | None = None


@dataclass
class _Facts:
    """What is known of a message so far (recorded with it, whatever the outcome)."""

    message_id: str = ""
    sender: str = ""
    subject: str = ""
    organisation: Organisation | None = None
    ticket: Ticket | None = None
    notes: list[str] = field(default_factory=list)
    stored_files: list[str] = field(default_factory=list)


class _Stop(Exception):
    """The message is not accepted: record it with this outcome and exit with this status."""

    def __init__(self, status: int, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.outcome = outcome
        self.reason = reason


def _refuse(reason: str) -> _Stop:
    return _Stop(EX_NOUSER, REFUSED, reason)


def _invalid(reason: str) -> _Stop:
    return _Stop(EX_DATAERR, INVALID, reason)


# --- the entry point ------------------------------------------------------------------------


def ingest(raw: bytes, *, now: datetime | None = None) -> Outcome:
    """Turn one raw message into a ticket or a comment, or refuse it; keep it in any case.

    Database errors propagate (the command exits 75 so the mail server retries)."""
    at = now or timezone.now()
    facts = _Facts()
    try:
        with transaction.atomic():
            return _ingest(raw, at, facts)
    except _Stop as stop:
        _delete_files(facts.stored_files)
        with transaction.atomic():
            inbound = _record(raw, at, facts, stop.outcome, stop.reason)
        return Outcome(stop.status, stop.outcome, stop.reason, inbound.pk)
    except BaseException:
        _delete_files(facts.stored_files)
        raise


def record_error(raw: bytes, reason: str, *, now: datetime | None = None) -> None:
    """Keep a message that failed with an unexpected error (best effort; the mail server keeps
    it too, and delivers it again)."""
    with transaction.atomic():
        _record(raw, now or timezone.now(), _Facts(), ERROR, reason)


def _record(raw: bytes, at: datetime, facts: _Facts, outcome: str, reason: str) -> InboundMessage:
    return InboundMessage.objects.create(
        received_at=at,
        raw=raw,
        message_id=facts.message_id[:300],
        sender=facts.sender[:300],
        subject=facts.subject[:500],
        organisation=facts.organisation,
        ticket=facts.ticket,
        outcome=outcome,
        reason=reason[:500],
    )


def _ingest(raw: bytes, at: datetime, facts: _Facts) -> Outcome:
    message = parse(raw)
    facts.message_id = message_id_of(message, raw)
    address = sender_of(message)
    facts.sender = address
    facts.subject = _header(message, "Subject")

    automatic = automatic_reason(message, address)
    if automatic is not None:
        inbound = _record(raw, at, facts, IGNORED, automatic)
        return Outcome(EX_OK, IGNORED, automatic, inbound.pk)

    user = authenticate(message, address)
    facts.organisation = user.organisation

    _serialise(facts.message_id)
    first = (
        InboundMessage.objects.filter(message_id=facts.message_id, outcome__in=ACCEPTED)
        .order_by("pk")
        .first()
    )
    if first is not None:
        facts.organisation, facts.ticket = first.organisation, first.ticket
        reason = f"already received as inbound message {first.pk}; nothing changed"
        inbound = _record(raw, at, facts, DUPLICATE, reason)
        return Outcome(EX_OK, DUPLICATE, reason, inbound.pk, first.ticket_id)

    text, body_part = body_of(message)
    files = attachments_of(message, body_part, facts)
    ticket = find_ticket(message, user)
    if ticket is None:
        return _open_ticket(raw, at, facts, user, text, files)
    return _comment(raw, at, facts, user, ticket, text, files)


def _open_ticket(
    raw: bytes, at: datetime, facts: _Facts, user: User, text: str, files: list[_File]
) -> Outcome:
    if user.organisation is None:
        raise _refuse(
            "staff open tickets in the portal or the API; by email they reply to a ticket "
            "(keep [#ID] in the subject)"
        )
    module, how = module_of(facts.subject, text)
    if how:
        facts.notes.append(how)
    description = "\n\n".join(part for part in [text, *_file_notes(files)] if part)
    new = services.NewTicket(
        module=module,
        summary=summary_of(facts.subject, text),
        description=description,
        severity=severity_of(facts.subject, text),
        channel=Channel.EMAIL,
    )
    try:
        ticket = services.report(
            reporter=user,
            organisation=user.organisation,
            new=new,
            now=at,
            email_message_id=facts.message_id,
        )
    except services.ActionRefused as exc:
        raise _refuse(str(exc)) from None
    facts.ticket = ticket
    _store_files(ticket, None, user, files, at, facts)
    inbound = _record(raw, at, facts, CREATED, "; ".join(facts.notes))
    return Outcome(EX_OK, CREATED, f"opened ticket #{ticket.pk}", inbound.pk, ticket.pk)


def _comment(
    raw: bytes,
    at: datetime,
    facts: _Facts,
    user: User,
    ticket: Ticket,
    text: str,
    files: list[_File],
) -> Outcome:
    facts.ticket = ticket
    reply = strip_quoted(text)
    kept = [f.name for f in files if f.refused is None]
    if not reply and kept:
        reply = "(attached: " + ", ".join(kept) + ")"
    if not reply:
        raise _invalid(f"the reply to ticket #{ticket.pk} has no text above the quoted message")
    body = "\n\n".join([reply, *_file_notes(files)])
    try:
        comment = services.add_comment(
            ticket,
            author=user,
            body=body,
            channel=Channel.EMAIL,
            email_message_id=facts.message_id,
            now=at,
        )
    except services.ActionRefused as exc:
        raise _refuse(str(exc)) from None
    _store_files(ticket, comment, user, files, at, facts)
    inbound = _record(raw, at, facts, COMMENTED, "; ".join(facts.notes))
    return Outcome(
        EX_OK, COMMENTED, f"commented on ticket #{ticket.pk}", inbound.pk, ticket.pk, comment.pk
    )


def _serialise(message_id: str) -> None:
    """Two deliveries of one message at once must not both pass the duplicate check. SQLite
    transactions already take the write lock at BEGIN; PostgreSQL takes a lock on the id."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# --- reading the message --------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    if not raw.strip():
        raise _invalid("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is a message it cannot read at all
        raise _invalid(f"the message cannot be parsed ({type(exc).__name__})") from None
    if not message.keys():
        raise _invalid("not an RFC 822 message: it has no header fields")
    assert isinstance(message, EmailMessage)
    return message


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser chokes on reads as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def sender_of(message: Message) -> str:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ()) if header is not None else ()
    except Exception:
        addresses = ()
    if len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        raise _invalid("the message has no single sender address in its From header")
    return f"{addresses[0].username}@{addresses[0].domain}"


_ANGLE_ID = re.compile(r"<[^<>\s]+>")


def message_id_of(message: Message, raw: bytes) -> str:
    """The Message-ID, or for a message without one an id made from its content (so a second
    delivery of it is still recognised)."""
    found = _ANGLE_ID.findall(_header(message, "Message-ID"))
    if found:
        return found[0]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@mail-ingest.invalid>"


def referenced_ids(message: Message) -> list[str]:
    """The ids a reply refers to, the message it answers first."""
    in_reply_to = _ANGLE_ID.findall(_header(message, "In-Reply-To"))
    references = _ANGLE_ID.findall(_header(message, "References"))
    ordered: list[str] = []
    for mid in [*in_reply_to, *reversed(references)]:
        if mid not in ordered:
            ordered.append(mid)
    return ordered


_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def automatic_reason(message: Message, address: str) -> str | None:
    """Why a message is an automatic one Accord ignores (without bouncing, which would answer
    a machine with a machine), or None."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"automatic message (Auto-Submitted: {auto}): ignored"
    precedence = _header(message, "Precedence").lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"automatic message (Precedence: {precedence}): ignored"
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.get(name) is not None:
            return f"automatic reply ({name}): ignored"
    if _header(message, "Return-Path") == "<>" or message.get_content_type() == "multipart/report":
        return "delivery status notification (bounce): ignored"
    own = {
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
        settings.ACCORD_SUPPORT_ADDRESS.lower(),
    }
    if address.lower() in own:
        return "a message from Accord's own address (a mail loop): ignored"
    return None


# --- who sent it ----------------------------------------------------------------------------


_RESINFO = re.compile(r"([A-Za-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


def authentication_failures(message: Message, domain: str) -> list[str]:
    """The `dmarc=fail` / `spf=fail` results for the From domain in Authentication-Results
    headers (RFC 8601). Any such header counts: a forger can add a "fail" about itself, which
    only gets its own message refused; Accord never accepts a message *because* it says pass."""
    failures = []
    for header in message.get_all("Authentication-Results") or []:
        text = re.sub(r"\([^()]*\)", " ", str(header))  # comments
        for resinfo in text.split(";")[1:]:
            pairs = [(k.lower(), v.strip('"').lower()) for k, v in _RESINFO.findall(resinfo)]
            if not pairs:
                continue
            method, result = pairs[0]
            if method not in ("dmarc", "spf") or result != "fail":
                continue
            props = dict(pairs[1:])
            about = props.get("header.from") if method == "dmarc" else None
            if method == "spf":
                about = props.get("smtp.mailfrom") or props.get("smtp.helo")
            about_domain = about.rpartition("@")[2] if about else None
            if about_domain is None or about_domain == domain:
                failures.append(f"{method}=fail")
    return failures


def email_domains(organisation: Organisation) -> set[str]:
    return {
        d.strip().lower().lstrip("@") for d in organisation.email_domains.split(",") if d.strip()
    }


def authenticate(message: Message, address: str) -> User:
    """The active user the message is from, or a refusal (unknown or forged sender)."""
    domain = address.rpartition("@")[2].lower()
    user = (
        User.objects.select_related("organisation")
        .filter(email__iexact=address, is_active=True)
        .first()
    )
    if user is None:
        raise _refuse(
            f"{address} is not an Accord user: ask your organisation's Accord admin to invite "
            "you, or use the portal"
        )
    failures = authentication_failures(message, domain)
    if failures:
        raise _refuse(
            f"the message claims to be from {address} but its domain's checks failed "
            f"({', '.join(failures)}): refused as forged"
        )
    if user.organisation is not None:
        allowed = email_domains(user.organisation)
        if allowed and domain not in allowed:
            raise _refuse(
                f"{address}: {domain} is not one of {user.organisation.name}'s email domains"
            )
    elif not is_staff(user):
        raise _refuse(f"{address} has no role that may write to the help desk")
    return user


# --- which ticket ---------------------------------------------------------------------------


_SUBJECT_TICKET = re.compile(r"\[#(\d+)\]")


def find_ticket(message: Message, user: User) -> Ticket | None:
    """The ticket a reply belongs to: by In-Reply-To/References (Accord's own Message-IDs and
    those of the messages tickets and comments came from), else by `[#ID]` in the subject.
    None for a new message. A ticket the sender may not see is refused, as not found."""
    candidates: list[int] = []
    for mid in referenced_ids(message):
        ticket_id = notify.ticket_of_message_id(mid)
        if ticket_id is None:
            ticket_id = (
                Ticket.objects.filter(email_message_id=mid).values_list("pk", flat=True).first()
            )
        if ticket_id is None:
            ticket_id = (
                Comment.objects.filter(email_message_id=mid)
                .values_list("ticket_id", flat=True)
                .first()
            )
        if ticket_id is not None and ticket_id not in candidates:
            candidates.append(ticket_id)
    for match in _SUBJECT_TICKET.finditer(_header(message, "Subject")):
        if int(match.group(1)) not in candidates:
            candidates.append(int(match.group(1)))
    if not candidates:
        return None
    tickets = Ticket.objects.select_related("organisation")
    if not is_staff(user):
        tickets = tickets.filter(organisation_id=user.organisation_id)
    for ticket_id in candidates:
        ticket = tickets.filter(pk=ticket_id).first()
        if ticket is not None:
            return ticket
    raise _refuse(
        f"there is no ticket #{candidates[0]} that {user.email} may comment on "
        "(write a new message, without [#...] in the subject, to report a new fault)"
    )


# --- what it says ---------------------------------------------------------------------------


_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}


def decode_text(part: Message) -> str:
    """A text part's content. Transfer encodings (quoted-printable, base64) are undone; the
    declared charset is tried first, then UTF-8 and Windows-1252 (what mail that says
    ISO-8859-1 or nothing at all usually is), never failing."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    declared = (part.get_content_charset() or "").lower()
    tries = [declared] if declared else []
    if declared in _LATIN1_LABELS or not declared:
        tries = ["utf-8", "cp1252"]
    for charset in [*tries, "utf-8", "cp1252"]:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


class _HTMLText(HTMLParser):
    """HTML to plain text with the standard library: block elements become lines, links keep
    their target, quoted blocks (<blockquote>) become `>` lines, scripts and styles vanish."""

    BLOCKS = _words(
        "address article aside div dl dt dd fieldset figure footer form header hr li main "
        "nav ol p pre section table tbody thead tfoot tr ul h1 h2 h3 h4 h5 h6"
    )
    PARAGRAPHS = _words("p h1 h2 h3 h4 h5 h6 table ul ol pre blockquote")
    HIDDEN = _words("head script style template title noscript")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0
        self.quote = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def _break(self, blank: bool = False, empty_line: bool = False) -> None:
        """End the current line; `blank` leaves an empty line after it (paragraphs),
        `empty_line` writes one even when there is no text (a <br> on its own)."""
        text = "".join(self.current)
        if not self.pre:
            text = " ".join(text.split())
        prefix = "> " * self.quote
        if text:
            for line in text.split("\n"):
                self.lines.append((prefix + line).rstrip())
        elif empty_line:
            self.lines.append(prefix.rstrip())
        if blank and self.lines and self.lines[-1].strip("> "):
            self.lines.append(prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif self.hidden:
            return
        elif tag == "br":
            self._break(empty_line=not "".join(self.current).strip())
        elif tag == "blockquote":
            self._break(blank=True)
            self.quote += 1
        elif tag in self.BLOCKS:
            self._break(blank=tag in self.PARAGRAPHS)
            if tag == "li":
                self.current.append("- ")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th") and self.current:
            self.current.append(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len("".join(self.current))))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.current.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self.hidden:
            return
        elif tag == "blockquote":
            self._break()
            self.quote = max(0, self.quote - 1)
            self._break(blank=True)
        elif tag in self.BLOCKS:
            self._break(blank=tag in self.PARAGRAPHS)
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.current)[start:].strip()
            if href.startswith(("http://", "https://")) and href != label:
                self.current.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data if self.pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        self._break()
        return "\n".join(self.lines)


def html_to_text(html: str) -> str:
    converter = _HTMLText()
    converter.feed(html)
    converter.close()
    return tidy(converter.text())


def tidy(text: str) -> str:
    """Trailing spaces gone, runs of blank lines made one, no leading or trailing blank lines."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_of(message: EmailMessage) -> tuple[str, Message | None]:
    """The message's text (the plain part of multipart/alternative, else its HTML as text) and
    the part it came from."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    text = decode_text(part)
    if part.get_content_subtype() == "html":
        return html_to_text(text), part
    return tidy(text), part


_ATTRIBUTION = re.compile(r"^(on\b.*\bwrote|le\b.*\ba écrit|am\b.*\bschrieb)\s*:\s*$", re.I)
_OUTLOOK_SEPARATORS = ("-----original message-----", "-------- original message --------")


def strip_quoted(text: str) -> str:
    """A reply without what it quotes: everything from an "On ... wrote:" line (also when
    wrapped onto two lines), an Outlook "-----Original Message-----" or "From:/Sent:" block,
    Accord's own "Reply above this line" marker or a "-- " signature on; and `>` lines."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        lowered = stripped.lower()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if (
            notify.REPLY_MARKER.lower() in lowered
            or _ATTRIBUTION.match(stripped)
            or (lowered.startswith("on ") and following.lower().endswith("wrote:"))
            or lowered in _OUTLOOK_SEPARATORS
            or line.rstrip("\n") == "-- "
            or (re.fullmatch(r"_{8,}", stripped) and following.lower().startswith("from:"))
            or (lowered.startswith("from:") and _outlook_header(lines[index + 1 : index + 5]))
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return tidy("\n".join(kept))


def _outlook_header(lines: list[str]) -> bool:
    names = {line.strip().split(":", 1)[0].lower() for line in lines if ":" in line}
    return "sent" in names or ({"to", "subject"} <= names and "date" in names)


_SEVERITY_TAG = re.compile(r"\[\s*sev(?:erity)?\s*[:#-]?\s*([1-4])\s*\]", re.I)
_SEVERITY_FIELD = re.compile(r"\bseverity\s*[:=]\s*([1-4])\b", re.I)
_SEVERITY_LINE = re.compile(r"^\s*severity\s*[:=]\s*([1-4])\b", re.I | re.M)


def severity_of(subject: str, text: str) -> int | None:
    """ "[Sev 1]" or "Severity: 2" in the subject, else such a tag or line in the body; None
    (not yet designated) otherwise."""
    for pattern, source in (
        (_SEVERITY_TAG, subject),
        (_SEVERITY_FIELD, subject),
        (_SEVERITY_TAG, text),
        (_SEVERITY_LINE, text),
    ):
        match = pattern.search(source)
        if match:
            return int(match.group(1))
    return None


def summary_of(subject: str, text: str) -> str:
    summary = _SEVERITY_FIELD.sub("", _SEVERITY_TAG.sub("", subject))
    summary = " ".join(summary.split()).strip(" -:")
    if not summary:
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        summary = first or "(no subject)"
    return summary[:200]


_MODULE_LINE = re.compile(r"^\s*module\s*[:=]\s*(.+)$", re.I | re.M)


def _named(source: str, modules: list[Module], *, exact: bool, last: bool) -> Module | None:
    """The module whose name (as catalogued, or its hyphenated slug) appears in `source`: the
    first or last mention. `exact` matches the catalogue's capitals, so the word "reporting" in a
    sentence does not pick the Reporting module."""
    found: list[tuple[int, int, Module]] = []
    flags = 0 if exact else re.I
    for module in modules:
        # The slug counts where it is a distinct token ("release-manager"), not a word.
        labels = (module.name, module.slug) if "-" in module.slug else (module.name,)
        for label in labels:
            for match in re.finditer(rf"(?<![\w-]){re.escape(label)}(?![\w-])", source, flags):
                found.append((match.start(), -len(label), module))
    if not found:
        return None
    found.sort(key=lambda item: (item[0], item[1]))
    return found[-1][2] if last else found[0][2]


def module_of(subject: str, text: str) -> tuple[Module, str]:
    """The affected module and, when it was not named, a note saying the default was used:
    a "Module: ..." line in the body, else the module named in the subject (the last one
    mentioned), else the first named in the body, else ACCORD_MAIL_DEFAULT_MODULE (a slug),
    else the first module of the catalogue."""
    modules = list(Module.objects.order_by("position", "name"))
    if not modules:
        raise _Stop(EX_TEMPFAIL, ERROR, "the catalogue has no modules yet")
    line = _MODULE_LINE.search(text)
    chosen = (
        (line and _named(line.group(1), modules, exact=False, last=False))
        or _named(subject, modules, exact=True, last=True)
        or _named(text, modules, exact=True, last=False)
    )
    if chosen:
        return chosen, ""
    slug = getattr(settings, "ACCORD_MAIL_DEFAULT_MODULE", "")
    default = next((m for m in modules if m.slug == slug), None)
    if default is not None:
        return default, f"module: none named, the default {default.slug}"
    if slug:
        logger.warning("ACCORD_MAIL_DEFAULT_MODULE=%r names no module", slug)
    return modules[0], f"module: none named, the catalogue's first ({modules[0].slug})"


# --- attachments ----------------------------------------------------------------------------


@dataclass
class _File:
    name: str
    data: bytes
    refused: str | None = None  # why it is not kept


def _leaf_parts(part: Message) -> Iterator[Message]:
    """The parts of a message that are not containers; a forwarded message (message/rfc822)
    is one part, not opened."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        yield from _leaf_parts(child)


def _file_name(part: Message, index: int) -> str:
    try:
        name = attachments.clean_filename(part.get_filename() or "")
    except Exception:  # an undecodable name
        name = ""
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"attachment-{index}{extension}"
    return name


def attachments_of(message: Message, body: Message | None, facts: _Facts) -> list[_File]:
    """The files the message carries, each marked with why it is refused, if it is."""
    files: list[_File] = []
    # The portal's and the API's limits (accord.helpdesk.attachments, ACCORD_ATTACHMENT_*),
    # checked before the ticket or comment exists so that it can say what was not kept.
    limit, allowed = attachments.max_bytes(), attachments.allowed_extensions()
    for index, part in enumerate(_leaf_parts(message), start=1):
        if part is body:
            continue
        disposition = part.get_content_disposition()
        maintype = part.get_content_maintype()
        if disposition != "attachment" and not part.get_filename() and maintype == "text":
            continue  # an alternative rendering of the text, kept in the raw message
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        else:
            decoded = part.get_payload(decode=True)
            data = decoded if isinstance(decoded, bytes) else b""
        name = _file_name(part, index)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        refused = None
        if len(files) >= MAX_ATTACHMENTS:
            refused = f"more than {MAX_ATTACHMENTS} attachments"
        elif not data:
            refused = "empty"
        elif len(data) > limit:
            refused = f"{len(data)} bytes is over the limit of {limit} bytes"
        elif extension not in allowed:
            refused = f".{extension or '(none)'} files are not accepted"
        files.append(_File(name, data, refused))
        if refused:
            facts.notes.append(f"attachment {name} not kept: {refused}")
    return files


def _file_notes(files: list[_File]) -> list[str]:
    return [f"[Attachment {f.name} was not kept: {f.refused}.]" for f in files if f.refused]


def _store_files(
    ticket: Ticket,
    comment: Comment | None,
    user: User,
    files: list[_File],
    at: datetime,
    facts: _Facts,
) -> None:
    """Save the accepted files through `accord.helpdesk.attachments` (Django's storage API).
    Storage is not transactional: the names are remembered so that a rollback deletes them."""
    for file in files:
        if file.refused:
            continue
        try:
            attachment = attachments.attach(
                ticket,
                uploaded_by=user,
                upload=ContentFile(file.data, name=file.name),
                comment=comment,
                now=at,
            )
        except services.ActionRefused as exc:  # a rule the check above does not know yet
            facts.notes.append(f"attachment {file.name} not kept: {exc}")
            continue
        facts.stored_files.append(attachment.file.name)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a leftover file is harmless; a lost message is not
            logger.warning("could not delete %s after a rollback", name, exc_info=True)
