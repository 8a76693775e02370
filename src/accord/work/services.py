"""Scheduling and claiming work rows. Handlers register themselves by job kind."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from accord.work.models import Job, JobState, subject_fields

logger = logging.getLogger(__name__)

Handler = Callable[[Job, datetime], None]
HANDLERS: dict[str, Handler] = {}
# Kinds whose handler runs outside a database transaction: those that talk to the outside
# world (SMTP, HTTP) and must not hold SQLite's write lock while they wait on the network.
NON_ATOMIC: set[str] = set()
# Called after every ticket change, inside its transaction, by the help desk
# (`accord.helpdesk.clock_jobs.after_ticket_change`); its notices register here. A listener
# returns the job rows to enqueue (each created unless a job of its key exists), or None; they
# are inserted all in one statement.
CHANGE_LISTENERS: list[Callable[..., list[Job] | None]] = []

LEASE = timedelta(minutes=5)  # the default of ACCORD_JOB_LEASE_SECONDS


def lease() -> timedelta:
    """How long a claim lasts (ACCORD_JOB_LEASE_SECONDS)."""
    return timedelta(seconds=getattr(settings, "ACCORD_JOB_LEASE_SECONDS", LEASE.total_seconds()))


class LeaseLost(Exception):
    """The job was claimed by another worker after this one's lease ran out: the outcome is
    the other worker's to record, and this one's is rolled back."""


MAX_ATTEMPTS = 8


# What the worker runs besides its jobs, registered by the apps above (in AppConfig.ready), so
# the worker imports none of them: tasks it runs at start and then every `interval` (the
# reports' planning), and companions it starts in a thread beside the job loop and joins when
# it stops (the built-in probe location). `--once` starts no companion.
@dataclass(frozen=True)
class Periodic:
    name: str
    interval: timedelta
    run: Callable[[datetime], object]  # called with the current time


class Running(Protocol):
    def join(self, timeout: float | None = None) -> None: ...


@dataclass(frozen=True)
class Companion:
    name: str
    start: Callable[[threading.Event, str], Running]  # (stop, worker name): started


PERIODIC: dict[str, Periodic] = {}
COMPANIONS: dict[str, Companion] = {}


def every(name: str, interval: timedelta, run: Callable[[datetime], object]) -> None:
    PERIODIC[name] = Periodic(name, interval, run)


def beside_worker(name: str, start: Callable[[threading.Event, str], Running]) -> None:
    COMPANIONS[name] = Companion(name, start)


class Defer(Exception):
    """Raised by a handler: not yet. The job goes back to pending, due at `until`, and the
    attempt does not count as a failure."""

    def __init__(self, until: datetime, reason: str = "") -> None:
        super().__init__(reason or f"deferred until {until.isoformat()}")
        self.until = until


def handler(kind: str, *, atomic: bool = True) -> Callable[[Handler], Handler]:
    """Register the handler of a job kind.

    With `atomic` (the default) the handler runs inside the transaction that marks the job
    done: whatever it writes (follow-up jobs with unique keys) commits exactly once, also if a
    worker dies mid-run and the job is claimed again. `atomic=False` is for handlers doing
    network I/O: they run outside any transaction, and are at-least-once.
    """

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if atomic:
            NON_ATOMIC.discard(kind)
        else:
            NON_ATOMIC.add(kind)
        return function

    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def schedule(
    key: str,
    kind: str,
    due_at: datetime,
    *,
    subject: Model | None = None,  # what the job is about (a ticket, for its clock jobs)
    payload: dict[str, Any] | None = None,
) -> Job:
    """Create the job `key`, or move it to `due_at` if it has not run yet. A job that has run
    (done, failed) is left alone: what must happen once happens once."""
    job, created = Job.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "due_at": due_at,
            "payload": payload or {},
            **subject_fields(subject),
        },
    )
    if not created and job.state in (JobState.PENDING, JobState.CANCELLED):
        job.due_at = due_at
        job.state = JobState.PENDING
        if payload is not None:
            job.payload = payload
        job.save(update_fields=["due_at", "state", "payload"])
    return job


def cancel(key: str) -> None:
    Job.objects.filter(key=key, state=JobState.PENDING).update(state=JobState.CANCELLED)


def due_rows(*, now: datetime, limit: int = 20) -> list[tuple[int, str, int]]:
    """(pk, state, attempts) of up to `limit` due jobs: pending ones, and running ones whose
    worker's lease ran out."""
    return list(
        Job.objects.filter(
            Q(state=JobState.PENDING, due_at__lte=now)
            | Q(state=JobState.RUNNING, locked_until__lt=now)
        )
        .order_by("due_at", "pk")
        .values_list("pk", "state", "attempts")[:limit]
    )


