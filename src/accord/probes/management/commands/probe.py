"""`accord probe`: run a probe agent, or set up the location it runs as.

    accord probe --new-location "Frankfurt" --slug fra     # prints the agent token, once
    accord probe --new-token fra                           # a new token; the old one stops
    accord probe --server https://accord.example --token prb_...   # run the agent

The token may come from ACCORD_PROBE_TOKEN instead of the command line (which other users of
the machine can see). The agent needs no database; SIGTERM or SIGINT stops it after it has sent
what it found.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from accord.core.processes import configure_logging, restore_signals, stop_on_signals
from accord.probes.agent import Agent, TokenRefused

logger = logging.getLogger("accord.probes")


class Command(BaseCommand):
    help = "Run a probe agent that reports to an Accord server, or create its location."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server", help="the Accord server's base URL, e.g. https://accord.example"
        )
        parser.add_argument(
            "--token", help="the location's agent token (default: $ACCORD_PROBE_TOKEN)"
        )
        parser.add_argument(
            "--batch-seconds", type=float, default=5.0, help="how often results are sent (5)"
        )
        parser.add_argument(
            "--refresh-seconds", type=float, default=60.0, help="how often checks are fetched (60)"
        )
        parser.add_argument(
            "--max-connections", type=int, default=256, help="open connections at most (256)"
        )
        parser.add_argument(
            "--per-origin", type=int, default=6, help="checks in flight per origin at most (6)"
        )
        parser.add_argument(
            "--new-location", metavar="NAME", help="create a location, print its token"
        )
        parser.add_argument("--slug", help="the new location's slug (default: from its name)")
        parser.add_argument("--new-token", metavar="SLUG", help="issue a location a new token")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_location"]:
            self._new_location(options["new_location"], options["slug"])
        elif options["new_token"]:
            self._new_token(options["new_token"])
        else:
            self._run_agent(options)

    def _new_location(self, name: str, slug: str | None) -> None:
        from accord.probes import services
        from accord.probes.models import ProbeLocation

        slug = slug or slugify(name)
        if not slug:
            raise CommandError("--slug: give the location a slug (letters, digits, hyphens)")
        if ProbeLocation.objects.filter(slug=slug).exists():
            raise CommandError(f"--slug: a location {slug!r} exists; --new-token {slug} rotates")
        with transaction.atomic():
            _, token = services.create_location(name=name, slug=slug)
        self.stdout.write(f"Location {slug!r} created. Its agent token (shown once):\n{token}\n")

    def _new_token(self, slug: str) -> None:
        from accord.probes.models import ProbeLocation

        location = ProbeLocation.objects.filter(slug=slug).first()
        if location is None:
            raise CommandError(f"--new-token: no location {slug!r}")
        if location.builtin:
            raise CommandError("--new-token: the built-in location runs in `accord worker`")
        with transaction.atomic():
            token = location.issue_token()
        self.stdout.write(
            f"New agent token for {slug!r} (shown once; the old one stops):\n{token}\n"
        )

    def _run_agent(self, options: dict[str, Any]) -> None:
        server = options["server"]
        token = options["token"] or os.environ.get("ACCORD_PROBE_TOKEN", "")
        if not server:
            raise CommandError("--server: the Accord server's URL is required")
        if not server.startswith(("http://", "https://")):
            raise CommandError(f"--server: {server!r} is not an http(s) URL")
        if not token:
            raise CommandError("--token (or ACCORD_PROBE_TOKEN): the agent token is required")
        configure_logging(int(options["verbosity"]))
        stop = threading.Event()
        previous = stop_on_signals(stop, "stopping")
        agent = Agent(
            server,
            token.strip(),
            batch_seconds=max(0.5, options["batch_seconds"]),
            refresh_seconds=max(5.0, options["refresh_seconds"]),
            prober_options={
                "max_connections": max(1, options["max_connections"]),
                "per_origin": min(100, max(1, options["per_origin"])),
            },
        )
        try:
            asyncio.run(agent.run(stop.is_set))
        except TokenRefused as exc:
            raise CommandError(f"{exc}: issue a new one with `accord probe --new-token`") from None
        finally:
            restore_signals(previous)
        logger.info("agent stopped after sending %s result(s)", agent.sent)
