"""`accord report`: a customer's monthly SLA report from the command line.

    accord report --customer acme --month 2026-10 --format html|pdf|json|csv [--output FILE]
    accord report --all --month 2026-10 --format pdf --output DIR

The month defaults to the last closed month (its cut-off has passed) in each customer's
reporting time zone. A closed month is frozen on first use, exactly as when the page is opened,
so the command, the page and the worker's email give the same version. Text formats go to
standard output without --output; a PDF needs --output. `--all` writes one file per customer
into the --output directory, with a progress bar: every customer's month is built in one pass
(`accord.reports.batch`), then the files written, PDFs by a process per core
(`accord.reports.pdfpool`).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.accounts.models import Organisation
from accord.engine.timeutil import to_epoch
from accord.reports import exports, pdfpool, render, services
from accord.reports.build import Month
from accord.reports.views import current_month

FORMATS = ("html", "pdf", "json", "csv")


def last_closed_month(organisation: Organisation, now: datetime) -> str:
    """The latest month whose cut-off has passed, in the contract's reporting time zone."""
    timezone_name = organisation.contract.terms.reporting_timezone
    this_month = current_month(organisation, now)
    year, number = int(this_month[:4]), int(this_month[5:])
    while True:
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        month = f"{year:04d}-{number:02d}"
        if Month.of(month, timezone_name).cutoff <= to_epoch(now):
            return month


def document(organisation: Organisation, month: str, fmt: str, now: datetime) -> bytes:
    return body(services.report_for(organisation, month, now=now), fmt)


def body(issued: services.Issued, fmt: str) -> bytes:
    if fmt == "pdf":
        return render.report_pdf(issued.report, issued.version)
    if fmt == "json":
        return exports.report_json(issued.report).encode()
    if fmt == "csv":
        return exports.report_csv(issued.report).encode()
    return render.report_html(issued.report, issued.version, for_pdf=True).encode()


class Command(BaseCommand):
    help = "Write a customer's monthly SLA report (or every customer's) as HTML, PDF, JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--customer", help="The customer's slug")
        which.add_argument("--all", action="store_true", help="Every customer with a contract")
        parser.add_argument("--month", help="YYYY-MM; default the last closed month")
        parser.add_argument("--format", choices=FORMATS, default="html", dest="fmt")
        parser.add_argument("--output", help="A file (a directory with --all)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = options["month"]
        if month is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
            raise CommandError(f"--month: {month!r} is not a month YYYY-MM")
        now = timezone.now()
        fmt = options["fmt"]
        output = options["output"]
        if options["all"]:
            if not output:
                raise CommandError("--output: name a directory for --all (one file a customer)")
            self._all(month, fmt, Path(output), now)
            return
        organisation = (
            Organisation.objects.filter(slug=options["customer"], contract__isnull=False)
            .select_related("contract", "region")
            .first()
        )
        if organisation is None:
            raise CommandError(f"--customer: no customer {options['customer']!r} with a contract")
        chosen = month or last_closed_month(organisation, now)
        self._check_not_future(organisation, chosen, now)
        if fmt == "pdf" and not output:
            raise CommandError("--output: a PDF is written to a file, name one")
        body = document(organisation, chosen, fmt, now)
        if output:
            Path(output).write_bytes(body)
            self.stderr.write(f"{organisation.slug} {chosen}: {output}")
        else:
            self.stdout.write(body.decode(), ending="")

    def _check_not_future(self, organisation: Organisation, month: str, now: datetime) -> None:
        if month > current_month(organisation, now):
            timezone_name = organisation.contract.terms.reporting_timezone
            raise CommandError(f"--month: {month} has not begun in {timezone_name}")

    def _all(self, month: str | None, fmt: str, directory: Path, now: datetime) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        organisations = list(
            Organisation.objects.filter(contract__isnull=False)
            .select_related("contract", "region")
            .order_by("slug")
        )
        console = Console(file=self.stderr, highlight=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        by_month: dict[str, list[Organisation]] = {}
        for organisation in organisations:
            chosen = month or last_closed_month(organisation, now)
            self._check_not_future(organisation, chosen, now)
            by_month.setdefault(chosen, []).append(organisation)
        written = 0
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Reports", total=len(organisations))
            for chosen, members in sorted(by_month.items()):
                # Every customer's month in one pass, then the files (PDFs in a process pool).
                progress.update(task, description=f"{chosen}: data")
                issued = services.issue_many(members, chosen, now=now)
                progress.update(task, description=f"{chosen}: {fmt}")
                names = {o.pk: directory / f"{o.slug}-{chosen}-sla-report.{fmt}" for o in members}
                if fmt == "pdf":
                    jobs = (
                        pdfpool.job(str(o.pk), issued[o.pk].report, issued[o.pk].version)
                        for o in members
                    )
                    files = ((names[int(key)], pdf) for key, pdf in pdfpool.render_pdfs(jobs))
                else:
                    files = ((names[o.pk], body(issued[o.pk], fmt)) for o in members)
                for path, content in files:
                    path.write_bytes(content)
                    written += 1
                    progress.advance(task)
        console.print(f"{written} report{'s' if written != 1 else ''} written to {directory}")
