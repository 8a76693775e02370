"""The jobs a ticket's changes enqueue: its clock jobs, and what the change listeners return.

A ticket has one `clock_warning` job per threshold of its contract's clock rules and one
`clock_breach` job, keyed by ticket (`ticket:{id}:warning:1/2`, `ticket:{id}:breach`), due at
the instants the engine computed; they are cancelled while the clock is stopped and rescheduled
when it runs again (their handlers: `accord.helpdesk.notices.clock`). `after_ticket_change`
tells the listeners registered in `work.CHANGE_LISTENERS` (the notices) about a change, in its
transaction, and enqueues the jobs they return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from accord.accounts.models import User
from accord.core.prepared import PreparedInsert
from accord.engine.clocks import ClockResult, ClockState
from accord.engine.timeutil import from_epoch
from accord.helpdesk.models import Comment, Ticket, TicketEvent
from accord.work import services as work
from accord.work.models import Job, JobState, subject_fields

# The rows `after_ticket_change` enqueues: their insert, compiled once per process and number
# of rows (accord.core.prepared).
_insert_jobs = PreparedInsert(Job)


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
        Job(key=key, kind=kind, due_at=due_at, payload=payload or {}, **subject_fields(ticket))
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
        return Job(
            key=key, kind=kind, due_at=due_at, payload=payload or {}, **subject_fields(ticket)
        )

    existing = {job.key: job for job in Job.objects.filter(key__in=[*wanted, *stopped])}
    missing = [key for key in wanted if key not in existing]
    if missing:
        try:
            with transaction.atomic():  # a savepoint: a concurrent scheduler may win a key
                Job.objects.bulk_create([row(key) for key in missing])
        except IntegrityError:
            for key in missing:  # one by one, each settling its own race
                kind, due_at, payload = wanted[key]
                work.schedule(key, kind, due_at, subject=ticket, payload=payload)
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
    for listener in work.CHANGE_LISTENERS:
        rows += listener(ticket, what, actor=actor, comment=comment, **extra) or []
    _insert_jobs.insert_ignoring_conflicts(rows)  # Job.objects.bulk_create(rows, ignore_...)
