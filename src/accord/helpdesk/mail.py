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

What the message says (its headers, sender, references, text, files) is read by
`accord.helpdesk.mailparse`, with the standard library only; this module decides what it
means: who the sender is, which ticket, which module, which files are kept, what is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from accord.accounts.access import is_staff
from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module
from accord.core import message_ids
from accord.core.errors import Refused
from accord.helpdesk import attachments, mailparse, services
from accord.helpdesk.models import Channel, Comment, InboundMessage, Ticket

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


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
    try:
        mail = mailparse.parse(raw)
        facts.message_id = mail.message_id
        facts.sender = mail.sender
    except mailparse.Unreadable as exc:
        raise _invalid(exc.reason) from None
    facts.subject = mail.subject

    automatic = mail.automatic_reason(_own_addresses())
    if automatic is not None:
        inbound = _record(raw, at, facts, IGNORED, automatic)
        return Outcome(EX_OK, IGNORED, automatic, inbound.pk)

    user = authenticate(mail)
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

    text = mail.body.text
    files = _screen(mail.body.files, facts)
    ticket = find_ticket(mail, user)
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
        summary=mailparse.summary_of(facts.subject, text),
        description=description,
        severity=mailparse.severity_of(facts.subject, text),
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
    except Refused as exc:
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
    reply = mailparse.strip_quoted(text, marker=message_ids.REPLY_MARKER)
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
    except Refused as exc:
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


# --- who sent it ----------------------------------------------------------------------------


def email_domains(organisation: Organisation) -> set[str]:
    return {
        d.strip().lower().lstrip("@") for d in organisation.email_domains.split(",") if d.strip()
    }


def _own_addresses() -> set[str]:
    """Accord's own addresses (a message from one of them is a mail loop), lower case."""
    return {
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
        settings.ACCORD_SUPPORT_ADDRESS.lower(),
    }


def authenticate(mail: mailparse.ParsedMail) -> User:
    """The active user the message is from, or a refusal (unknown or forged sender)."""
    address = mail.sender
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
    failures = mail.authentication_failures(domain)
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


def find_ticket(mail: mailparse.ParsedMail, user: User) -> Ticket | None:
    """The ticket a reply belongs to: by In-Reply-To/References (Accord's own Message-IDs and
    those of the messages tickets and comments came from), else by `[#ID]` in the subject.
    None for a new message. A ticket the sender may not see is refused, as not found."""
    candidates: list[int] = []
    for mid in mail.references:
        ticket_id = message_ids.ticket_of_message_id(mid)
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
    for ticket_id in mail.subject_tickets:
        if ticket_id not in candidates:
            candidates.append(ticket_id)
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


def _screen(found: tuple[mailparse.MailFile, ...], facts: _Facts) -> list[_File]:
    """The files the message carries, named safely, each marked with why it is refused, if it
    is."""
    files: list[_File] = []
    # The portal's and the API's limits (accord.helpdesk.attachments, ACCORD_ATTACHMENT_*),
    # checked before the ticket or comment exists so that it can say what was not kept.
    limit, allowed = attachments.max_bytes(), attachments.allowed_extensions()
    for file in found:
        name = _file_name(file)
        data = file.data
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


def _file_name(file: mailparse.MailFile) -> str:
    try:
        name = attachments.clean_filename(file.filename)
    except Exception:  # a name the cleaning chokes on
        name = ""
    return name or file.default_name


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
        except Refused as exc:  # a rule the check above does not know yet
            facts.notes.append(f"attachment {file.name} not kept: {exc}")
            continue
        facts.stored_files.append(attachment.file.name)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a leftover file is harmless; a lost message is not
            logger.warning("could not delete %s after a rollback", name, exc_info=True)
