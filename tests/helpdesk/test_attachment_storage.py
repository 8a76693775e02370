"""Attachment files follow their rows: a rolled-back attach leaves no file, a committed one
keeps it (accord.helpdesk.attachments stores through Django's storage API, which is not
transactional)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accord.helpdesk import services
from accord.helpdesk.attachments import attach
from accord.helpdesk.models import Attachment, Ticket

# Real commits and rollbacks; serialized_rollback restores the data migrations' rows (regions,
# modules) that a transactional test's flush removes.
committing_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONTENT = bytes(range(256)) * 40  # every byte value, so a text-mode read would show


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Attachments go to a private directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def report(world: Any) -> Ticket:
    return services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Upload fails", severity=2),
    )


def attach_log(ticket: Ticket, user: Any, name: str = "trace.log") -> Attachment:
    return attach(ticket, uploaded_by=user, upload=ContentFile(CONTENT, name=name))


@committing_db
def test_a_rolled_back_transaction_leaves_no_file(world: Any, media: Path) -> None:
    ticket = report(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        attachment = attach_log(ticket, world.acme_reporter)
        assert (media / attachment.file.name).is_file()
        raise RuntimeError("an error after the attach")
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@committing_db
def test_a_rolled_back_savepoint_removes_only_its_file(world: Any, media: Path) -> None:
    ticket = report(world)
    with transaction.atomic():
        kept = attach_log(ticket, world.acme_reporter, "kept.log")
        try:
            with transaction.atomic():
                attach_log(ticket, world.acme_reporter, "dropped.log")
                raise RuntimeError("an error after the inner attach")
        except RuntimeError:
            pass
    gc.collect()
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["kept.log"]
    assert stored_files(media) == [media / kept.file.name]


@committing_db
def test_a_committed_attachment_keeps_its_file_and_downloads_byte_for_byte(
    world: Any, media: Path
) -> None:
    ticket = report(world)
    with transaction.atomic():
        attachment = attach_log(ticket, world.acme_reporter)
    gc.collect()  # anything left to finalise would have to keep the file
    stored = Attachment.objects.get()
    assert stored_files(media) == [media / stored.file.name]
    client = Client()
    client.force_login(world.acme_admin)
    download = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == CONTENT


@committing_db
def test_a_committed_file_is_kept_when_an_earlier_on_commit_callback_raises(
    world: Any, media: Path
) -> None:
    # Django then skips the later callbacks, attach's marker among them, although the
    # transaction committed: the file must stay with its row.
    ticket = report(world)

    def fail() -> None:
        raise RuntimeError("an on-commit callback fails")

    try:
        with transaction.atomic():
            transaction.on_commit(fail)
            attach_log(ticket, world.acme_reporter)
    except RuntimeError:
        pass
    gc.collect()
    stored = Attachment.objects.get()
    assert stored_files(media) == [media / stored.file.name]
    with stored.file.open("rb") as handle:
        assert handle.read() == CONTENT


def test_a_failed_insert_leaves_no_file_and_raises(
    world: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = report(world)
    real_save = Attachment.save

    def invalid_save(self: Attachment, *args: Any, **kwargs: Any) -> None:
        self.size = -1  # the database's check on a positive size refuses the row
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", invalid_save)
    with pytest.raises(IntegrityError):
        attach_log(ticket, world.acme_reporter)
    assert stored_files(media) == []
    # The insert failed in its own savepoint: the caller's transaction is still usable.
    assert not Attachment.objects.exists()
