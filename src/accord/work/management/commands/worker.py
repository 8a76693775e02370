"""`accord worker`: run due work (clock warnings and breaches, notifications, webhooks).

A loop: claim due jobs with a conditional update, run them, sleep briefly when there is nothing
to do. Any number of workers can run against one database; a worker that dies leaves its jobs
to the others once their lease runs out. SIGTERM or SIGINT stops the worker after the job it is
running; jobs it had claimed but not started go back to the queue at once.

At start and then at its interval it also runs each periodic task the apps registered with
`accord.work.services.every` (the reports plan every organisation's next report, hourly).

`--once` runs everything that is due (including the notifications that work enqueues) and
exits: for cron, for the demo's first pass and for tests.

Unless `--once`, each companion the apps registered with `accord.work.services.beside_worker`
runs in a thread beside the job loop and stops with the worker: the built-in probe location
(`accord.probes`; one worker at a time holds its lease) unless `--no-probes`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from accord.core.processes import configure_logging, restore_signals, stop_on_signals
from accord.work import services as work

logger = logging.getLogger("accord.worker")


def _refresh_connections() -> None:
    """A long-running process drops broken or too old database connections between rounds,
    as Django does between requests; not while a caller holds a transaction (a test)."""
    if not any(connection.in_atomic_block for connection in connections.all(initialized_only=True)):
        close_old_connections()


class Command(BaseCommand):
    help = "Run due work (clock warnings, breaches, notifications, webhooks) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run the work due now, then exit (for cron)"
        )
        parser.add_argument(
            "--idle-seconds",
            type=float,
            default=1.0,
            help="how long to sleep when no work is due (default: 1)",
        )
        parser.add_argument(
            "--batch", type=int, default=20, help="jobs claimed at a time (default: 20)"
        )
        parser.add_argument(
            "--name", default="", help="this worker's name in job rows (default: host:pid)"
        )
        parser.add_argument(
            "--no-probes", action="store_true", help="do not run the built-in probe location"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        configure_logging(int(options["verbosity"]))
        name = options["name"] or work.worker_name()
        idle = max(0.0, float(options["idle_seconds"]))
        batch = max(1, int(options["batch"]))
        stop = threading.Event()
        previous = stop_on_signals(stop, "stopping after the current job")
        logger.info("worker %s started", name)
        total = 0
        companions = []
        if not options["once"]:
            skipped = {"probes"} if options["no_probes"] else set()
            companions = [
                companion.start(stop, name)
                for companion in work.COMPANIONS.values()
                if companion.name not in skipped
            ]
        next_run = dict.fromkeys(work.PERIODIC, 0.0)
        try:
            while not stop.is_set():
                _refresh_connections()
                try:
                    for task in work.PERIODIC.values():
                        if time.monotonic() >= next_run[task.name]:
                            task.run(timezone.now())
                            next_run[task.name] = time.monotonic() + task.interval.total_seconds()
                    done = work.run_due(name, limit=batch, should_stop=stop.is_set)
                except DatabaseError:
                    logger.exception("database error; retrying in %ss", max(idle, 1.0))
                    if options["once"]:
                        raise
                    stop.wait(max(idle, 1.0))
                    continue
                total += done
                if done:
                    continue  # more may be due, including what these jobs enqueued
                if options["once"]:
                    break
                stop.wait(idle)
        finally:
            stop.set()
            for thread in companions:
                thread.join(timeout=30)
            restore_signals(previous)
            _refresh_connections()
        logger.info("worker %s stopped after %s job(s)", name, total)
