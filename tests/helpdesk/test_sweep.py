"""`accord sweep`: attachment files no row references (left by a process killed between
storing a file and committing its row) are listed, and with --delete removed once older than
the grace period; referenced files and uploads in flight are never touched."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accord.helpdesk import services, sweep
from accord.helpdesk.attachments import attach
from accord.helpdesk.models import Attachment


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stray(media: Path, name: str, size: int, hours_old: float) -> str:
    """A file as a killed process leaves it: stored, no row."""
    stored = default_storage.save(name, ContentFile(b"x" * size))
    then = time.time() - hours_old * 3600
    os.utime(media / stored, (then, then))
    return stored


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("sweep", *args, stdout=out)
    return out.getvalue()


def test_the_sweep_lists_then_deletes_only_old_unreferenced_files(world: Any, media: Path) -> None:
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Upload fails", severity=2),
    )
    kept = attach(ticket, uploaded_by=world.acme_reporter, upload=ContentFile(b"log", "a.log"))
    old_time = time.time() - 5 * 3600
    os.utime(media / kept.file.name, (old_time, old_time))  # old, but referenced
    folder = f"attachments/{world.acme.pk}/{ticket.pk}"
    crashed = _stray(media, f"{folder}/crash.log", 1234, hours_old=3)
    deep = _stray(media, f"attachments/{world.acme.pk}/999/orphan.png", 10, hours_old=30)
    in_flight = _stray(media, f"{folder}/uploading.pdf", 77, hours_old=0.1)

    listing = _run()  # a dry run: lists, deletes nothing
    assert f"stray    {crashed}  1234 bytes  3h" in listing
    assert f"stray    {deep}  10 bytes  1d" in listing
    assert f"{in_flight}  77 bytes  6m  (younger than 1h)" in listing
    assert kept.file.name not in listing
    assert listing.splitlines()[-1].startswith("3 unreferenced files, 1321 bytes; dry run")
    assert all(default_storage.exists(n) for n in (crashed, deep, in_flight, kept.file.name))

    swept = _run("--delete")
    assert f"deleted  {crashed}  1234 bytes" in swept and f"deleted  {deep}" in swept
    assert f"kept     {in_flight}" in swept
    assert swept.splitlines()[-1] == "3 unreferenced files, 1321 bytes; deleted 2, kept 1"
    assert not default_storage.exists(crashed) and not default_storage.exists(deep)
    assert default_storage.exists(in_flight)  # an upload in flight is never removed
    assert default_storage.exists(kept.file.name)
    assert Attachment.objects.get().file.name == kept.file.name

    # A longer grace keeps even the old ones; a shorter one takes the young one too.
    assert _run("--delete", "--older-than", "2d").endswith("deleted 0, kept 1\n")
    assert _run("--delete", "--older-than", "90s").endswith("deleted 1, kept 0\n")
    assert _run() == "0 unreferenced files, 0 bytes; dry run, nothing deleted " + (
        "(--delete deletes those older than the grace)\n"
    )


def test_a_row_committed_after_the_listing_keeps_its_file(
    world: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row is looked for again just before each delete."""
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Upload fails", severity=2),
    )
    late = attach(ticket, uploaded_by=world.acme_reporter, upload=ContentFile(b"log", "b.log"))
    old_time = time.time() - 5 * 3600
    os.utime(media / late.file.name, (old_time, old_time))
    real = sweep.strays

    def listed_before_the_commit(storage: Any = None) -> list[sweep.Stray]:
        with monkeypatch.context() as m:
            m.setattr(
                Attachment.objects, "values_list", lambda *a, **k: []
            )  # as if the row were not there yet
            return real(storage)

    monkeypatch.setattr(sweep, "strays", listed_before_the_commit)
    result = sweep.sweep(sweep.parse_age("1h"), delete=True)
    assert [s.name for s in result.kept] == [late.file.name] and result.deleted == []
    assert default_storage.exists(late.file.name)


def test_an_unreadable_grace_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="--older-than: '1 hour' is not an age"):
        call_command("sweep", "--older-than", "1 hour")
    assert _run() == "0 unreferenced files, 0 bytes; dry run, nothing deleted " + (
        "(--delete deletes those older than the grace)\n"
    )
