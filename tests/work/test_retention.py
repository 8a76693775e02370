"""Finished delivery jobs are deleted after the retention; clock jobs never are (their keys
keep a warning from being decided twice)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.test import override_settings

from accord.work import services as work
from accord.work.models import Job, JobState


def _job(key: str, kind: str, state: str, finished: datetime | None) -> None:
    Job.objects.create(
        key=key, kind=kind, due_at=finished or datetime.now(), state=state, finished_at=finished
    )


def test_delivery_jobs_done_before_the_retention_are_deleted(
    world: Any, at: Callable[[str], datetime]
) -> None:
    now = at("09T09:00")
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    _job("email:old", "send_email", JobState.DONE, old)
    _job("webhook:old", "webhook", JobState.DONE, old)
    _job("notify:old", "notify", JobState.DONE, old)
    _job("email:recent", "send_email", JobState.DONE, recent)
    _job("email:failed", "send_email", JobState.FAILED, old)  # kept: someone must look at it
    _job("ticket:1:warning:1/2", "clock_warning", JobState.DONE, old)
    assert work.purge_delivered(now) == 3
    left = set(Job.objects.values_list("key", flat=True))
    assert left == {"email:recent", "email:failed", "ticket:1:warning:1/2"}


def test_a_retention_of_zero_keeps_every_job(world: Any, at: Callable[[str], datetime]) -> None:
    now = at("09T09:00")
    _job("email:old", "send_email", JobState.DONE, now - timedelta(days=3650))
    with override_settings(ACCORD_DELIVERY_RETENTION_DAYS=0):
        assert work.purge_delivered(now) == 0
    assert Job.objects.count() == 1


def test_the_worker_purges_hourly() -> None:
    task = work.PERIODIC["purge_delivered"]
    assert task.interval == timedelta(hours=1)