def take(worker: str, rows: list[tuple[int, str, int]], *, now: datetime) -> list[Job]:
    """Claim the rows `due_rows` returned. Each claim is a conditional update on the state and
    attempts read: one row updated means "mine"; a row another worker took meanwhile is
    skipped."""
    claimed = []
    for pk, state, attempts in rows:
        updated = Job.objects.filter(pk=pk, state=state, attempts=attempts).update(
            state=JobState.RUNNING,
            locked_by=worker,
            locked_until=now + lease(),
            attempts=attempts + 1,
        )
        if updated == 1:
            claimed.append(Job.objects.get(pk=pk))
    return claimed


def claim(worker: str, *, now: datetime, limit: int = 20) -> list[Job]:
    """Claim up to `limit` due jobs for `worker`."""
    return take(worker, due_rows(now=now, limit=limit), now=now)


def release(jobs: list[Job]) -> None:
    """Hand claimed jobs back unrun (a worker stopping), so the next worker need not wait for
    the lease to run out."""
    for job in jobs:
        Job.objects.filter(pk=job.pk, locked_by=job.locked_by, state=JobState.RUNNING).update(
            state=JobState.PENDING, locked_by="", locked_until=None, attempts=job.attempts - 1
        )


def run_job(job: Job, *, now: datetime) -> None:
    """Run one claimed job and record the outcome; failures retry with a growing delay."""
    function = HANDLERS.get(job.kind)
    mine = Job.objects.filter(pk=job.pk, locked_by=job.locked_by)
    try:
        if function is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        if job.kind in NON_ATOMIC:
            function(job, now)
        with transaction.atomic():
            if job.kind not in NON_ATOMIC:
                function(job, now)
            finished = mine.update(
                state=JobState.DONE, finished_at=timezone.now(), locked_until=None, last_error=""
            )
            if finished != 1:
                raise LeaseLost(job.key)
        logger.info("job %s done", job.key)
    except LeaseLost:
        # Another worker holds the job now: what this run decided is undone with the
        # transaction, so a slow worker never decides a warning a second time.
        logger.warning(
            "job %s: the lease ran out before it finished; left to its new worker", job.key
        )
    except Defer as defer:
        logger.info("job %s deferred to %s", job.key, defer.until.isoformat())
        mine.update(
            state=JobState.PENDING,
            due_at=defer.until,
            locked_until=None,
            attempts=max(job.attempts - 1, 0),
            last_error="",
        )
    except Exception as exc:  # a failing job must not stop the worker
        logger.exception("job %s failed (attempt %s)", job.key, job.attempts)
        final = job.attempts >= MAX_ATTEMPTS
        mine.update(
            state=JobState.FAILED if final else JobState.PENDING,
            due_at=now + timedelta(seconds=30 * 2 ** min(job.attempts, 10)),
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}",
        )


# The jobs that only deliver: once done, a row is the record of a message sent, kept
# ACCORD_DELIVERY_RETENTION_DAYS (docs/reliability.md, "Soak"). Every other kind stays: a clock
# job's key is what keeps a warning from being decided twice.
DELIVERY_KINDS = ("notify", "send_email", "webhook")
PURGE_INTERVAL = timedelta(hours=1)
PURGE_BATCH = 5_000


def purge_delivered(now: datetime) -> int:
    """Delete the delivery jobs done more than the retention ago, a batch at a time (short
    transactions: SQLite's write lock is held briefly); how many."""
    days = getattr(settings, "ACCORD_DELIVERY_RETENTION_DAYS", 90)
    if days <= 0:
        return 0
    old = Job.objects.filter(
        kind__in=DELIVERY_KINDS, state=JobState.DONE, finished_at__lt=now - timedelta(days=days)
    )
    total = 0
    while batch := list(old.values_list("pk", flat=True)[:PURGE_BATCH]):
        total += Job.objects.filter(pk__in=batch).delete()[0]
    return total


def run_due(
    worker: str,
    *,
    now: datetime | None = None,
    limit: int = 20,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Claim and run the due jobs; the number run. When `should_stop` turns true the jobs
    claimed but not yet started are released."""
    at = now or timezone.now()
    jobs = claim(worker, now=at, limit=limit)
    for index, job in enumerate(jobs):
        if should_stop is not None and should_stop():
            release(jobs[index:])
            return index
        run_job(job, now=at)
    return len(jobs)
