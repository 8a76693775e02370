"""Files attached to tickets: size and type limits, storage through Django's storage API.

Limits come from settings (`ACCORD_ATTACHMENT_MAX_BYTES`, `ACCORD_ATTACHMENT_EXTENSIONS`).
Files are stored under `attachments/<organisation>/<ticket>/` and only ever served by the
access-checked download view, as attachments (never rendered inline by the browser).
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.utils import timezone
from django.utils.text import get_valid_filename

from accord.accounts.access import is_staff
from accord.accounts.models import User
from accord.helpdesk.models import Attachment, Comment, Ticket
from accord.helpdesk.services import ActionRefused


def allowed_extensions() -> list[str]:
    return sorted({e.lower().lstrip(".") for e in settings.ACCORD_ATTACHMENT_EXTENSIONS})


def max_bytes() -> int:
    return int(settings.ACCORD_ATTACHMENT_MAX_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def limits_text() -> str:
    return (
        f"Up to {_megabytes(max_bytes())}. Accepted types: "
        + ", ".join(f".{e}" for e in allowed_extensions())
        + "."
    )


def clean_filename(name: str) -> str:
    """The base name of an uploaded file, made safe for storage and for a download header."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    try:
        cleaned = get_valid_filename(base)
    except SuspiciousFileOperation:  # names such as "" or ".."
        cleaned = ""
    return cleaned[-200:]


def attach(
    ticket: Ticket,
    *,
    uploaded_by: User,
    upload: File,
    internal: bool = False,
    comment: Comment | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Store a file on the ticket, refusing what is too large or of a type not accepted."""
    if internal and not is_staff(uploaded_by):
        raise ActionRefused("only staff attach staff-only files")
    filename = clean_filename(upload.name or "")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not filename or extension not in allowed_extensions():
        kind = f".{extension} files" if extension else "files without an extension"
        raise ActionRefused(
            f"file: {kind} are not accepted; accepted types are "
            + ", ".join(f".{e}" for e in allowed_extensions())
        )
    size = upload.size or 0
    if size == 0:
        raise ActionRefused("file: the file is empty")
    if size > max_bytes():
        raise ActionRefused(
            f"file: {filename} is {_megabytes(size)}; the largest accepted is "
            f"{_megabytes(max_bytes())}"
        )
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        filename=filename,
        content_type=content_type,
        size=size,
        internal=internal,
        uploaded_by=uploaded_by,
        created_at=now or timezone.now(),
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    return attachment
