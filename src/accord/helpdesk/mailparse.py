"""Reading an email message: raw bytes in, a typed `ParsedMail` out (`accord mail-ingest`).

This module is the pure half of the mail intake: the standard library's `email` and
`html.parser` only, no Django, no database, no settings. What the message *says* is read here:
its Message-ID, its single sender address, its subject, whether a machine sent it (bounces,
out-of-office replies), the ids and `[#ID]` tags that say which ticket a reply belongs to, its
text (the plain part, else its HTML turned into text), the reply without what it quotes, the
severity and summary the subject gives, its files and the `Authentication-Results` that fail
for the sender's domain. What it *means* (who the sender is, which ticket, what is kept) is
decided by `accord.helpdesk.mail`, which calls this.

The header facts are read by `parse`; the sender, the automatic-message check and the body are
read when first asked for, in the order the intake asks for them, so that a message the intake
stops early (an unreadable sender, a bounce, a duplicate) is never opened further.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from functools import cached_property
from html.parser import HTMLParser
from typing import cast


class Unreadable(ValueError):
    """Not a message Accord can read (the intake answers EX_DATAERR with this reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class MailFile:
    """A file the message carries, as it came: the intake names it safely, checks it against
    the attachment limits and stores it."""

    index: int  # the part's place among the message's leaf parts, from 1
    filename: str  # as the message declares it; "" when it declares none or it is undecodable
    content_type: str
    data: bytes

    @property
    def default_name(self) -> str:
        """The name for a file that declares none: `attachment-3.png`."""
        extension = mimetypes.guess_extension(self.content_type) or ".bin"
        return f"attachment-{self.index}{extension}"


@dataclass(frozen=True)
class Body:
    """The message's text and the files it carries besides."""

    text: str
    files: tuple[MailFile, ...]


@dataclass(frozen=True)
class ParsedMail:
    """One message, read. `message` is the standard library's parse, for anything else."""

    message: EmailMessage
    message_id: str
    subject: str
    references: tuple[str, ...]  # the ids a reply refers to, the message it answers first
    subject_tickets: tuple[int, ...]  # the `[#12]` tags of the subject, in order

    @cached_property
    def sender(self) -> str:
        """The single address of the From header; `Unreadable` when there is not exactly one."""
        return sender_of(self.message)

    def automatic_reason(self, own_addresses: Collection[str]) -> str | None:
        """Why this is a message sent by a machine, to be kept and ignored, or None."""
        return automatic_reason(self.message, self.sender, own_addresses)

    def authentication_failures(self, domain: str) -> list[str]:
        return authentication_failures(self.message, domain)

    @cached_property
    def body(self) -> Body:
        text, part = body_of(self.message)
        return Body(text, tuple(files_of(self.message, part)))


# --- the headers ----------------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMail:
    """The message in `raw`, or `Unreadable` (empty, not parseable, no header fields)."""
    if not raw.strip():
        raise Unreadable("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is a message it cannot read at all
        raise Unreadable(f"the message cannot be parsed ({type(exc).__name__})") from None
    if not message.keys():
        raise Unreadable("not an RFC 822 message: it has no header fields")
    assert isinstance(message, EmailMessage)
    subject = _header(message, "Subject")
    return ParsedMail(
        message=message,
        message_id=message_id_of(message, raw),
        subject=subject,
        references=tuple(referenced_ids(message)),
        subject_tickets=tuple(int(m.group(1)) for m in _SUBJECT_TICKET.finditer(subject)),
    )


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """`text` as a database and a terminal take it: raw 8-bit bytes the parser kept as
    surrogates (undeclared header bytes) read as UTF-8 or else Windows-1252, other lone
    surrogates (a UTF-7 part can make them) replaced, NUL and other control characters but tab
    and line breaks removed (PostgreSQL refuses NUL in text, SQLite refuses surrogates)."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "replace")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
    return _CONTROLS.sub("", text)


def _header(message: Message, name: str) -> str:
    """A header's value on one line, printable; "" when absent or unreadable."""
    try:
        value = message.get(name)
        return printable(" ".join(str(value).split())) if value is not None else ""
    except Exception:  # a header the parser chokes on reads as absent
        return ""


def sender_of(message: Message) -> str:
    addresses: Sequence[Address]
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ()) if header is not None else ()
    except Exception:
        addresses = ()
    if len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        raise Unreadable("the message has no single sender address in its From header")
    address = f"{addresses[0].username}@{addresses[0].domain}"
    if _CONTROLS.search(address) or any(c.isspace() for c in address) or address.count("@") != 1:
        raise Unreadable("the message has no single sender address in its From header")
    return printable(address)


# The longest Message-ID kept as it is (the database's columns for ids hold 300 characters).
MAX_ID_LENGTH = 300
_ANGLE_ID = re.compile(r"<[^<>\s]+>")
_SUBJECT_TICKET = re.compile(r"\[#(\d+)\]")


def message_id_of(message: Message, raw: bytes) -> str:
    """The Message-ID, or for a message without one an id made from its content (so a second
    delivery of it is still recognised)."""
    found: list[str] = _ANGLE_ID.findall(_header(message, "Message-ID"))
    if found and len(found[0]) <= MAX_ID_LENGTH:
        return found[0]
    if found:  # longer than the columns that keep ids: an id made from it, the same each time
        digest = hashlib.sha256(found[0].encode("utf-8", "replace")).hexdigest()[:40]
        return f"<sha256-{digest}@long-message-id.invalid>"
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


def automatic_reason(message: Message, address: str, own_addresses: Collection[str]) -> str | None:
    """Why a message is an automatic one Accord ignores (without bouncing, which would answer
    a machine with a machine), or None. `own_addresses` are Accord's own, lower case: a
    message from one of them is a mail loop."""
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
    if address.lower() in own_addresses:
        return "a message from Accord's own address (a mail loop): ignored"
    return None


# --- the checks on the sender's domain ------------------------------------------------------


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
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (AttributeError, TypeError):
        # The standard library trips over a malformed multipart (a nested part whose payload
        # is plain text): such a message has no body it can find, the rest is still read.
        part = None
    if part is None:
        return "", None
    text = printable(decode_text(part))
    if part.get_content_subtype() == "html":
        return html_to_text(text), part
    return tidy(text), part


_ATTRIBUTION = re.compile(r"^(on\b.*\bwrote|le\b.*\ba écrit|am\b.*\bschrieb)\s*:\s*$", re.I)
_OUTLOOK_SEPARATORS = ("-----original message-----", "-------- original message --------")


def strip_quoted(text: str, *, marker: str) -> str:
    """A reply without what it quotes: everything from an "On ... wrote:" line (also when
    wrapped onto two lines), an Outlook "-----Original Message-----" or "From:/Sent:" block,
    the `marker` line Accord's own emails carry ("Reply above this line") or a "-- " signature
    on; and `>` lines."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        lowered = stripped.lower()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if (
            marker.lower() in lowered
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


# --- attachments ----------------------------------------------------------------------------


def _leaf_parts(part: Message) -> Iterator[Message]:
    """The parts of a message that are not containers; a forwarded message (message/rfc822)
    is one part, not opened."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        yield from _leaf_parts(cast(Message, child))


def files_of(message: Message, body: Message | None) -> Iterator[MailFile]:
    """The files the message carries: every leaf part but the body and the alternative
    renderings of the text (those stay in the raw message); a forwarded message is one file."""
    for index, part in enumerate(_leaf_parts(message), start=1):
        if part is body:
            continue
        disposition = part.get_content_disposition()
        maintype = part.get_content_maintype()
        if disposition != "attachment" and not part.get_filename() and maintype == "text":
            continue  # an alternative rendering of the text, kept in the raw message
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = cast(Message, inner[0]).as_bytes() if isinstance(inner, list) and inner else b""
        else:
            decoded = part.get_payload(decode=True)
            data = decoded if isinstance(decoded, bytes) else b""
        try:
            filename = printable(part.get_filename() or "")
        except Exception:  # an undecodable name
            filename = ""
        yield MailFile(index, filename, part.get_content_type(), data)
