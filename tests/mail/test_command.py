"""`accord mail-ingest` as a mail server runs it: a subprocess, the message on standard input,
the exit status and one line on standard error (on a file-based SQLite database)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

SETUP = """
from accord.accounts.models import Role
from accord.accounts.services import create_organisation, create_user
from accord.catalogue.models import Region
acme = create_organisation(
    name="Acme", slug="acme", region=Region.objects.get(code="us"), email_domains="acme.test"
)
create_user(email="rita@acme.test", role=Role.REPORTER, organisation=acme)
"""


def _message(sender: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@accord.localhost"
    message["Subject"] = "[Sev 2] Reporting: exports are empty"
    message["Message-ID"] = message_id
    message.set_content("Every export since Monday is empty.\n")
    return message.as_bytes()


@pytest.mark.slow
def test_mail_ingest_exit_statuses_in_a_subprocess(run_accord: Any, tmp_path: Path) -> None:
    data = tmp_path / "accord-data"  # where run_accord's children keep their database
    assert run_accord("migrate", "--no-input").returncode == 0
    setup = run_accord("shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr

    accord = str(Path(sys.executable).with_name("accord"))

    def ingest(raw: bytes, command: str = "mail-ingest", data_dir: Path = data) -> Any:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["ACCORD_DATA_DIR"] = str(data_dir)
        return subprocess.run(
            [accord, command], input=raw, env=env, capture_output=True, timeout=60, check=False
        )

    created = ingest(_message("Rita <rita@acme.test>", "<one@acme.test>"))
    assert created.returncode == 0, created.stderr.decode()
    assert created.stdout.decode().startswith("created: opened ticket #1")

    # The same message delivered again (the module-name spelling works too): nothing new.
    again = ingest(_message("Rita <rita@acme.test>", "<one@acme.test>"), command="mail_ingest")
    assert again.returncode == 0 and again.stdout.decode().startswith("duplicate:")

    unknown = ingest(_message("Mallory <mallory@evil.test>", "<two@evil.test>"))
    assert unknown.returncode == 67  # EX_NOUSER: the mail server bounces it
    reason = unknown.stderr.decode()
    assert reason.count("\n") == 1 and "mallory@evil.test is not an Accord user" in reason

    garbage = ingest(b"\x00\x01\x02 this is not mail \xff")
    assert garbage.returncode == 65  # EX_DATAERR
    assert garbage.stderr.decode().count("\n") == 1

    # A database without Accord's tables: a temporary failure, the mail server retries.
    empty = tmp_path / "empty-data"
    failed = ingest(_message("rita@acme.test", "<three@acme.test>"), data_dir=empty)
    assert failed.returncode == 75, failed.stderr.decode()  # EX_TEMPFAIL, one line
    assert failed.stderr.decode().count("\n") == 1
    assert (
        failed.stderr.decode()
        .strip()
        .splitlines()[-1]
        .startswith("accord mail-ingest: temporary failure: database error")
    )

    with sqlite3.connect(data / "accord.sqlite3") as db:
        tickets = db.execute("SELECT summary, severity, channel FROM helpdesk_ticket").fetchall()
        kept = db.execute("SELECT outcome FROM helpdesk_inboundmessage ORDER BY id").fetchall()
    assert tickets == [("Reporting: exports are empty", 2, "email")]
    assert [row[0] for row in kept] == ["created", "duplicate", "refused", "invalid"]
