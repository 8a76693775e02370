"""`accord backup FILE`: a consistent copy of the database (accord.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up to FILE: pg_dump's custom format on PostgreSQL, SQLite's "
        "online backup otherwise. Safe while Accord runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup to write (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backed up to {options['file']}")
