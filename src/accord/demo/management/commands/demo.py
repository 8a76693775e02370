"""`accord demo`: the built-in policy, one sample month worked through by the engine, then
Accord itself with demo data, served at http://127.0.0.1:8000 (or `--address`, which also sets
the base URL of links and of the demo's health checks) with a worker beside it.

The walkthrough shows the seed's SLA as Accord reads it, then March 2026 for a customer in the
US region: uptime per module with the maintenance window excluded, a few fault tickets on
their return-to-service clocks, and the penalty statement those figures earn under the example
schedule. Then the demo organisations are created (once) with a year of history, their logins
printed, and one line saying what the history holds.
`--no-serve` stops after that (for scripts and tests).

`--fleet N` instead makes N customers with a year of history each (`accord.demo.fleet`: for
measuring Accord at scale), with a progress bar, then serves them (or, with `--no-serve`,
stops); on a database that already holds a fleet it says so and makes nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from accord.demo import data as demo_data
from accord.demo import fleet
from accord.demo import history as demo_history
from accord.engine.availability import Outage, uptime
from accord.engine.clocks import ClockEvent, EventKind, evaluate_many
from accord.engine.policy import ContractTerms, resolve
from accord.engine.statements import statement
from accord.engine.timeutil import (
    epoch_to_local,
    local_to_epoch,
    month_bounds,
    parse_instant,
    seconds_of_day,
    zone,
)
from accord.policies import DEFAULT_REGIONS, load_builtin
from accord.status.demo import repoint_demo_checks

MONTH = "2026-03"
MONTHLY_FEE = Decimal("12000.00")

# Sample outages of March 2026 (UTC). The first overruns the Wednesday window of 11 March,
# which is 08:00-08:30 UTC in Pacific daylight time, so only 08:30-09:40 counts.
SAMPLE_OUTAGES: dict[str, list[tuple[str, str]]] = {
    "Release Manager": [("2026-03-11T08:15:00Z", "2026-03-11T09:40:00Z")],
    "Test Environment Manager": [],
    "Deployment Manager": [
        ("2026-03-03T14:02:00Z", "2026-03-03T14:20:00Z"),
        ("2026-03-20T22:10:00Z", "2026-03-20T22:31:00Z"),
    ],
    "Reporting": [("2026-03-25T08:05:00Z", "2026-03-25T08:25:00Z")],  # inside the window
    "Stryka": [],
}

# Sample tickets: (summary, events as (kind, local Pacific time, severity)).
SAMPLE_TICKETS: list[tuple[str, list[tuple[EventKind, str, int | None]]]] = [
    (
        "Deployment Manager pipeline page fails to load",
        [
            (EventKind.REPORTED, "2026-03-03T07:05:00", 1),
            (EventKind.RESTORED, "2026-03-03T10:20:00", None),
        ],
    ),
    (
        "Release calendar export times out",
        [
            (EventKind.REPORTED, "2026-03-13T16:30:00", 2),
            (EventKind.RESTORED, "2026-03-17T11:00:00", None),
        ],
    ),
    (
        "Reporting dashboard totals wrong (agreed down from 1 to 3)",
        [
            (EventKind.REPORTED, "2026-03-18T09:00:00", 1),
            (EventKind.SEVERITY_PROPOSED, "2026-03-18T09:40:00", 3),
            (EventKind.SEVERITY_AGREED, "2026-03-19T10:00:00", 3),
            (EventKind.RESTORED, "2026-03-19T16:00:00", None),
        ],
    ),
    (
        "Stryka test run stuck in queue",
        [
            (EventKind.REPORTED, "2026-03-26T11:00:00", 1),
            (EventKind.RESTORED, "2026-03-26T16:45:00", None),
        ],
    ),
]


class Command(BaseCommand):
    help = "Print the built-in SLA policy and a sample month's SLA computation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="seed and print, but do not serve"
        )
        parser.add_argument("--address", default="127.0.0.1:8000", help="where to serve")
        parser.add_argument(
            "--fleet",
            type=int,
            metavar="N",
            help="make N customers with a year of history each (no walkthrough)",
        )
        parser.add_argument("--seed", type=int, default=fleet.SEED, help="the fleet's random seed")
        parser.add_argument(
            "--templates",
            type=int,
            default=fleet.TEMPLATES,
            help="fleet customers made through the help desk (the rest copy them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, width=110, highlight=False)
        if not options["no_serve"]:
            _use_base_url(options["address"])
        if options["fleet"] is not None:
            _fleet(console, options["fleet"], options["seed"], options["templates"])
            if not options["no_serve"]:
                _serve(console, options["address"])
            return
        terms = resolve(load_builtin(), DEFAULT_REGIONS["us"])
        console.rule("[bold]Accord demo: the built-in policy")
        _policy(console, terms)
        console.rule(f"[bold]A sample month: {MONTH}, customer in {terms.region.name}")
        module_uptimes = _uptime(console, terms)
        breaches = _tickets(console, terms)
        _statement(console, terms, module_uptimes, breaches)
        _seed_and_print_logins(console)
        if options["no_serve"]:
            return
        _serve(console, options["address"])


def _policy(console: Console, terms: ContractTerms) -> None:
    policy = terms.policy
    console.print(f"[bold]{policy.name}[/] ({policy.id}), from {policy.source}")
    console.print(f"Covered modules: {', '.join(terms.modules)}")
    window = policy.availability.maintenance
    slots = ", ".join(f"{w.day} {w.start}-{w.end}" for w in window.weekly)
    console.print(
        f"Uptime target {policy.availability.target_percent}% per calendar month, "
        f"maintenance {slots} {window.timezone} excluded"
    )
    console.print(f"  {window.reading}")
    table = Table(title="Return-to-service targets (support hours)")
    for column in ("Severity", "Name", "Target", "Description"):
        table.add_column(column)
    for severity in policy.severities:
        table.add_row(
            str(severity.level),
            severity.name,
            severity.target.to_duration().describe(),
            severity.description,
        )
    console.print(table)
    console.print("[bold]Assumptions[/] (the seed is silent here; each contract can override):")
    for assumption in terms.assumptions:
        console.print(f"  • {assumption}")


def _uptime(console: Console, terms: ContractTerms) -> dict[str, Any]:
    tz = zone(terms.reporting_timezone)
    period = month_bounds(MONTH, tz)
    table = Table(title=f"Uptime, {MONTH} in {terms.reporting_timezone}")
    for column in ("Module", "Period min", "Maint. min", "Eligible min", "Down min", "Uptime %"):
        table.add_column(column, justify="right" if column != "Module" else "left")
    table.add_column("Met")
    results = {}
    for module in terms.modules:
        outages = [
            Outage(parse_instant(start, "start"), parse_instant(end, "end"))
            for start, end in SAMPLE_OUTAGES.get(module, [])
        ]
        result = uptime(
            period=period,
            outages=outages,
            maintenance=terms.maintenance,
            target=terms.target,
            min_outage_seconds=terms.min_outage_seconds,
            maintenance_mode=terms.maintenance_mode,
        )
        results[module] = result.uptime_fraction
        table.add_row(
            module,
            f"{result.period_seconds / 60:g}",
            f"{result.maintenance_seconds / 60:g}",
            f"{result.eligible_seconds / 60:g}",
            f"{float(result.downtime_seconds) / 60:g}",
            result.uptime_percent_display,
            "yes" if result.met else "[red]no[/]",
        )
    console.print(table)
    return results


def _tickets(console: Console, terms: ContractTerms) -> dict[int, int]:
    tz = zone(terms.support_calendar.timezone)
    tickets = [
        [ClockEvent(kind, _local(when, tz), severity) for kind, when, severity in events]
        for _, events in SAMPLE_TICKETS
    ]
    now = month_bounds(MONTH, zone(terms.reporting_timezone))[1]
    clocks = evaluate_many(tickets, terms.clock_rules, now)
    table = Table(title=f"Fault tickets (support hours Mon-Fri 08:00-18:00 {tz.key})")
    for column in ("Ticket", "Sev", "Target", "Used", "Outcome"):
        table.add_column(column)
    breaches: dict[int, int] = {}
    for (summary, _), clock in zip(SAMPLE_TICKETS, clocks, strict=True):
        if clock.breached and clock.severity is not None:
            breaches[clock.severity] = breaches.get(clock.severity, 0) + 1
            outcome = f"[red]breached at {_show(clock.breached_at, tz)}[/]"
        else:
            outcome = "met"
        table.add_row(
            summary,
            str(clock.severity),
            clock.target.describe() if clock.target else "-",
            f"{clock.used_seconds / 3600:.2f} h",
            outcome,
        )
    console.print(table)
    return breaches


def _statement(
    console: Console, terms: ContractTerms, uptimes: dict[str, Any], breaches: dict[int, int]
) -> None:
    result = statement(
        schedule=terms.penalties,
        monthly_fee=MONTHLY_FEE,
        module_uptimes=uptimes,
        breaches=breaches,
    )
    currency = terms.penalties.currency
    table = Table(title=f"Penalty statement (monthly fee {MONTHLY_FEE} {currency})")
    for column in ("Rule", "Subject", "Detail", "Amount"):
        table.add_column(column)
    for line in result.lines:
        amount = f"{line.amount} {currency}" if line.amount is not None else f"{line.percent}%"
        table.add_row(line.rule, line.subject, line.detail, amount)
    table.add_row("", "", "[bold]Total", f"[bold]{result.total_amount} {currency}")
    console.print(table)


def _seed_and_print_logins(console: Console) -> None:
    console.rule("[bold]The help desk")
    if demo_data.already_seeded():
        console.print("Demo data is already in the database (make distclean starts afresh).")
    else:
        demo_data.seed(timezone.now())
    # Printed on every run, not only the first: the logins are what a returning user forgets.
    table = Table(title=f"Demo logins (password for all: {demo_data.DEMO_PASSWORD})")
    for column in ("Email", "Role", "Organisation"):
        table.add_column(column)
    for login in demo_data.demo_logins():
        table.add_row(login.email, login.role, login.organisation)
    console.print(table)
    console.print(demo_history.summary().line(), soft_wrap=True)
    console.print(f"Every demo login's password is [bold]{demo_data.DEMO_PASSWORD}[/].")


def _fleet(console: Console, count: int, seed: int, templates: int) -> None:
    console.rule(f"[bold]A fleet of {count} customers")
    if fleet.exists():
        console.print("This database already holds a fleet (start from a new database).")
        return
    if count < 1:
        console.print("--fleet: give a number of customers, 1 or more.")
        return
    made = fleet.build(count, now=timezone.now(), seed=seed, templates=templates, console=console)
    console.print(made.line())
    console.print(
        f"Customer logins: reporter@{fleet.SLUG_PREFIX}00001.example, "
        f"admin@{fleet.SLUG_PREFIX}00001.example ... (and agent@vendor.example for staff); "
        f"every password is [bold]{demo_data.DEMO_PASSWORD}[/]."
    )


def base_url_for(address: str) -> str:
    """The base URL a browser on this machine reaches `runserver ADDRESS` at: "8101",
    "0.0.0.0:8101" and "127.0.0.1:8101" all give http://127.0.0.1:8101."""
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 (reading an address, not binding)
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def _use_base_url(address: str) -> None:
    """Links in emails and the demo's own health checks must reach the address served, so
    unless ACCORD_BASE_URL is set on purpose (a proxy in front), the address sets it, for
    this process and the worker it starts; checks seeded on an earlier run at another
    address are pointed here too."""
    if os.environ.get("ACCORD_BASE_URL"):
        return
    base_url = base_url_for(address)
    os.environ["ACCORD_BASE_URL"] = base_url
    settings.ACCORD_BASE_URL = base_url
    repoint_demo_checks()


def _serve(console: Console, address: str) -> None:
    """The web server in this process, `accord worker` beside it; Ctrl-C or SIGTERM stops
    both (SIGTERM becomes SystemExit, so the `finally` below stops the worker)."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    worker = subprocess.Popen([sys.executable, "-m", "accord", "worker"])
    console.print(f"Serving Accord at [bold]http://{address}/[/] (worker pid {worker.pid}).")
    console.print(
        f"Public status page: http://{address}/status/ (staff can simulate an outage there)."
    )
    try:
        call_command("runserver", address, use_reloader=False)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _local(text: str, tz: ZoneInfo) -> int:
    """A wall-clock time in `tz`, read the way the engine reads every wall-clock time."""
    moment = datetime.fromisoformat(text)
    return local_to_epoch(moment.date(), seconds_of_day(moment), tz)


def _show(instant: int | None, tz: ZoneInfo) -> str:
    if instant is None:
        return "-"
    return epoch_to_local(instant, tz).strftime("%a %d %b %H:%M:%S %Z")
