"""`accord calc elapsed|add|uptime|credit|period|batch`: the engine's sums from the shell.

The single-question forms build one request of the batch protocol (docs/calc.md) from flags and
print its answer, so the two can never disagree.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord import calc, calc_period
from accord.engine.errors import EngineError


def _json_argument(text: str) -> Any:
    """A JSON value given inline, or `@path` to read it from a file."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ArgumentTypeError(f"cannot read {text[1:]}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArgumentTypeError(f"not valid JSON: {exc.msg}") from None


def _pair(text: str) -> list[str]:
    """`START/END` as two ISO 8601 timestamps."""
    start, slash, end = text.partition("/")
    if not slash:
        raise ArgumentTypeError(f"{text!r} is not START/END")
    return [start, end]


def _scheduled(text: str) -> list[str]:
    """`START/END@ANNOUNCED` as three ISO 8601 timestamps."""
    window, at, announced = text.rpartition("@")
    if not at:
        raise ArgumentTypeError(f"{text!r} is not START/END@ANNOUNCED")
    return [*_pair(window), announced]


class Command(BaseCommand):
    help = "Support-time, uptime and credit sums, one question or a JSON-lines batch."

    def add_arguments(self, parser: CommandParser) -> None:
        operations = parser.add_subparsers(dest="operation", required=True, metavar="OPERATION")
        create = operations.add_parser  # CommandParser keeps Django's error handling

        elapsed = create("elapsed", help="support seconds between two instants")
        self._calendar(elapsed)
        elapsed.add_argument("--start", required=True, help="ISO 8601 with offset or Z")
        elapsed.add_argument("--end", required=True, help="ISO 8601 with offset or Z")

        add = create("add", help="the due instant of a duration of support time")
        self._calendar(add)
        add.add_argument("--start", required=True, help="ISO 8601 with offset or Z")
        for unit in ("days", "hours", "minutes", "seconds"):
            add.add_argument(f"--{unit}", type=int, default=None, help=f"support {unit}")

        uptime = create("uptime", help="uptime of a period with outages and maintenance")
        self._uptime(uptime)
        credit = create("credit", help="uptime and the credit tier it falls in")
        self._uptime(credit)
        credit.add_argument(
            "--tiers", type=_json_argument, required=True, help="JSON list of tiers, or @file"
        )

        measured = create(
            "period", help="a service period's uptime and credit under any policy file"
        )
        measured.add_argument(
            "--policy", required=True, help="a policy file, or a built-in policy's id"
        )
        measured.add_argument(
            "--period", required=True, help='the period\'s label: "2026-10", "2026-Q4" ...'
        )
        measured.add_argument(
            "--outage", type=_pair, action="append", default=[], help="START/END, repeatable"
        )
        measured.add_argument(
            "--samples", help="CSV of error-rate samples: start,requests,errors (or - for stdin)"
        )
        measured.add_argument(
            "--scheduled",
            type=_scheduled,
            action="append",
            default=[],
            help="START/END@ANNOUNCED: scheduled downtime and when it was announced",
        )
        measured.add_argument("--timezone", help="the zone for a policy measured in the region's")
        measured.add_argument("--module", help="the module (product) the evidence is for")
        measured.add_argument("--fee", help='the period\'s fee, e.g. "9200.00", for the amount')

        create("batch", help="JSON lines on stdin, one answer per line on stdout")

    @staticmethod
    def _calendar(parser: ArgumentParser) -> None:
        parser.add_argument(
            "--calendar",
            type=_json_argument,
            required=True,
            help='calendar object as JSON or @file (docs/calc.md); {"always": true} is 24x7',
        )

    @staticmethod
    def _uptime(parser: ArgumentParser) -> None:
        parser.add_argument("--month", help="YYYY-MM, with --timezone")
        parser.add_argument("--timezone", help="IANA zone the month is measured in")
        parser.add_argument("--period", type=_pair, help="START/END instead of --month")
        parser.add_argument(
            "--outage", type=_pair, action="append", default=[], help="START/END, repeatable"
        )
        parser.add_argument(
            "--maintenance", type=_json_argument, help="maintenance object as JSON or @file"
        )
        parser.add_argument("--target", required=True, help='target percent, e.g. "99.9"')
        parser.add_argument("--min-outage-seconds", type=int, default=None)
        parser.add_argument("--maintenance-mode", choices=("exclude", "count_as_up"))

    def handle(self, *args: Any, **options: Any) -> None:
        operation = options["operation"]
        if operation == "batch":
            self._batch()
            return
        request = self._request(operation, options)
        result = calc.answer(request)
        result.pop("id")
        if not result.pop("ok"):
            raise CommandError(result["error"])
        self.stdout.write(calc.dumps(result))

    def _request(self, operation: str, options: dict[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {"op": operation}
        if operation in ("elapsed", "add"):
            request["calendar"] = options["calendar"]
            request["start"] = options["start"]
        if operation == "elapsed":
            request["end"] = options["end"]
        if operation == "add":
            request["duration"] = {
                unit: options[unit]
                for unit in ("days", "hours", "minutes", "seconds")
                if options[unit] is not None
            }
        if operation in ("uptime", "credit"):
            if options["month"] is not None:
                request["month"] = options["month"]
            if options["timezone"] is not None:
                request["timezone"] = options["timezone"]
            if options["period"] is not None:
                start, end = options["period"]
                request["period"] = {"start": start, "end": end}
            request["outages"] = options["outage"]
            request["target_percent"] = options["target"]
            for name in ("maintenance", "min_outage_seconds", "maintenance_mode"):
                if options[name] is not None:
                    request[name] = options[name]
        if operation == "credit":
            request["tiers"] = options["tiers"]
        if operation == "period":
            request |= {"policy": options["policy"], "label": options["period"]}
            if options["outage"]:
                request["outages"] = options["outage"]
            if options["scheduled"]:
                request["scheduled"] = options["scheduled"]
            for name in ("timezone", "module", "fee"):
                if options[name] is not None:
                    request[name] = options[name]
            if options["samples"] is not None:
                request["samples"] = self._samples(options["samples"])
        return request

    @staticmethod
    def _samples(path: str) -> list[list[Any]]:
        if path == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            try:
                text, source = Path(path).read_text(encoding="utf-8"), path
            except OSError as exc:
                raise CommandError(f"samples: cannot read {path}: {exc.strerror}") from None
        try:
            return calc_period.rows_from_csv(text, source)
        except EngineError as error:
            raise CommandError(f"samples: {error}") from None

    def _batch(self) -> None:
        every_line_ok = True
        for result in calc.batch(sys.stdin):
            every_line_ok = every_line_ok and bool(result["ok"])
            self.stdout.write(calc.dumps(result))
            self.stdout.flush()
        if not every_line_ok:
            raise SystemExit(1)
