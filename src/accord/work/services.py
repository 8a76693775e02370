"""Scheduling and claiming work rows. Handlers register themselves by job kind."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accord.core.prepared import PreparedInsert
from accord.engine.clocks import ClockResult, ClockState
from accord.engine.timeutil import from_epoch
from accord.work.models import Job, JobState

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.helpdesk.models import Comment, Ticket, TicketEvent

logger = logging.getLogger(__name__)

Handler = Callable[[Job, datetime], None]
HANDLERS: dict[str, Handler] = {}
# Kinds whose handler runs outside a database transaction: those that talk to the outside
# world (SMTP, HTTP) and must not hold SQLite's write lock while they wait on the network.
NON_ATOMIC: set[str] = set()
# Called after every ticket change, inside its transaction (notifications register here). A
# listener returns the job rows to enqueue (each created unless a job of its key exists), or
# None; `after_ticket_change` inserts them all in one statement.
CHANGE_LISTENERS: list[Callable[..., list[Job] | None]] = []
# Those rows' insert, compiled once per process and number of rows (accord.core.prepared).
_insert_jobs = PreparedInsert(Job)

LEASE = timedelta(minutes=5)
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
    ticket: Ticket | None = None,
    payload: dict[str, Any] | None = None,
) -> Job:
    """Create the job `key`, or move it to `due_at` if it has not run yet. A job that has run
    (done, failed) is left alone: what must happen once happens once."""
    job, created = Job.objects.get_or_create(
        key=key,
        defaults={"kind": kind, "due_at": due_at, "ticket": ticket, "payload": payload or {}},
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


ClockJobs = dict[str, tuple[str, datetime, dict[str, Any] | None]]


def _clock_jobs(ticket: Ticket, result: ClockResult) -> tuple[ClockJobs, list[str]]:
    """The clock jobs a ticket should have (key: kind, due time, payload or None), and the keys
    of those it should not (to cancel)."""
    running = result.state is ClockState.RUNNING
    wanted: ClockJobs = {}
    stopped: list[str] = []
    for warning in result.warnings:
        fraction = warning.fraction
        key = f"ticket:{ticket.pk}:warning:{fraction.numerator}/{fraction.denominator}"
        if running and warning.at is not None:
            wanted[key] = ("clock_warning", from_epoch(warning.at), {"fraction": str(fraction)})
        else:
            stopped.append(key)
    breach_key = f"ticket:{ticket.pk}:breach"
    if result.breach_at is not None and (running or result.breached):
        wanted[breach_key] = ("clock_breach", from_epoch(result.breach_at), None)
    else:
        stopped.append(breach_key)
    return wanted, stopped


def new_clock_jobs(ticket: Ticket, result: ClockResult) -> list[Job]:
    """The rows `schedule_clock_jobs(ticket, result, new=True)` inserts, for a caller that
    inserts them itself (with the other jobs of the same change, in one statement)."""
    wanted, _ = _clock_jobs(ticket, result)
    return [
        Job(key=key, kind=kind, due_at=due_at, ticket=ticket, payload=payload or {})
        for key, (kind, due_at, payload) in wanted.items()
    ]


def schedule_clock_jobs(ticket: Ticket, result: ClockResult, *, new: bool = False) -> None:
    """One warning job per threshold and one breach job per ticket, at the engine's instants;
    cancelled while the clock is stopped, rescheduled when it runs again.

    The same outcome as `schedule` / `cancel` key by key, in at most four statements: one read
    of the ticket's clock jobs, one insert of the missing ones, one update of those that move,
    one conditional cancel. `new`: the ticket was created in this transaction, so it has no
    jobs yet (nobody else can know its id before the commit): no read, one insert.
    """
    if new:
        Job.objects.bulk_create(new_clock_jobs(ticket, result))
        return
    wanted, stopped = _clock_jobs(ticket, result)

    def row(key: str) -> Job:
        kind, due_at, payload = wanted[key]
        return Job(key=key, kind=kind, due_at=due_at, ticket=ticket, payload=payload or {})

    existing = {job.key: job for job in Job.objects.filter(key__in=[*wanted, *stopped])}
    missing = [key for key in wanted if key not in existing]
    if missing:
        try:
            with transaction.atomic():  # a savepoint: a concurrent scheduler may win a key
                Job.objects.bulk_create([row(key) for key in missing])
        except IntegrityError:
            for key in missing:  # one by one, each settling its own race
                kind, due_at, payload = wanted[key]
                schedule(key, kind, due_at, ticket=ticket, payload=payload)
    moved = []
    for key, job in existing.items():
        if key not in wanted or job.state not in (JobState.PENDING, JobState.CANCELLED):
            continue  # a job that has run (done, failed) or is running is left alone
        _, due_at, payload = wanted[key]
        if (
            job.state == JobState.PENDING
            and job.due_at == due_at
            and (payload is None or job.payload == payload)
        ):
            continue  # already so: nothing to write
        job.due_at = due_at
        job.state = JobState.PENDING
        if payload is not None:
            job.payload = payload
        moved.append(job)
    if moved:
        Job.objects.bulk_update(moved, ["due_at", "state", "payload"])
    if any(key in existing for key in stopped):
        Job.objects.filter(key__in=stopped, state=JobState.PENDING).update(state=JobState.CANCELLED)


def after_ticket_change(
    ticket: Ticket,
    what: str,
    *,
    actor: User | None,
    comment: Comment | None = None,
    event: TicketEvent | None = None,
    jobs: list[Job] | None = None,
) -> None:
    """Tell the listeners about a change and enqueue the jobs they return. `event`: the event
    the change appended, when the caller has it at hand (listeners then need not read it back).
    `jobs`: rows the change enqueues anyway (a new ticket's clock jobs), inserted in the same
    statement. Each row is created unless a job of its key exists, in whatever state: the
    unique key decides, in the database (`INSERT ... ON CONFLICT DO NOTHING` on PostgreSQL,
    `INSERT OR IGNORE` on SQLite), and of two transactions inserting one key concurrently the
    second waits for the first and inserts nothing if it commits."""
    rows = list(jobs or [])
    extra = {} if event is None else {"event": event}
    for listener in CHANGE_LISTENERS:
        rows += listener(ticket, what, actor=actor, comment=comment, **extra) or []
    _insert_jobs.insert_ignoring_conflicts(rows)  # Job.objects.bulk_create(rows, ignore_...)


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
            locked_until=now + LEASE,
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
            mine.update(
                state=JobState.DONE, finished_at=timezone.now(), locked_until=None, last_error=""
            )
        logger.info("job %s done", job.key)
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
