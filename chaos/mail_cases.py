"""Hostile email messages for `accord mail-ingest`: hand-made cases and hypothesis strategies.

Pure (the standard library and hypothesis, no Django): chaos/mail_fuzz.py and
tests/mail/test_fuzz.py both draw their messages from here. Each message is raw bytes, as a
mail server pipes it: malformed MIME, unknown charsets, huge headers, missing, several or
forged senders, nested multiparts, oversized and oddly named attachments, binary junk, empty
input, and mutations (truncated, bytes flipped) of well-formed messages.

The senders are the people of the fuzz world (`KNOWN_SENDERS`: a customer reporter and a staff
agent); `ticket` (default `TICKET`) is the number of a ticket the world holds, so that replies
reach the comment path.
"""

from __future__ import annotations

import base64
import quopri

from hypothesis import strategies as st

KNOWN_SENDERS = ("rita@acme.test", "alex@vendor.test")
TICKET = 1
# The fuzz runs with a small attachment limit, so "oversized" costs little memory.
ATTACHMENT_LIMIT = 64 * 1024

CRLF = b"\r\n"


def message(
    headers: list[tuple[str, str | bytes]],
    body: bytes = b"The release page is down since 08:00.\n",
    *,
    newline: bytes = b"\n",
) -> bytes:
    lines = []
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        lines.append(name.encode("utf-8", "surrogateescape") + b": " + raw)
    return newline.join(lines) + newline + newline + body


def _base(
    sender: str = "Rita <rita@acme.test>", subject: str = "Reporting: exports fail"
) -> list[tuple[str, str | bytes]]:
    return [
        ("From", sender),
        ("To", "support@accord.localhost"),
        ("Subject", subject),
        ("Message-ID", "<hand@acme.test>"),
    ]


def _multipart(
    parts: list[bytes], boundary: str = "b0", subtype: str = "mixed"
) -> tuple[list[tuple[str, str | bytes]], bytes]:
    headers: list[tuple[str, str | bytes]] = [
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'),
    ]
    body = b"".join(b"--" + boundary.encode() + b"\n" + part + b"\n" for part in parts)
    return headers, body + b"--" + boundary.encode() + b"--\n"


def _part(content_type: str, payload: bytes, *, extra: str = "", cte: str = "") -> bytes:
    head = f"Content-Type: {content_type}\n"
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\n"
    if extra:
        head += extra.rstrip("\n") + "\n"
    return head.encode("utf-8", "surrogateescape") + b"\n" + payload


