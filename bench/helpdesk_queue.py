"""Part B of the help desk bench: the agent queue with 5,000 open tickets, timed in a child
process on a fresh database."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import time
from pathlib import Path
from typing import Any

from harness import child, percentile
from helpdesk_config import QUEUE_ORGANISATIONS, QUEUE_WARMUP, SCRIPT, SEED, TARGET_QUEUE_MS
from helpdesk_server import fresh_database

# One word of ten in each summary, so a search for one finds a tenth of the queue.
SUMMARY_WORDS = (
    "export",
    "login",
    "timeout",
    "webhook",
    "spinner",
    "permissions",
    "invoice",
    "upload",
    "latency",
    "deployment",
)


def seed_queue(tickets: int) -> dict[str, Any]:
    """Child: `tickets` open tickets with their events, clocks computed by the engine."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from accord.accounts.models import Role
    from accord.accounts.services import create_organisation, create_user
    from accord.catalogue.models import Module, Region
    from accord.helpdesk import services
    from accord.helpdesk.models import Channel, EventKind, Status, Ticket, TicketEvent

    rng = random.Random(SEED)
    now = timezone.now()
    regions = list(Region.objects.order_by("code"))
    modules = list(Module.objects.order_by("pk"))
    reporters = []
    for n in range(QUEUE_ORGANISATIONS):
        region = regions[n % len(regions)]
        organisation = create_organisation(
            name=f"Customer {n}", slug=f"customer-{n}", region=region
        )
        reporters.append(
            create_user(
                email=f"reporter{n}@customer{n}.test", role=Role.REPORTER, organisation=organisation
            )
        )
    agent = create_user(email="agent@vendor.test", role=Role.AGENT)
    agent.timezone = "Europe/London"
    agent.save(update_fields=["timezone"])

    statuses = [Status.REPORTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS]
    severities = [1, 2, 2, 3, 3, 3, 4, 4, 4, None]
    began = time.perf_counter()
    with transaction.atomic():
        rows = []
        for n in range(tickets):
            reporter = reporters[n % len(reporters)]
            organisation = reporter.organisation
            rows.append(
                Ticket(
                    organisation=organisation,
                    module=rng.choice(modules),
                    region=organisation.region,
                    summary=f"Bench fault {n} {SUMMARY_WORDS[n % len(SUMMARY_WORDS)]}",
                    description="The release calendar does not load for anyone.",
                    severity=rng.choice(severities),
                    channel=rng.choice([Channel.API, Channel.PORTAL, Channel.EMAIL]),
                    status=rng.choice(statuses),
                    reported_by=reporter,
                    reported_at=now - timedelta(seconds=rng.randrange(60, 21 * 86_400)),
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=500)
        events = []
        for ticket in Ticket.objects.order_by("pk"):
            at = ticket.reported_at
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.REPORTED,
                    at=at,
                    actor_id=ticket.reported_by_id,
                    severity=ticket.severity,
                )
            )
            for status in statuses[1 : statuses.index(ticket.status) + 1]:
                at = min(at + timedelta(minutes=rng.randrange(5, 240)), now)
                events.append(TicketEvent(ticket=ticket, kind=status, at=at, actor=agent))
        TicketEvent.objects.bulk_create(events, batch_size=1000)
        # The clock columns, computed by the engine from the events (as the pages do).
        related = ("organisation__contract", "organisation__region")
        everything = list(Ticket.objects.select_related(*related).order_by("pk"))
        for start in range(0, len(everything), 1000):
            chunk = everything[start : start + 1000]
            services.refresh_clocks(chunk, now=now)
            Ticket.objects.bulk_update(chunk, services.CLOCK_FIELDS, batch_size=500)
    seeded = time.perf_counter() - began

    # The stored clocks are the engine's, ticket by ticket.
    mismatches = 0
    for ticket in rng.sample(everything, 50):
        stored = Ticket.objects.select_related(*related).get(pk=ticket.pk)
        result = services.evaluate(stored, now)
        expected = Ticket(pk=stored.pk)
        services.apply_clock(expected, result, now)
        for name in services.CLOCK_FIELDS:
            if name != "clock_computed_at" and getattr(expected, name) != getattr(stored, name):
                mismatches += 1
                break
    open_count = Ticket.objects.filter(status__in=statuses).count()
    return {
        "agent": agent.pk,
        "seed_seconds": seeded,
        "open_tickets": open_count,
        "events": len(events),
        "clock_mismatches": mismatches,
        "breached": Ticket.objects.filter(standing="breached").count(),
        "no_severity": Ticket.objects.filter(severity_in_force__isnull=True).count(),
    }


def time_page(client: Any, url: str, warmup: int, runs: int) -> dict[str, Any]:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return {
        "url": url,
        "runs": runs,
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 95),
        "min_ms": min(times),
        "max_ms": max(times),
        "bytes": len(response.content),
    }


def queue_child(tickets: int, runs: int) -> dict[str, Any]:
    """Child: seed, then time the agent queue in-process."""
    from django.db import connection
    from django.test import Client

    from accord.accounts.models import User

    seeded = seed_queue(tickets)
    client = Client()
    client.force_login(User.objects.get(pk=seeded["agent"]))
    pages = [
        time_page(client, "/queue/", QUEUE_WARMUP, runs),
        time_page(client, "/queue/?severity=1", QUEUE_WARMUP, runs),
        time_page(client, f"/queue/?page={tickets // 50}", QUEUE_WARMUP, runs),
        # Search (accord.helpdesk.search): a tenth of the queue, all of it, none of it.
        time_page(client, "/queue/?q=timeout", QUEUE_WARMUP, runs),
        time_page(client, "/queue/?q=calendar+load", QUEUE_WARMUP, runs),
        time_page(client, "/queue/?q=nothingmatches", QUEUE_WARMUP, runs),
    ]
    statements: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - began) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get("/queue/")
    sql_ms = sum(ms for ms, _ in statements)
    slowest = sorted(statements, reverse=True)[:3]
    profiler = cProfile.Profile()
    profiler.enable()
    client.get("/queue/")
    profiler.disable()
    report = io.StringIO()
    stats = pstats.Stats(profiler, stream=report)
    stats.sort_stats("cumulative").print_stats("/accord/", 20)  # Accord's own functions
    stats.sort_stats("tottime").print_stats(15)  # where the interpreter spends its time
    return {
        **seeded,
        "vendor": connection.vendor,
        "pages": pages,
        "queries": len(statements),
        "sql_ms": sql_ms,
        "slowest_sql": [{"ms": ms, "sql": sql[:400]} for ms, sql in slowest],
        "profile": report.getvalue(),
        "met": pages[0]["median_ms"] < TARGET_QUEUE_MS,
    }


def queue_bench(
    kind: str, scratch: Path, tickets: int, runs: int, **extra_env: str
) -> dict[str, Any]:
    label = f"queue-{kind}" + "".join(f"-{v}" for v in extra_env.values())
    with fresh_database(kind, scratch, label) as env:
        env.update(extra_env)
        result = child(SCRIPT, "queue", env, str(tickets), str(runs), timeout=900)
    result["database"] = kind
    result["settings"] = dict(extra_env)
    return result
