"""`accord mail-ingest`: read one RFC 822 message on standard input, as a mail server hands it
to a program, and open a ticket or add a comment (see accord.helpdesk.mail, docs/email.md).

The exit status is what the mail server acts on: 0 delivered, 65 (EX_DATAERR) and 67
(EX_NOUSER) bounce with the one line written on standard error, 75 (EX_TEMPFAIL) makes the
server keep the message and try again later. Django names commands after their modules, so the
module is `mail_ingest`; `accord.cli` maps the documented `mail-ingest` to it (both work).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, DataError, IntegrityError

from accord.helpdesk import mail

logger = logging.getLogger("accord.helpdesk.mail")


class Command(BaseCommand):
    help = (
        "Read one email message on standard input: a new message opens a ticket, a reply adds "
        "a comment. Exit status 0 done, 65 unreadable, 67 refused sender, 75 try again later."
    )
    # Run once per message by the mail server: skip the system checks, start fast.
    requires_system_checks: list[str] = []
    # `call_command("mail_ingest", stdin=io.BytesIO(raw))` reads the message from there.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            help="read the message from this file instead of standard input",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: BinaryIO = options.get("stdin") or sys.stdin.buffer
        try:
            raw = options["file"].read_bytes() if options["file"] else source.read()
        except OSError as exc:
            self._exit(mail.EX_TEMPFAIL, f"cannot read the message: {exc.strerror}")
        try:
            outcome = mail.ingest(raw)
        except DatabaseError as exc:
            if isinstance(exc, DataError | IntegrityError):
                # The database is up and refused what this message made of it (a value out of
                # range, say): a bug. Keep the raw message beside the mail server's copy.
                self._keep(raw, exc)
            self._exit(mail.EX_TEMPFAIL, f"temporary failure: database error ({exc})")
        except Exception as exc:  # a bug must not lose the message: the server retries
            # The traceback goes to the log (standard error unless logging is configured);
            # the last line stays the one-line reason.
            logger.error("unexpected error while ingesting a message", exc_info=True)
            self._keep(raw, exc)
            self._exit(
                mail.EX_TEMPFAIL, f"temporary failure: internal error ({type(exc).__name__})"
            )
        if outcome.status != mail.EX_OK:
            self._exit(outcome.status, outcome.reason)
        self.stdout.write(f"{outcome.outcome}: {outcome.reason}")

    def _keep(self, raw: bytes, exc: Exception) -> None:
        try:
            mail.record_error(raw, f"{type(exc).__name__}: {exc}")
        except Exception:
            logger.error("could not record the failed message", exc_info=True)

    def _exit(self, status: int, reason: str) -> NoReturn:
        # One line: the mail server quotes it in the bounce (or its log, for 75).
        self.stderr.write(f"accord mail-ingest: {' '.join(reason.split())}")
        raise SystemExit(status)
