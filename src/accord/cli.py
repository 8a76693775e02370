"""The `accord` command line: Django's management commands with Accord's settings.

`accord migrate`, `accord runserver`, `accord createsuperuser` and Accord's own commands
(`accord demo`, `accord worker`, ...) all go through here.

Django names a command after its module, and a module name cannot hold a hyphen, so commands
documented with one (`accord mail-ingest`, what a mail server's alias runs) are aliases of their
module's name (`mail_ingest`); both spellings work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

ALIASES = {"mail-ingest": "mail_ingest"}
# Commands a mail server runs: a configuration error must make it keep the message and retry
# (EX_TEMPFAIL), not bounce it.
_MAIL_COMMANDS = frozenset({"mail_ingest"})
EX_TEMPFAIL = 75


def main(argv: Sequence[str] | None = None) -> None:
    raw = list(sys.argv if argv is None else argv)
    if raw[1:3] == ["policy", "validate"]:
        # Needs no settings and no database: checked before Django starts.
        from accord.policies.check import main as validate_policy

        raise SystemExit(validate_policy(raw[3:]))
    if raw[1:2] == ["calc"]:
        _run_engine_command(raw)
    if raw[1:3] == ["help", "calc"]:  # `accord help calc` needs no configuration either
        _run_engine_command([raw[0], "calc", "--help"])
    if _asks_for_help(raw) and not _secret_configured():
        # Help reads no secret: without this placeholder the settings refuse to load and
        # Django lists only its own commands, none of Accord's.
        os.environ["ACCORD_SECRET_KEY"] = "accord-help-only-placeholder-not-a-secret"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "accord"  # so usage lines read `accord <command>`, not a path
    for index in (1, 2):  # `accord mail-ingest`, `accord help mail-ingest`
        if len(args) > index and args[index] in ALIASES and (index == 1 or args[1] == "help"):
            args[index] = ALIASES[args[index]]
    mail_server = len(args) > 1 and args[1] in _MAIL_COMMANDS
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        if settings.configured:  # raised by a command, not by loading the settings
            raise
        # A deployment mistake (a missing secret, a malformed variable): say what to fix,
        # without a traceback.
        sys.stderr.write(f"accord: configuration error: {exc}\n")
        raise SystemExit(EX_TEMPFAIL if mail_server else 2) from None
    except Exception as exc:
        if not mail_server:
            raise
        # Accord could not even start (a missing module, a broken installation): the mail
        # server must keep the message, not bounce it.
        sys.stderr.write(f"accord: temporary failure: {type(exc).__name__}: {exc}\n")
        raise SystemExit(EX_TEMPFAIL) from None


def _asks_for_help(argv: Sequence[str]) -> bool:
    """`accord`, `accord help [command]`, `accord <command> --help`."""
    return len(argv) < 2 or argv[1] == "help" or any(a in ("-h", "--help") for a in argv[1:])


def _secret_configured() -> bool:
    names = ("ACCORD_SECRET_KEY", "ACCORD_SECRET_KEY_FILE")
    return any(os.environ.get(name) for name in names) or os.environ.get("ACCORD_DEBUG") == "1"


def _run_engine_command(argv: list[str]) -> None:
    """`accord calc` asks the engine only: it runs with no configuration at all (no secret key,
    no database), so Django gets bare settings instead of Accord's, which refuse to load
    without a secret."""
    import django
    from django.conf import settings

    from accord.core.management.commands.calc import Command

    settings.configure(USE_TZ=True)
    django.setup()
    Command().run_from_argv(["accord", *argv[1:]])
    raise SystemExit(0)


if __name__ == "__main__":
    main()
