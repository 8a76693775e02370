"""Files attached to tickets: size and type limits, storage through Django's storage API.

Limits come from settings (`ACCORD_ATTACHMENT_MAX_BYTES`, `ACCORD_ATTACHMENT_EXTENSIONS`).
Files are stored under `attachments/<organisation>/<ticket>/` and only ever served by the
access-checked download view, as attachments (never rendered inline by the browser).

Storage is not transactional, and `attach` runs inside its caller's transaction (portal form,
API, mail ingest). A stored file must not outlive a row that is rolled back, and must never be
deleted while its row is committed. Django has no rollback hook, so `attach`:

* inserts the row in a savepoint of its own and deletes the file if the insert fails;
* hands `transaction.on_commit` a marker that Django calls once the row is committed and drops
  unrun when the transaction, or a savepoint the row was written in, rolls back (documented).
  A `weakref.finalize` on the marker deletes the file when it is dropped unrun; CPython frees
  it at the rollback itself, so the file is gone by the time `atomic()` has exited.
* Django also drops later markers unrun when an earlier on-commit callback of a committed
  transaction raises. So the finalizer deletes only while the connection has a transaction
  open or is rolling one back (every rollback does), and keeps the file otherwise: a stray
  file is harmless, a committed attachment without its file is not. That test reads two
  undocumented connection attributes (`in_atomic_block`, `autocommit`), no queries, since it
  can run mid-rollback; tests/helpdesk/test_attachment_storage.py covers each case.

Storing the file only on commit (Django's advice for side effects) was not chosen: a store
failing after the commit would leave a committed row without its file.
"""

from __future__ import annotations

import logging
import mimetypes
import weakref
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage
from django.db import router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accord.accounts.access import is_staff
from accord.accounts.models import User
from accord.core.errors import Refused
from accord.helpdesk.models import Attachment, Comment, Ticket

logger = logging.getLogger(__name__)


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
        raise Refused(_("only staff attach staff-only files"))
    filename = clean_filename(upload.name or "")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not filename or extension not in allowed_extensions():
        accepted = ", ".join(f".{e}" for e in allowed_extensions())
        if extension:
            refusal = _(".%(extension)s files are not accepted; accepted types are %(accepted)s")
        else:
            refusal = _(
                "files without an extension are not accepted; accepted types are %(accepted)s"
            )
        raise Refused(refusal % {"extension": extension, "accepted": accepted}, field="file")
    size = upload.size or 0
    if size == 0:
        raise Refused(_("the file is empty"), field="file")
    if size > max_bytes():
        raise Refused(
            _("%(name)s is %(size)s; the largest accepted is %(largest)s")
            % {"name": filename, "size": _megabytes(size), "largest": _megabytes(max_bytes())},
            field="file",
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
    _store(attachment, filename, upload)
    return attachment


def _store(attachment: Attachment, filename: str, upload: File) -> None:
    """Store the file, then insert the row; the file goes again if the row does not last."""
    attachment.file.save(filename, upload, save=False)
    storage, name = attachment.file.storage, attachment.file.name
    using = router.db_for_write(Attachment, instance=attachment)
    try:
        # A savepoint, so that a failed insert leaves the caller's transaction usable.
        with transaction.atomic(using=using):
            attachment.save(using=using)
    except BaseException:
        _delete(storage, name)
        raise
    transaction.on_commit(
        _CommitMarker(storage, name, transaction.get_connection(using)), using=using
    )


class _CommitMarker:
    """Called by Django when the row is committed; dropped unrun when it is rolled back."""

    def __init__(self, storage: Storage, name: str, connection: BaseDatabaseWrapper) -> None:
        self._finalizer = weakref.finalize(self, _dropped_unrun, storage, name, connection)
        # At interpreter exit, keep the file rather than guess what became of the row.
        self._finalizer.atexit = False

    def __call__(self) -> None:
        self._finalizer.detach()


def _dropped_unrun(storage: Storage, name: str, connection: BaseDatabaseWrapper) -> None:
    # Read attributes only: this may run mid-rollback, where a query or a reconnect would
    # break the transaction handling that is running.
    if connection.in_atomic_block or not connection.autocommit:
        _delete(storage, name)
    else:  # dropped outside any transaction: not by a rollback (see the module docstring)
        logger.warning("kept %s: its on-commit marker was dropped outside a rollback", name)


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # an orphaned file is harmless; hiding the original error is not
        logger.warning("could not delete %s after its row was rolled back", name, exc_info=True)
