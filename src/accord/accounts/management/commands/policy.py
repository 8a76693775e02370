"""`accord policy validate FILE` and `accord policy load FILE --organisation SLUG --effective
YYYY-MM-DD`: TOML policies from the command line (docs/sla-model.md, "Contracts, versions and
policy files").

`validate` needs no configuration (`accord.cli` runs `accord.policies.check` before Django
starts; this command answers the same when Django is configured). `load` validates the file,
then appends a version of the organisation's contract in force from the date, with the rules
of the staff terms page (`accord.accounts.terms.add_version`): the first day of a month, not
before the current month, not in a month whose report is frozen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accord.accounts.models import Contract
from accord.accounts.terms import TermsRefused, add_version
from accord.engine.policy import PolicyError
from accord.policies.check import read_policy, summary, validate


class Command(BaseCommand):
    help = "Validate a TOML policy file, or load it as a new version of a customer's contract."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = sub.add_parser("validate", help="check a policy file (no configuration needed)")
        check.add_argument("file")
        load = sub.add_parser("load", help="validate, then add a contract version")
        load.add_argument("file")
        load.add_argument("--organisation", required=True, help="the customer's slug")
        load.add_argument("--effective", required=True, help="YYYY-MM-DD, the first of a month")
        load.add_argument("--fee", help="monthly fee (default: the current version's)")
        load.add_argument("--note", help="why the terms change (default: names the file)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "validate":
            status, line = validate(options["file"])
            if status:
                raise CommandError(line, returncode=status)
            self.stdout.write(line)
            return
        self._load(options)

    def _load(self, options: dict[str, Any]) -> None:
        path = options["file"]
        try:
            text, policy = read_policy(path)
        except PolicyError as error:
            raise CommandError(error.located) from None
        try:
            effective = date.fromisoformat(options["effective"])
        except ValueError:
            raise CommandError(f"--effective: {options['effective']!r} is not YYYY-MM-DD") from None
        contract = (
            Contract.objects.select_related("organisation__region")
            .filter(organisation__slug=options["organisation"])
            .first()
        )
        if contract is None:
            raise CommandError(f"--organisation: no organisation {options['organisation']!r}")
        fee = contract.monthly_fee
        if options["fee"] is not None:
            try:
                fee = Decimal(options["fee"])
            except InvalidOperation:
                raise CommandError(f"--fee: {options['fee']!r} is not an amount") from None
        note = options["note"] or f"Loaded from {path} with `accord policy load`."
        try:
            with transaction.atomic():
                version = add_version(
                    contract,
                    policy_text=text,
                    effective_from=effective,
                    monthly_fee=fee,
                    note=note,
                    actor=None,
                    source=path,
                )
        except TermsRefused as refused:
            where = f"{path}:{refused.line}: " if refused.line is not None else ""
            raise CommandError(f"{where}{refused}") from None
        self.stdout.write(summary(path, policy))
        self.stdout.write(
            f"loaded: {contract.organisation.slug} terms version {version.number}, "
            f"in force from {version.effective_from}"
        )
