"""Attachment files that no row references: the storage sweep behind `accord sweep`.

`accord.helpdesk.attachments` stores a file before its row commits and deletes it again when the
row is rolled back, but a process killed between the two (kill -9, a power cut, an out-of-memory
kill) leaves the file with no row. Such files are never served (downloads go through a row) and
are harmless but for the space they take; this finds them and, when asked, deletes them.

Only files older than a grace period are deleted: an upload in flight has its file written and
its row not yet committed, and must be left alone. The files are listed before the rows are
read, and each row is looked for once more just before its file is deleted, so a row committed
meanwhile keeps its file. Storage goes through Django's storage API (the local disk by default,
any other storage that can list, size and date its files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from accord.helpdesk.models import Attachment

# Where `attachment_path` puts every attachment file.
ROOT = "attachments"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_AGE = re.compile(r"\s*(\d+)\s*([smhd])\s*")


def parse_age(text: str) -> timedelta:
    """`90s`, `30m`, `1h`, `2d`: a grace period (ValueError naming the form otherwise)."""
    match = _AGE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an age such as 90s, 30m, 1h or 2d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Stray:
    """A stored file that no attachment row references."""

    name: str
    size: int
    modified: datetime

    def age(self, now: datetime) -> timedelta:
        return now - self.modified


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}")


def strays(storage: Storage | None = None) -> list[Stray]:
    """Every file under attachments/ that no `Attachment.file` names, with its size and time."""
    storage = storage or default_storage
    names = list(_walk(storage, ROOT))  # before the rows: a row committed later is seen
    referenced = set(Attachment.objects.values_list("file", flat=True))
    found = []
    for name in names:
        if name in referenced:
            continue
        try:
            found.append(Stray(name, storage.size(name), storage.get_modified_time(name)))
        except FileNotFoundError:  # deleted meanwhile
            continue
    return found


@dataclass(frozen=True)
class Swept:
    deleted: list[Stray]
    kept: list[Stray]  # too young (maybe an upload in flight), or referenced by now


def sweep(
    older_than: timedelta,
    *,
    delete: bool,
    now: datetime | None = None,
    storage: Storage | None = None,
) -> Swept:
    """The strays; with `delete`, those older than `older_than` are deleted."""
    storage = storage or default_storage
    now = now or timezone.now()
    deleted, kept = [], []
    for stray in strays(storage):
        old = stray.age(now) >= older_than
        if not (delete and old) or Attachment.objects.filter(file=stray.name).exists():
            kept.append(stray)
            continue
        storage.delete(stray.name)
        deleted.append(stray)
    return Swept(deleted, kept)
