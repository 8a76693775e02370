"""Fixtures for the email intake tests: messages built as a mail server would hand them over."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Attachments go to a throwaway directory, never var/media of the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


def pacific(text: str) -> Any:
    """A Pacific daylight time in the week of Monday 9 March 2026, e.g. "09T09:00"."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


def build_message(
    *,
    sender: str = "Rita Reporter <rita@acme.test>",
    subject: str = "Release Manager: deployments fail",
    body: str | None = "Every deployment to production fails since 08:00.\n",
    html: str | None = None,
    message_id: str | None = "<m1@mail.acme.test>",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A message from `sender` to the support address (text, HTML or both)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@accord.localhost"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(pacific("09T09:00"))
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        mail[name] = value
    if body is not None:
        mail.set_content(body)
        if html is not None:
            mail.add_alternative(html, subtype="html")
    elif html is not None:
        mail.set_content(html, subtype="html")
    return mail


@pytest.fixture
def make_message() -> Any:
    """`make_message(sender=..., subject=..., body=..., html=..., message_id=..., headers=...)`
    builds an `email.message.EmailMessage`; `.as_bytes()` is what the mail server pipes."""
    return build_message


@pytest.fixture
def at() -> Any:
    """`at("09T09:00")`: a Pacific daylight time in the week of Monday 9 March 2026."""
    return pacific
