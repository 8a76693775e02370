"""Clock warnings and breaches: decided by the engine when the job runs, each sent once per
ticket and threshold, whatever happens to workers. Clocks are frozen: `now` is passed in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from accord.helpdesk import services
from accord.helpdesk.models import Status
from accord.work import services as work
from accord.work.models import Job, JobState

STAFF = ["alex@vendor.test", "morgan@vendor.test"]  # agents and managers
CUSTOMER = ["adam@acme.test", "rita@acme.test"]  # the reporter and the organisation's admin


def recipients(messages: list[Any]) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def test_warnings_at_50_75_90_percent_and_the_breach_are_each_sent_once(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()  # Severity 1 on Monday 09:00 Pacific: 4 hours, due 13:00
    drain(at("09T09:00"))
    assert recipients(sent_of(mailoutbox, "ticket.reported")) == sorted(CUSTOMER + STAFF)
    mailoutbox.clear()

    timeline = [
        ("09T10:59:59", None),
        ("09T11:00", "50%"),  # 2 of 4 hours
        ("09T11:30", None),
        ("09T12:00", "75%"),
        ("09T12:35:59", None),
        ("09T12:36", "90%"),  # 3.6 hours
        ("09T13:00", None),  # due: not yet breached (a breach is exceeding the target)
        ("09T13:00:01", "breach"),
        ("09T17:00", None),
    ]
    for when, expected in timeline:
        before = len(mailoutbox)
        drain(at(when))
        new = mailoutbox[before:]
        if expected is None:
            assert new == [], when
        elif expected == "breach":
            assert recipients(new) == sorted(CUSTOMER + STAFF)
            assert {m.subject for m in new} == {f"[#{ticket.pk}] BREACHED: Release page is down"}
        else:
            assert recipients(new) == STAFF, when  # warnings are for the vendor's staff
            assert {m.subject for m in new} == {
                f"[#{ticket.pk}] {expected} of target used: Release page is down"
            }
    assert len(mailoutbox) == 3 * 2 + 4

    ticket.refresh_from_db()
    assert (ticket.standing, ticket.breached_at) == ("breached", at("09T13:00:01"))
    clock_jobs = Job.objects.about(ticket)
    assert set(clock_jobs.values_list("state", flat=True)) == {JobState.DONE}


def test_a_worker_that_was_down_sends_the_breach_and_not_stale_warnings(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()
    drain(at("09T15:00"))  # first run long after the breach
    assert sent_of(mailoutbox, "clock.warning") == []
    assert len(sent_of(mailoutbox, "clock.breach")) == 4
    warning = Job.objects.get(key=f"ticket:{ticket.pk}:warning:1/2")
    assert warning.state == JobState.DONE
    assert warning.payload["outcome"].startswith("skipped: already breached")
    drain(at("09T16:00"))
    assert len(sent_of(mailoutbox, "clock.breach")) == 4


def test_a_stopped_clock_sends_no_warning(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=at("09T10:30")
    )
    drain(at("09T11:00"))
    assert sent_of(mailoutbox, "clock.warning") == []
    # Even a warning job that escaped cancellation (claimed before the restore, say) is
    # re-evaluated by the engine when it runs, and finds nothing to say.
    key = f"ticket:{ticket.pk}:warning:1/2"
    Job.objects.filter(key=key).update(state=JobState.PENDING)
    drain(at("09T11:00"))
    assert sent_of(mailoutbox, "clock.warning") == []
    assert Job.objects.get(key=key).payload["outcome"] == "skipped: the clock is stopped"
    drain(at("09T14:00"))
    assert sent_of(mailoutbox, "clock.breach") == []  # restored in time: no breach


def test_a_reopened_ticket_warns_when_the_resumed_clock_reaches_the_threshold(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()
    services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=at("09T10:30")
    )
    services.reopen(ticket, actor=world.acme_reporter, reason="down again", now=at("10T08:00"))
    drain(at("10T08:29:59"))  # 1.5 hours used before, 29:59 since
    assert sent_of(mailoutbox, "clock.warning") == []
    drain(at("10T08:30"))
    assert len(sent_of(mailoutbox, "clock.warning")) == 2


def test_a_job_due_too_early_is_deferred_to_the_engines_instant(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()
    key = f"ticket:{ticket.pk}:warning:1/2"
    Job.objects.filter(key=key).update(due_at=at("09T10:00"))  # a stale due time
    drain(at("09T10:00"))
    job = Job.objects.get(key=key)
    assert (job.state, job.due_at, job.attempts) == (JobState.PENDING, at("09T11:00"), 0)
    assert sent_of(mailoutbox, "clock.warning") == []
    drain(at("09T11:00"))
    assert len(sent_of(mailoutbox, "clock.warning")) == 2


# --- workers ----------------------------------------------------------------------------------


def test_two_workers_claiming_the_same_job_get_it_once(report: Any, at: Any) -> None:
    report()
    now = at("09T11:00")
    seen_by_b = work.due_rows(now=now)  # worker B reads the due rows ...
    mine = work.claim("a", now=now)  # ... worker A claims them first ...
    assert {job.kind for job in mine} == {"notify", "clock_warning"}
    assert work.take("b", seen_by_b, now=now) == []  # ... B's conditional updates match none
    assert work.claim("b", now=now) == []
    assert set(Job.objects.filter(state=JobState.RUNNING).values_list("locked_by", flat=True)) == {
        "a"
    }


def test_a_job_whose_worker_died_is_retried_after_its_lease_and_sends_once(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()
    drain(at("09T09:00"))
    key = f"ticket:{ticket.pk}:warning:1/2"
    # Worker "dead" claims the warning at 11:00 and is killed mid-run: its transaction, with
    # the emails it enqueued, never commits.
    (job,) = work.claim("dead", now=at("09T11:00"))
    assert job.key == key

    class Killed(BaseException):
        pass

    with pytest.raises(Killed), transaction.atomic():
        work.HANDLERS["clock_warning"](job, at("09T11:00"))
        raise Killed
    assert not Job.objects.filter(kind="send_email", key__contains=":warning-").exists()

    drain(at("09T11:04"), worker="live")  # still leased to the dead worker
    assert sent_of(mailoutbox, "clock.warning") == []
    drain(at("09T11:05:01"), worker="live")  # the lease ran out: retried
    assert len(sent_of(mailoutbox, "clock.warning")) == 2
    retried = Job.objects.get(key=key)
    assert (retried.state, retried.locked_by, retried.attempts) == (JobState.DONE, "live", 2)

    # Had the first worker been only slow, its late finish changes nothing: the follow-up jobs
    # have unique keys and the job is no longer its own.
    work.run_job(job, now=at("09T11:06"))
    drain(at("09T11:06"))
    assert len(sent_of(mailoutbox, "clock.warning")) == 2
    assert Job.objects.get(key=key).locked_by == "live"


def test_a_stopping_worker_hands_back_the_jobs_it_did_not_start(report: Any, at: Any) -> None:
    report()
    (notice,) = work.claim("fan-out", now=at("09T09:00"))  # the report's notify job ...
    work.run_job(notice, now=at("09T09:00"))  # ... becomes its four emails
    calls = []

    def stop_after_one() -> bool:
        calls.append(1)
        return len(calls) > 1

    assert work.run_due("w", now=at("09T09:00"), should_stop=stop_after_one) == 1
    states = list(Job.objects.filter(kind="send_email").values_list("state", "locked_by"))
    assert len(states) == 4
    assert states.count((JobState.DONE, "w")) == 1
    assert states.count((JobState.PENDING, "")) == len(states) - 1
    assert set(
        Job.objects.filter(state=JobState.PENDING, kind="send_email").values_list(
            "attempts", flat=True
        )
    ) == {0}


def test_a_failing_job_is_retried_with_backoff_then_given_up(
    report: Any, at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job: Job, now: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(work.HANDLERS, "broken", broken)
    job = work.schedule("broken:1", "broken", at("09T09:00"))
    now = at("09T09:00")
    for attempt in range(1, work.MAX_ATTEMPTS + 1):
        assert work.run_due("w", now=now) == 1
        job.refresh_from_db()
        assert job.attempts == attempt and job.last_error == "RuntimeError: boom"
        if attempt < work.MAX_ATTEMPTS:
            assert job.state == JobState.PENDING and job.due_at > now
            now = job.due_at
    assert job.state == JobState.FAILED
