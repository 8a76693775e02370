"""The `accord` command line: Django's management commands with Accord's settings.

`accord migrate`, `accord runserver`, `accord createsuperuser` and Accord's own commands
(`accord demo`, ...) all go through here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "accord"  # so usage lines read `accord <command>`, not a path
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        if settings.configured:  # raised by a command, not by loading the settings
            raise
        # A deployment mistake (a missing secret, a malformed variable): say what to fix,
        # without a traceback.
        sys.stderr.write(f"accord: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
