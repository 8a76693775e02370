"""A worker whose lease ran out while it ran a job: the job's new worker decides, and the slow
worker's outcome is rolled back, so a clock warning is never decided twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from accord.work import services as work
from accord.work.models import Job, JobState


def test_a_claim_lasts_the_configured_lease(world: Any, at: Callable[[str], datetime]) -> None:
    work.schedule("chaos:lease", "notify", at("09T09:00"))
    with override_settings(ACCORD_JOB_LEASE_SECONDS=10):
        [job] = work.claim("a", now=at("09T09:00"))
    assert job.locked_until == at("09T09:00:10")


@pytest.fixture
def handler_runs() -> Any:
    """A job kind whose handler records each run as a row (a `notify` job of its own key)."""
    runs: list[str] = []

    def record(job: Job, now: datetime) -> None:
        runs.append(job.locked_by)
        work.schedule(f"decided:{job.key}:{job.locked_by}", "test_noop", now)

    work.HANDLERS["test_decide"] = record
    yield runs
    del work.HANDLERS["test_decide"]


def test_a_slow_worker_that_lost_its_lease_decides_nothing(
    world: Any, at: Callable[[str], datetime], handler_runs: list[str]
) -> None:
    start = at("09T09:00")
    work.schedule("ticket:1:warning:1/2", "test_decide", start)
    [slow] = work.claim("slow", now=start)
    # The slow worker is stuck past its lease; another claims the job and finishes it.
    later = start + work.lease() + timedelta(seconds=1)
    [fast] = work.claim("fast", now=later)
    work.run_job(fast, now=later)
    # Then the slow one wakes up and runs its stale claim.
    work.run_job(slow, now=later)
    assert handler_runs == ["fast", "slow"]
    decided = Job.objects.filter(key__startswith="decided:").values_list("key", flat=True)
    assert list(decided) == ["decided:ticket:1:warning:1/2:fast"]
    job = Job.objects.get(key="ticket:1:warning:1/2")
    assert (job.state, job.locked_by, job.attempts) == (JobState.DONE, "fast", 2)
