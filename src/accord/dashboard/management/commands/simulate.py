"""`accord simulate`: what every contract (or some) would have credited under other terms.

    accord simulate --fleet --policy FILE [--months 2026-01..2026-12] [--format table|csv|json]
    accord simulate --customers acme,globex --policy FILE [--months ...] [--output FILE]
    accord simulate --fleet --policy FILE --workers 2      # one process per core

Every chosen customer's months are re-evaluated as if its contract used the policy in FILE
(its support hours and penalties, for the customer's region; the months stay those of the
contract's reporting time zone), beside the months as the contract has them: per customer and
month, the credit owed under each, and the totals per currency, per month and fleet-wide
(`accord.dashboard.reevaluation`, docs/dashboard.md). Nothing is saved. The months default to the
twelve before the current one (UTC).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.accounts.models import Organisation
from accord.dashboard import reevaluation
from accord.dashboard.simulator import month_range
from accord.engine.errors import EngineError
from accord.engine.policy import PolicyError, parse_policy

FORMATS = ("table", "csv", "json")
_MONTH = r"[0-9]{4}-(0[1-9]|1[0-2])"


def months_option(text: str | None, now_month: str) -> list[str]:
    """`A..B` (or one month) as the months from A to B; default the twelve before now."""
    if text is None:
        year, number = int(now_month[:4]), int(now_month[5:])
        last = f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"
        first = f"{int(last[:4]) - 1:04d}-{last[5:]}"
        return month_range(month_range(first, last)[1], last)
    found = re.fullmatch(rf"({_MONTH})(?:\.\.({_MONTH}))?", text.strip())
    if found is None:
        raise CommandError(f"--months: {text!r} is not YYYY-MM or YYYY-MM..YYYY-MM")
    first, last = found.group(1), found.group(3) or found.group(1)
    if last < first:
        raise CommandError(f"--months: {last} is before {first}")
    if last > now_month:
        raise CommandError(f"--months: {last} has not begun")
    return month_range(first, last)


class Command(BaseCommand):
    help = "Re-evaluate customers' months as if every contract used the terms in a policy file."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--fleet", action="store_true", help="Every customer with a contract")
        which.add_argument("--customers", help="Slugs, comma-separated")
        parser.add_argument("--policy", required=True, help="A policy file (TOML)")
        parser.add_argument("--months", help="YYYY-MM..YYYY-MM; default the last twelve")
        parser.add_argument("--format", choices=FORMATS, default="table", dest="fmt")
        parser.add_argument("--output", help="Write to this file instead of standard output")
        parser.add_argument(
            "--workers", type=int, default=1, help="Processes (one per core); default 1"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["policy"])
        try:
            policy = parse_policy(path.read_text(encoding="utf-8"), path.name)
        except OSError as error:
            raise CommandError(f"--policy: {error}") from None
        except PolicyError as error:
            raise CommandError(f"--policy: {error.located}") from None
        now = timezone.now()
        months = months_option(options["months"], f"{now:%Y-%m}")
        customers = Organisation.objects.filter(contract__isnull=False)
        if options["customers"]:
            slugs = [slug.strip() for slug in options["customers"].split(",") if slug.strip()]
            customers = customers.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(customers.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"--customers: no customer {missing[0]!r} with a contract")
        chosen = list(customers.select_related("contract", "region").order_by("slug"))
        console = Console(file=self.stderr, highlight=False)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        try:
            with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
                task = progress.add_task("Customers", total=len(chosen))
                result = reevaluation.re_evaluate(
                    chosen,
                    months,
                    reevaluation.policy_terms(policy),
                    now=now,
                    progress=lambda done: progress.advance(task, done),
                    workers=max(1, options["workers"]),
                )
        except EngineError as error:
            raise CommandError(str(error)) from None
        fmt = options["fmt"]
        if fmt == "csv":
            body = reevaluation.as_csv(result)
        elif fmt == "json":
            body = reevaluation.as_json(result)
        else:
            body = self._table(result, policy.id)
        if options["output"]:
            Path(options["output"]).write_text(body, encoding="utf-8")
            self.stderr.write(f"{len(result.rows)} customer-months: {options['output']}")
        else:
            self.stdout.write(body, ending="")
        self.stderr.write(
            f"{len(chosen)} customers, {len(months)} months in {result.seconds:.1f} s"
        )

    def _table(self, result: reevaluation.FleetResult, policy_id: str) -> str:
        console = Console(record=True, width=110, file=io.StringIO())
        customers = Table(title=f"Credits owed: the contracts' terms and {policy_id}")
        for name in ("Customer", "Currency", "Current", "Proposed", "Change", "Months"):
            customers.add_column(name, justify="left" if name == "Customer" else "right")
        for slug, totals in result.customers.items():
            for currency, total in sorted(totals.items()):
                customers.add_row(slug, currency, *_money(total))
        console.print(customers)
        for title, groups in (
            ("Per month", sorted(result.by_month.items())),
            ("Fleet", [("all months", result.totals)]),
        ):
            table = Table(title=title)
            for name in ("Month", "Currency", "Current", "Proposed", "Change", "Months"):
                table.add_column(name, justify="left" if name == "Month" else "right")
            for label, totals in groups:
                for currency, total in sorted(totals.items()):
                    table.add_row(label, currency, *_money(total))
            console.print(table)
        return console.export_text()


def _money(total: reevaluation.Total) -> list[str]:
    counted = str(total.months)
    if total.without_amount:
        counted += f" ({total.without_amount} without an amount)"
    return [f"{total.current:,}", f"{total.proposed:,}", f"{total.change:+,}", counted]
