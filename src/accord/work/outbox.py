"""The outbox: messages decided with a change, as job rows in the change's transaction.

Nothing sends anything while a change is made. The app that owns the change (the help desk's
notices, the status page's subscriptions, the monthly reports) enqueues jobs with unique keys
in the change's own transaction: a change that commits has its messages committed with it, and
one that rolls back has none; a message is decided once however often the job deciding it
runs. The worker then delivers them (`accord.work.delivery`: email, signed webhooks) outside
any transaction, retried with backoff by `run_job` when the mail server or an endpoint fails.

`snapshot` / `restore` carry a row in a job's payload as the change left it, so the worker
renders what the change would have rendered. `muted()` silences the changes made inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Model

from accord.work.models import Job

M = TypeVar("M", bound=Model)

_muted: ContextVar[bool] = ContextVar("accord_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No notifications for the changes made inside (bulk imports, demo data)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Inside `muted()`: enqueue no notification."""
    return _muted.get()


def enqueue(key: str, kind: str, due_at: datetime, payload: dict[str, Any]) -> Job:
    """A job that happens once: created unless a job of this key exists, in whatever state."""
    job, _ = Job.objects.get_or_create(
        key=key, defaults={"kind": kind, "due_at": due_at, "payload": payload}
    )
    return job


def enqueue_many(jobs: list[Job]) -> None:
    """`enqueue` for many jobs in one statement: each is created unless a job of its key exists,
    in whatever state. The unique key decides, in the database (`INSERT ... ON CONFLICT DO
    NOTHING` on PostgreSQL, `INSERT OR IGNORE` on SQLite): an existing row is left as it is,
    and of two transactions inserting one key concurrently the second waits for the first and
    inserts nothing if it commits, so a notice is still enqueued once per key."""
    if jobs:
        Job.objects.bulk_create(jobs, ignore_conflicts=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot(instance: Model, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The row's column values as JSON values (times as ISO 8601 with their offset)."""
    return {
        f.attname: _plain(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.name not in skip
    }


def restore(model: type[M], data: dict[str, Any]) -> M:
    """An instance of `model` as `snapshot` saw it (not saved; its relations read on use)."""
    fields = {
        f.attname: f.to_python(data[f.attname])
        for f in model._meta.concrete_fields
        if f.attname in data
    }
    instance = model(**fields)
    instance._state.adding = False
    return instance
