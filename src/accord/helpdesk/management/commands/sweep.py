"""`accord sweep`: attachment files in storage that no row references (written by a process
that died before its transaction committed). A dry run by default: it lists them with their
sizes and ages; `--delete` removes those older than `--older-than` (default 1h), so that an
upload in flight is never removed. See accord.helpdesk.sweep and docs/reliability.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accord.helpdesk import sweep


def _age(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


class Command(BaseCommand):
    help = (
        "List attachment files that no row references (dry run); --delete removes those "
        "older than --older-than (default 1h)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="delete the old strays")
        parser.add_argument(
            "--older-than",
            default="1h",
            help="only files at least this old are deleted: 90s, 30m, 1h, 2d (default 1h)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            grace = sweep.parse_age(options["older_than"])
        except ValueError as exc:
            raise CommandError(f"--older-than: {exc}") from None
        now = timezone.now()
        result = sweep.sweep(grace, delete=options["delete"], now=now)
        for stray in result.deleted:
            self.stdout.write(f"deleted  {stray.name}  {stray.size} bytes  {_age(stray.age(now))}")
        for stray in result.kept:
            young = stray.age(now) < grace
            verb = "kept" if options["delete"] else "stray"
            note = f"  (younger than {options['older_than']})" if young else ""
            self.stdout.write(
                f"{verb:8} {stray.name}  {stray.size} bytes  {_age(stray.age(now))}{note}"
            )
        total = result.deleted + result.kept
        size = sum(s.size for s in total)
        summary = f"{len(total)} unreferenced files, {size} bytes"
        if options["delete"]:
            summary += f"; deleted {len(result.deleted)}, kept {len(result.kept)}"
        else:
            summary += "; dry run, nothing deleted (--delete deletes those older than the grace)"
        self.stdout.write(summary)
