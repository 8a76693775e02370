"""Management commands act via "command": `accord ...` and `call_command` alike.

Django has no signal for a command starting, so `BaseCommand.execute` is wrapped once, at
start-up; the wrapper only sets the audit context for the command's duration.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.management.base import BaseCommand

from accord.core.acting import acting, current


def install() -> None:
    original = BaseCommand.execute
    if getattr(original, "_accord_audit", False):
        return

    @functools.wraps(original)
    def execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        if current().via != "system":
            return original(self, *args, **options)  # a command called from a request
        with acting(None, "command"):
            return original(self, *args, **options)

    execute._accord_audit = True  # type: ignore[attr-defined]
    BaseCommand.execute = execute  # type: ignore[method-assign]
