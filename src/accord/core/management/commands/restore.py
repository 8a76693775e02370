"""`accord restore FILE`: a backup into an empty database (accord.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `accord backup` into the configured database, which must "
        "be empty. Stop the web servers and workers first; run `accord migrate` after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a file written by `accord backup`")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {options['file']}")
