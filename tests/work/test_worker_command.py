"""`accord worker`: `--once` for cron and tests; a clean stop on SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from accord.helpdesk import services
from accord.work.models import Job, JobState


def test_once_runs_everything_due_then_exits(world: Any, mailoutbox: list[Any]) -> None:
    services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Now", severity=2),
    )
    call_command("worker", once=True, name="cron", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(mailoutbox) == 4
    # The report's notice (its notify job) and the emails it fanned out to all ran.
    done = Job.objects.filter(kind__in=["notify", "send_email"])
    assert done.count() == 5
    assert set(done.values_list("state", "locked_by")) == {(JobState.DONE, "cron")}
    # The clock jobs are not due yet: left for later.
    later = Job.objects.exclude(kind__in=["notify", "send_email"])
    assert set(later.values_list("state", flat=True)) == {JobState.PENDING}


@pytest.mark.slow
def test_the_worker_stops_cleanly_on_sigterm(run_accord: Any, tmp_path: Path) -> None:
    assert run_accord("migrate", "--no-input").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ACCORD_DATA_DIR"] = str(tmp_path / "accord-data")
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("accord")), "worker", "--idle-seconds", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stderr is not None
        seen = []
        for line in worker.stderr:  # "worker ... started" is logged once the loop runs
            seen.append(line)
            if "started" in line:
                break
        assert worker.poll() is None, "".join(seen)
        worker.send_signal(signal.SIGTERM)
        _, rest = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, "".join(seen) + rest
    assert "SIGTERM received" in rest and "stopped after 0 job(s)" in rest, rest