def hand_made(ticket: int = TICKET) -> list[tuple[str, bytes]]:
    """Named messages, each a known way for mail to be hostile."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    big = base64.encodebytes(b"\x00" * (ATTACHMENT_LIMIT + 1))
    cases: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("whitespace only", b"  \r\n\t\n"),
        ("one NUL", b"\x00"),
        ("binary junk", bytes(range(256)) * 4),
        ("no header fields", b"\nJust a body.\n"),
        ("header without colon", b"This is not a header\nFrom: rita@acme.test\n\nbody\n"),
        ("only a From", b"From: rita@acme.test\n"),
        ("missing From", message([("Subject", "no sender"), ("Message-ID", "<nf@x>")])),
        ("empty From", message([("From", ""), ("Subject", "x")])),
        ("From without domain", message([("From", "rita"), ("Subject", "x")])),
        ("two senders", message([("From", "rita@acme.test, alex@vendor.test"), ("Subject", "x")])),
        (
            "group From",
            message([("From", "team: rita@acme.test, adam@acme.test;"), ("Subject", "x")]),
        ),
        ("unknown sender", message(_base("Mallory <mallory@evil.test>"))),
        ("display name forging an address", message(_base('"rita@acme.test" <mallory@evil.test>'))),
        (
            "encoded-word From",
            message(_base("=?utf-8?b?cml0YUBhY21lLnRlc3Q=?= <mallory@evil.test>")),
        ),
        ("From with NUL", message(_base("rita\x00@acme.test"))),
        (
            "From with 8-bit bytes",
            message([("From", b"R\xe9ta <r\xe9ta@acme.test>"), ("Subject", "x")]),
        ),
        ("From unknown charset word", message(_base("=?x-klingon?q?Rita?= <rita@acme.test>"))),
        (
            "dmarc fail for the From domain",
            message(
                [*_base(), ("Authentication-Results", "mx.test; dmarc=fail header.from=acme.test")]
            ),
        ),
        (
            "spf fail, unterminated comment",
            message(
                [*_base(), ("Authentication-Results", "mx; spf=fail (oops smtp.mailfrom=acme.test")]
            ),
        ),
        ("huge subject", message(_base(subject="x" * 200_000))),
        ("huge folded header", message([*_base(), ("X-Junk", "\n ".join(["y" * 70] * 5000))])),
        ("10,000 headers", message([*_base(), *[(f"X-H{i}", "v") for i in range(10_000)]])),
        ("huge Message-ID", message([*_base()[:3], ("Message-ID", "<" + "m" * 5000 + "@x>")])),
        ("Message-ID with NUL", message([*_base()[:3], ("Message-ID", "<a\x00b@x>")])),
        ("subject with NUL", message(_base(subject="down\x00now"))),
        (
            "subject with 8-bit bytes",
            message(
                [*_base()[:2], ("Subject", b"Pr\xfcfung \xff\xfe"), ("Message-ID", "<8bit@x>")]
            ),
        ),
        ("subject unknown charset", message(_base(subject="=?x-unknown?b?aGVsbG8=?="))),
        (
            "subject broken encoded word",
            message(_base(subject="=?utf-8?q?=ZZ=?= =?utf-8?b?####?=")),
        ),
        ("subject ticket tag huge number", message(_base(subject="[#99999999999999999999999] re"))),
        ("body with NUL", message(_base(), b"before\x00after\n")),
        ("body 8-bit undeclared", message(_base(), b"caf\xe9 \xff\xfe\xfd\n")),
        (
            "unknown charset",
            message([*_base(), ("Content-Type", "text/plain; charset=x-klingon")], b"qapla'\n"),
        ),
        (
            "charset naming a codec that is not text",
            message([*_base(), ("Content-Type", "text/plain; charset=base64")], b"aGVsbG8=\n"),
        ),
        (
            "charset rot13",
            message([*_base(), ("Content-Type", "text/plain; charset=rot13")], b"uryyb\n"),
        ),
        (
            "charset idna",
            message([*_base(), ("Content-Type", "text/plain; charset=idna")], b"\xff\xfe\n"),
        ),
        (
            "charset utf-16 odd bytes",
            message([*_base(), ("Content-Type", "text/plain; charset=utf-16")], b"\xff\xfea\n"),
        ),
        (
            "broken base64",
            message(
                [*_base(), ("Content-Type", "text/plain"), ("Content-Transfer-Encoding", "base64")],
                b"!!!not base64===\n",
            ),
        ),
        (
            "unknown transfer encoding",
            message(
                [
                    *_base(),
                    ("Content-Type", "text/plain"),
                    ("Content-Transfer-Encoding", "x-rot13"),
                ],
                b"uryyb\n",
            ),
        ),
        (
            "content type without subtype",
            message([*_base(), ("Content-Type", "text")], b"hello\n"),
        ),
        (
            "multipart without boundary",
            message([*_base(), ("Content-Type", "multipart/mixed")], b"--x\n\nhello\n--x--\n"),
        ),
        (
            "multipart boundary never used",
            message([*_base(), ("Content-Type", 'multipart/mixed; boundary="zz"')], b"hello\n"),
        ),
        (
            "multipart never closed",
            message(
                [*_base(), ("Content-Type", 'multipart/mixed; boundary="b"')],
                b"--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: image/png\n\n",
            ),
        ),
    ]
    nested = _part("text/plain", b"deep\n")
    for depth in range(60):
        h, b = _multipart([nested], boundary=f"n{depth}")
        nested = (
            b"\n".join(f"{k}: {v!s}".encode() for k, v in h if isinstance(v, str)) + b"\n\n" + b
        )
    cases.append(("multiparts nested 60 deep", message(_base(), nested)))
    h, b = _multipart(
        [
            _part("text/plain", b"see attached\n"),
            _part(
                "image/png",
                big,
                cte="base64",
                extra='Content-Disposition: attachment; filename="big.png"',
            ),
        ]
    )
    cases.append(("oversized attachment", message([*_base(), *h], b)))
    h, b = _multipart(
        [_part("text/plain", b"files\n")]
        + [
            _part(
                "image/png",
                base64.encodebytes(png),
                cte="base64",
                extra=f'Content-Disposition: attachment; filename="{name}"',
            )
            for name in (
                "../../etc/passwd.png",
                "..",
                "",
                "C:\\boot.ini.png",
                "a" * 400 + ".png",
                "nul\x00.png",
                "x.exe",
                "noext",
            )
        ]
    )
    cases.append(("attachment names", message([*_base(), *h], b)))
    h, b = _multipart(
        [_part("text/plain", b"rfc2231\n")]
        + [
            _part(
                "image/png",
                base64.encodebytes(png),
                cte="base64",
                extra=f"Content-Disposition: attachment; {param}",
            )
            for param in (
                "filename*=x-unknown''%FF%FE.png",
                "filename*=utf-8''%ff%fe%00.png",
                "filename*0*=utf-8''a; filename*2=b.png",
                'filename="=?x-bogus?q?a?=.png"',
                "filename*=''",
            )
        ]
    )
    cases.append(("RFC 2231 names", message([*_base(), *h], b)))
    h, b = _multipart(
        [_part("text/plain", b"x\n")] * 30
        + [
            _part(
                "image/png",
                base64.encodebytes(png),
                cte="base64",
                extra='Content-Disposition: attachment; filename="p.png"',
            )
        ]
        * 30
    )
    cases.append(("60 parts, 30 files", message([*_base(), *h], b)))
    h, b = _multipart(
        [
            _part("message/rfc822", b"From: x@y\nSubject: inner\n\ninner body\n"),
            _part("message/rfc822", b"\xff\xfe junk"),
        ]
    )
    cases.append(("forwarded messages", message([*_base(), *h], b)))
    h, b = _multipart(
        [
            _part(
                "text/html; charset=x-unknown",
                b"<p>hi<script>x</script><a href='javascript:1'>l</a>",
            ),
            _part("text/plain; charset=utf-8", b"\xff"),
        ],
        subtype="alternative",
    )
    cases.append(("alternative, bad charsets", message([*_base(), *h], b)))
    cases.append(
        (
            "html deeply nested",
            message(
                [*_base(), ("Content-Type", "text/html")],
                b"<div>" * 5000 + b"x" + b"<blockquote>" * 3000,
            ),
        )
    )
    cases.append(
        (
            "reply to the ticket",
            message(
                [
                    *_base(subject=f"Re: [#{ticket}] down"),
                    ("In-Reply-To", f"<ticket-{ticket}.reported@accord.localhost>"),
                ],
                b"Still down.\n> quoted\n",
            ),
        )
    )
    cases.append(
        ("reply, only quote", message(_base(subject=f"Re: [#{ticket}] down"), b"> quoted\n"))
    )
    cases.append(("reply to another ticket", message(_base(subject="Re: [#424242] down"))))
    cases.append(("staff opens a ticket", message(_base("Alex <alex@vendor.test>"))))
    cases.append(("automatic", message([*_base(), ("Auto-Submitted", "auto-replied")])))
    cases.append(("bounce", message([("Return-Path", "<>"), *_base()])))
    cases.append(
        ("mbox From line", b"From rita@acme.test Mon Mar  9 09:00:00 2026\n" + message(_base()))
    )
    cases.append(("CRLF", message(_base(), b"crlf body\r\n", newline=CRLF)))
    cases.append(("bare CR", message(_base(), b"cr body\r", newline=b"\r")))
    cases.append(
        (
            "quoted-printable soft breaks",
            message(
                [*_base(), ("Content-Transfer-Encoding", "quoted-printable")],
                quopri.encodestring(b"x" * 1000 + b"=\xff"),
            ),
        )
    )
    cases.append(
        ("date far future", message([*_base(), ("Date", "Fri, 31 Dec 9999 23:59:59 -1200")]))
    )
    cases.append(("date garbage", message([*_base(), ("Date", "not a date 99:99")])))
    # Each its own Message-ID, so that none is taken for a second delivery of another.
    return [
        (name, raw.replace(b"<hand@acme.test>", f"<hand-{index}@acme.test>".encode()))
        for index, (name, raw) in enumerate(cases)
    ]


# --- hypothesis ---------------------------------------------------------------------------

_CHARSETS = st.sampled_from(
    [
        "utf-8",
        "us-ascii",
        "iso-8859-1",
        "windows-1252",
        "utf-16",
        "utf-7",
        "koi8-r",
        "x-unknown",
        "",
        "idna",
        "base64",
        "zlib",
        "shift_jis",
        "gb18030",
    ]
)
_CTES = st.sampled_from(
    ["", "7bit", "8bit", "binary", "base64", "quoted-printable", "x-bogus", "uuencode"]
)
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
_JUNK = st.binary(max_size=400)
_NAMES = st.one_of(
    st.sampled_from(
        [
            "report.pdf",
            "log.txt",
            "shot.png",
            "a.exe",
            "",
            "..",
            "../x.png",
            "x" * 300 + ".log",
            "a.PNG",
            "no-extension",
        ]
    ),
    _TEXT,
)


def _encode(payload: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(payload)
    if cte == "quoted-printable":
        return quopri.encodestring(payload)
    return payload


def _header_value() -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        _TEXT,
        _JUNK,
        st.builds(
            lambda c, t: f"=?{c}?b?{base64.b64encode(t.encode()).decode()}?=", _CHARSETS, _TEXT
        ),
        st.builds(lambda c, t: f"=?{c}?q?{t}?=", _CHARSETS, _TEXT),
        st.builds(lambda n: "h" * n, st.integers(0, 20_000)),
    )


_KNOWN = st.sampled_from([f"Rita <{KNOWN_SENDERS[0]}>", KNOWN_SENDERS[0], KNOWN_SENDERS[1]])
_SENDER = st.one_of(
    _KNOWN,
    _KNOWN,
    _KNOWN,
    st.sampled_from(
        [
            f"Rita <{KNOWN_SENDERS[0]}>",
            KNOWN_SENDERS[0],
            f"<{KNOWN_SENDERS[1]}>",
            "RITA@ACME.TEST",
            "",
            "rita@",
            "@acme.test",
            "a@b, c@d",
            "undisclosed-recipients:;",
            "Mallory <m@evil.test>",
        ]
    ),
    _header_value(),
)


@st.composite
def _leaf(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(
            [
                "text/plain",
                "text/html",
                "image/png",
                "application/pdf",
                "application/octet-stream",
                "message/rfc822",
                "text/x-weird",
                "bogus",
            ]
        )
    )
    charset = draw(_CHARSETS)
    cte = draw(_CTES)
    size = draw(st.sampled_from([0, 10, 1000, ATTACHMENT_LIMIT - 1, ATTACHMENT_LIMIT + 1]))
    payload = (
        draw(st.one_of(_TEXT.map(lambda t: t.encode()), _JUNK))
        if size <= 10
        else draw(_JUNK) * 0 + b"z" * size
    )
    content_type = kind + (f"; charset={charset}" if charset and kind.startswith("text") else "")
    extra = ""
    if draw(st.booleans()):
        disposition = draw(st.sampled_from(["attachment", "inline", "bogus", ""]))
        name = draw(_NAMES).replace('"', "").replace("\n", "")
        extra = f'Content-Disposition: {disposition}; filename="{name}"'
    return _part(content_type, _encode(payload, cte), extra=extra, cte=cte)


def _tree(leaves: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    def wrap(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
        return st.builds(
            lambda parts, subtype, boundary, close: _nest(parts, subtype, boundary, close),
            children,
            st.sampled_from(["mixed", "alternative", "related", "report", "digest", "signed"]),
            st.sampled_from(["b", "==", "x" * 70, "", "a b"]),
            st.booleans(),
        )

    return st.recursive(leaves, lambda inner: wrap(st.lists(inner, max_size=4)), max_leaves=12)


def _nest(parts: list[bytes], subtype: str, boundary: str, close: bool) -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode()
    body = b"".join(b"--" + boundary.encode() + b"\n" + part + b"\n" for part in parts)
    return head + body + (b"--" + boundary.encode() + b"--\n" if close else b"")


@st.composite
def structured(draw: st.DrawFn, ticket: int = TICKET) -> bytes:
    """A message with a plausible shape and hostile details."""
    headers: list[tuple[str, str | bytes]] = []
    if draw(st.integers(0, 9)):
        headers.append(("From", draw(_SENDER)))
    headers.append(("To", "support@accord.localhost"))
    headers.append(
        (
            "Subject",
            draw(
                st.one_of(
                    _header_value(),
                    st.sampled_from(
                        [f"Re: [#{ticket}] x", "[Sev 1] Reporting down", "[#0]", "Severity: 9"]
                    ),
                )
            ),
        )
    )
    if draw(st.booleans()):
        headers.append(
            (
                "Message-ID",
                draw(
                    st.one_of(
                        st.sampled_from(["<same@x>", "<a@b>", "<>", "no-angle"]), _header_value()
                    )
                ),
            )
        )
    if draw(st.booleans()):
        headers.append(
            (
                "In-Reply-To",
                draw(
                    st.sampled_from(
                        [
                            f"<ticket-{ticket}.reported@accord.localhost>",
                            "<ticket-999999999999999999999.x@accord.localhost>",
                            "<ticket-.x@y>",
                            "<<<>>>",
                        ]
                    )
                ),
            )
        )
    for name in draw(
        st.lists(
            st.sampled_from(
                [
                    "Authentication-Results",
                    "Auto-Submitted",
                    "Precedence",
                    "X-Autoreply",
                    "Return-Path",
                    "References",
                    "Date",
                    "MIME-Version",
                    "Content-Disposition",
                    "X-Random",
                ]
            ),
            max_size=4,
        )
    ):
        headers.append(
            (
                name,
                draw(
                    st.one_of(
                        st.sampled_from(
                            [
                                "dmarc=fail header.from=acme.test",
                                "x; spf=fail smtp.mailfrom=acme.test",
                                "auto-replied",
                                "bulk",
                                "<>",
                                "no",
                            ]
                        ),
                        _header_value(),
                    )
                ),
            )
        )
    if draw(st.booleans()):
        body = draw(_tree(_leaf()))
        head, _, rest = body.partition(b"\n\n")
        block = message(headers, b"", newline=b"\n")[:-1]
        return block + head + b"\n\n" + rest
    return message(headers, draw(st.one_of(_TEXT.map(lambda t: t.encode()), _JUNK)))


@st.composite
def mutated(draw: st.DrawFn, ticket: int = TICKET) -> bytes:
    """A hand-made or structured message, then truncated, with bytes flipped or spliced."""
    raw = draw(
        st.one_of(
            st.sampled_from([raw for _, raw in hand_made(ticket) if len(raw) < 50_000]),
            structured(ticket),
        )
    )
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "splice", "crlf"]))
        at = draw(st.integers(0, max(0, len(raw))))
        if op == "truncate":
            raw = raw[:at]
        elif op == "flip" and raw:
            i = min(at, len(raw) - 1)
            raw = raw[:i] + bytes([raw[i] ^ draw(st.integers(1, 255))]) + raw[i + 1 :]
        elif op == "splice":
            raw = raw[:at] + draw(_JUNK) + raw[at:]
        else:
            raw = raw.replace(b"\n", b"\r\n")
    return raw


def messages(ticket: int = TICKET) -> st.SearchStrategy[bytes]:
    """Every kind of hostile message: structured, mutated, or plain junk; replies name
    `ticket`."""
    return st.one_of(structured(ticket), mutated(ticket), _JUNK, st.just(b""))
