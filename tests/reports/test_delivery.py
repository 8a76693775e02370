"""Monthly delivery by the worker (docs/reports.md, "Delivery"): each customer's report, PDF
attached, to its customer admins at the month's cut-off, once, even across restarts and with
several workers. The clock is passed in (`now=`); nothing sleeps.

Acme and Globex are in the US region on the built-in policy: months in America/Los_Angeles, so
October 2026's cut-off (ACCORD_REPORT_DAY 3) is 2026-11-03 00:00 PST, 08:00 UTC.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accord.accounts.models import Role
from accord.accounts.services import create_user
from accord.helpdesk import services as helpdesk
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports import delivery
from accord.reports.models import ReportVersion
from accord.work import services as work
from accord.work.models import Job, JobState

pytestmark = pytest.mark.django_db

OCTOBER_CUTOFF = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
MID_OCTOBER = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)


def drain(worker: str, now: datetime) -> int:
    """Run everything due at `now` (and what that enqueues) as `worker`; the jobs run."""
    total = 0
    while done := work.run_due(worker, now=now):
        total += done
    return total


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def october(world: Any) -> Any:
    """Acme's October: a two-hour outage of the Release Manager (120 of 44,520 eligible minutes:
    99.730%, the 5% tier) and a Severity 1 ticket never restored (breached: 2%); a second Acme
    admin."""
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="release-manager", region__code="us"),
        source=Source.INCIDENT,
        impact=Impact.MAJOR_OUTAGE,
        start=datetime(2026, 10, 10, 18, 0, tzinfo=UTC),
        end=datetime(2026, 10, 10, 20, 0, tzinfo=UTC),
    )
    helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Calendar will not load", severity=1),
        now=datetime(2026, 10, 5, 16, 0, tzinfo=UTC),
    )
    world.acme_admin2 = create_user(
        email="ada@acme.test", role=Role.CUSTOMER_ADMIN, organisation=world.acme
    )
    delivery.plan_reports(now=MID_OCTOBER)
    drain("setup", MID_OCTOBER)  # the ticket's notifications, out of the way
    return world


def report_mail(mailoutbox: list[Any]) -> list[Any]:
    return [m for m in mailoutbox if m.extra_headers.get("X-Accord-Report")]


def test_plan_gives_every_contract_its_next_report_job_once(world: Any) -> None:
    assert delivery.plan_reports(now=MID_OCTOBER) == 2
    assert delivery.plan_reports(now=MID_OCTOBER) == 0  # planned already: nothing more
    jobs = Job.objects.filter(kind=delivery.DELIVER).order_by("key")
    assert [(j.key, j.due_at, j.state) for j in jobs] == [
        (f"report:{world.acme.pk}:2026-10", OCTOBER_CUTOFF, JobState.PENDING),
        (f"report:{world.globex.pk}:2026-10", OCTOBER_CUTOFF, JobState.PENDING),
    ]


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (datetime(2026, 11, 3, 7, 59, 59, tzinfo=UTC), "2026-10"),  # before October's cut-off
        (datetime(2026, 11, 3, 8, 0, tzinfo=UTC), "2026-11"),  # at it: November is next
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "2026-10"),  # 31 Oct 23:30 Pacific
    ],
)
def test_the_next_report_is_the_first_month_whose_cut_off_is_ahead(
    world: Any, now: datetime, month: str
) -> None:
    assert delivery.next_report_month(world.acme.contract, now=now) == month


def test_a_contract_starting_later_gets_its_first_month(world: Any) -> None:
    world.acme.contract.starts_on = datetime(2027, 2, 1).date()
    assert delivery.next_report_month(world.acme.contract, now=MID_OCTOBER) == "2027-02"


def test_nothing_before_the_cut_off_then_one_email_per_admin_once(
    october: Any, mailoutbox: list[Any]
) -> None:
    world = october
    assert drain("w1", OCTOBER_CUTOFF - timedelta(seconds=1)) == 0
    assert report_mail(mailoutbox) == [] and not ReportVersion.objects.exists()

    drain("w1", OCTOBER_CUTOFF)
    sent = report_mail(mailoutbox)
    assert sorted(m.to[0] for m in sent) == ["ada@acme.test", "adam@acme.test", "gary@globex.test"]
    assert ReportVersion.objects.filter(organisation=world.acme, month="2026-10").count() == 1
    # The next month's job is in place, due at November's cut-off (3 Dec 00:00 PST).
    following = Job.objects.get(key=f"report:{world.acme.pk}:2026-11")
    assert following.state == JobState.PENDING
    assert following.due_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    # A restarted worker, a second worker, a later run: nothing more is sent.
    drain("w1", OCTOBER_CUTOFF + timedelta(hours=1))
    drain("w2", OCTOBER_CUTOFF + timedelta(days=2))
    assert delivery.plan_reports(now=OCTOBER_CUTOFF + timedelta(days=2)) == 0
    assert len(report_mail(mailoutbox)) == 3
    assert ReportVersion.objects.count() == 2  # one per organisation


def test_the_email_summarises_the_month_and_attaches_the_pdf(
    october: Any, mailoutbox: list[Any], settings: Any
) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.com/"
    drain("w1", OCTOBER_CUTOFF)
    mail = next(m for m in report_mail(mailoutbox) if m.to == ["adam@acme.test"])
    assert mail.subject == "SLA report for October 2026: Acme Corp"
    body = mail.body
    assert "Release Manager (us): 99.730% against 99.9%, NOT MET (1 outage)" in body
    assert "Reporting (us): 100.000% against 99.9%, met" in body
    assert "Severity 1 Critical (target 4 hours): 1 ticket, 0 met, 1 breached" in body
    assert "Calendar will not load (severity 1, 8 days 17 h used of 4 h 0 min)" in body
    assert "Service credit: 70.00 USD (7.00% of the monthly fee)" in body
    assert "View the report: https://sla.example.com/reports/acme/2026-10/" in body
    assert "America/Los_Angeles" in body and "Tue 3 Nov 2026 00:00 PST" in body
    html, kind = mail.alternatives[0]
    assert kind == "text/html" and "Calendar will not load" in html and "not met" in html
    ((filename, content, mimetype),) = mail.attachments
    assert (filename, mimetype) == ("acme-2026-10-sla-report.pdf", "application/pdf")
    assert content[:5] == b"%PDF-"
    text = pdf_text(content)
    assert "Acme Corp" in text
    assert "October 2026" in text or "2026-10" in text
    message = mail.message()
    assert message["Message-ID"].startswith(f"<report-{october.acme.pk}-2026-10-v1.user-")
    assert message["Auto-Submitted"] == "auto-generated"


def test_a_job_reclaimed_after_its_lease_ran_out_sends_nothing_more(
    october: Any, mailoutbox: list[Any]
) -> None:
    world = october
    # Worker A claims Acme's October job at the cut-off, then stalls (a long GC pause, a
    # frozen VM) past its lease.
    key = f"report:{world.acme.pk}:2026-10"
    rows = [r for r in work.due_rows(now=OCTOBER_CUTOFF) if r[0] == Job.objects.get(key=key).pk]
    (stalled,) = work.take("A", rows, now=OCTOBER_CUTOFF)
    # Worker B finds the lease ran out, takes the job over and delivers.
    later = OCTOBER_CUTOFF + work.LEASE + timedelta(seconds=1)
    drain("B", later)
    assert sorted(m.to[0] for m in report_mail(mailoutbox)) == [
        "ada@acme.test",
        "adam@acme.test",
        "gary@globex.test",
    ]
    # A wakes up and finishes its run: its transaction adds nothing, and it does not mark
    # B's job.
    work.run_job(stalled, now=OCTOBER_CUTOFF)
    assert Job.objects.get(key=key).locked_by == "B"
    drain("A", later + timedelta(minutes=1))
    assert len(report_mail(mailoutbox)) == 3
    assert ReportVersion.objects.filter(organisation=world.acme).count() == 1


def test_a_crash_between_freezing_and_queueing_loses_and_doubles_nothing(
    october: Any, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = october
    real = delivery.enqueue_many
    calls = {"n": 0}

    def crash_once(jobs: list[Job]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker killed after freezing")
        real(jobs)

    monkeypatch.setattr(delivery, "enqueue_many", crash_once)
    key = f"report:{world.acme.pk}:2026-10"
    acme_job = Job.objects.get(key=key)
    (claimed,) = work.take("w1", [(acme_job.pk, JobState.PENDING, 0)], now=OCTOBER_CUTOFF)
    work.run_job(claimed, now=OCTOBER_CUTOFF)
    # The freeze rolled back with the job's transaction: nothing stored, nothing queued.
    failed = Job.objects.get(key=key)
    assert failed.state == JobState.PENDING and "worker killed" in failed.last_error
    assert not ReportVersion.objects.filter(organisation=world.acme).exists()
    assert not Job.objects.filter(kind=delivery.EMAIL).exists()
    drain("w1", OCTOBER_CUTOFF + timedelta(hours=1))  # after the retry's backoff
    assert sorted(m.to[0] for m in report_mail(mailoutbox)) == [
        "ada@acme.test",
        "adam@acme.test",
        "gary@globex.test",
    ]


def test_a_mail_server_failure_retries_the_email_alone(
    october: Any, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMultiAlternatives

    real = EmailMultiAlternatives.send
    failures = {"n": 0}

    def flaky(self: Any, fail_silently: bool = False) -> int:
        if self.to == ["adam@acme.test"] and failures["n"] == 0:
            failures["n"] += 1
            raise ConnectionRefusedError("smtp down")
        return int(real(self, fail_silently))

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    drain("w1", OCTOBER_CUTOFF)
    assert len(report_mail(mailoutbox)) == 2
    drain("w1", OCTOBER_CUTOFF + timedelta(hours=1))
    assert sorted(m.to[0] for m in report_mail(mailoutbox)) == [
        "ada@acme.test",
        "adam@acme.test",
        "gary@globex.test",
    ]
    assert ReportVersion.objects.count() == 2  # the report was frozen once


def test_an_organisation_without_admins_is_recorded_not_an_error(
    october: Any, mailoutbox: list[Any]
) -> None:
    world = october
    world.globex_admin.is_active = False
    world.globex_admin.save()
    drain("w1", OCTOBER_CUTOFF)
    job = Job.objects.get(key=f"report:{world.globex.pk}:2026-10")
    assert job.state == JobState.DONE and job.last_error == ""
    assert "no customer admin" in job.payload["outcome"]
    assert ReportVersion.objects.filter(organisation=world.globex, month="2026-10").exists()
    assert not [m for m in report_mail(mailoutbox) if m.to == ["gary@globex.test"]]
    assert not Job.objects.filter(state=JobState.FAILED).exists()
    # Globex's next month is still planned.
    assert Job.objects.filter(key=f"report:{world.globex.pk}:2026-11").exists()


def test_an_admin_removed_before_the_send_gets_nothing(october: Any, mailoutbox: list[Any]) -> None:
    world = october
    # Queue the emails without sending them: run only the delivery jobs.
    for job in Job.objects.filter(kind=delivery.DELIVER, due_at__lte=OCTOBER_CUTOFF):
        (claimed,) = work.take("w1", [(job.pk, job.state, job.attempts)], now=OCTOBER_CUTOFF)
        work.run_job(claimed, now=OCTOBER_CUTOFF)
    world.acme_admin2.role = Role.REPORTER
    world.acme_admin2.save()
    drain("w1", OCTOBER_CUTOFF)
    assert sorted(m.to[0] for m in report_mail(mailoutbox)) == [
        "adam@acme.test",
        "gary@globex.test",
    ]


def test_a_zone_change_after_planning_defers_to_the_new_cut_off(
    october: Any, mailoutbox: list[Any]
) -> None:
    world = october
    world.acme.contract.reporting_timezone = "Pacific/Honolulu"  # 10:00 UTC at 00:00 local
    world.acme.contract.save()
    drain("w1", OCTOBER_CUTOFF)
    job = Job.objects.get(key=f"report:{world.acme.pk}:2026-10")
    assert job.state == JobState.PENDING
    assert job.due_at == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert [m.to for m in report_mail(mailoutbox)] == [["gary@globex.test"]]
    drain("w1", job.due_at)
    assert len(report_mail(mailoutbox)) == 3


def test_the_worker_command_plans_the_reports(world: Any) -> None:
    call_command("worker", once=True, name="cron", stdout=io.StringIO(), stderr=io.StringIO())
    planned = Job.objects.filter(kind=delivery.DELIVER)
    assert {j.payload["organisation"] for j in planned} == {world.acme.pk, world.globex.pk}
    assert set(planned.values_list("state", flat=True)) == {JobState.PENDING}


def test_reports_built_sharing_uptime_equal_those_built_alone(october: Any) -> None:
    """The batch mode of `bench/reports.py` (and of any run over every customer): customers
    in one region on the same terms share their module-regions' uptime work, except where an
    outage hit one of them alone."""
    from accord.reports.build import build_report, sharing_uptime

    world = october
    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="reporting", region__code="us"),
        organisation=world.globex,
        source=Source.TICKET,
        impact=Impact.MAJOR_OUTAGE,
        start=datetime(2026, 10, 20, 18, 0, tzinfo=UTC),
        end=datetime(2026, 10, 20, 19, 30, tzinfo=UTC),
    )
    moments = [OCTOBER_CUTOFF + timedelta(days=1), datetime(2026, 10, 21, 12, 0, tzinfo=UTC)]
    organisations = [world.acme, world.globex, world.acme]
    alone = [
        build_report(org, "2026-10", now=now).to_json_data()
        for now in moments
        for org in organisations
    ]
    with sharing_uptime():
        shared = [
            build_report(org, "2026-10", now=now).to_json_data()
            for now in moments
            for org in organisations
        ]
    assert shared == alone
    globex = shared[1]["uptime"]
    reporting = next(m for m in globex if m["module"] == "reporting")
    assert [o["customer_only"] for o in reporting["outages"]] == [True]
    acme_reporting = next(m for m in shared[0]["uptime"] if m["module"] == "reporting")
    assert acme_reporting["outages"] == []


def test_the_month_end_freezes_every_due_report_in_one_pass_then_the_jobs_send_them(
    october: Any, mailoutbox: list[Any]
) -> None:
    world = october
    assert delivery.issue_due_reports(now=OCTOBER_CUTOFF - timedelta(seconds=1)) == 0
    assert delivery.issue_due_reports(now=OCTOBER_CUTOFF) == 2
    assert delivery.issue_due_reports(now=OCTOBER_CUTOFF) == 0  # the next pass: done already
    versions = {v.organisation_id: v for v in ReportVersion.objects.filter(month="2026-10")}
    assert set(versions) == {world.acme.pk, world.globex.pk}
    assert all(v.version == 1 and v.reason == "Monthly delivery" for v in versions.values())

    drain("w1", OCTOBER_CUTOFF)
    assert sorted(m.to[0] for m in report_mail(mailoutbox)) == [
        "ada@acme.test",
        "adam@acme.test",
        "gary@globex.test",
    ]
    job = Job.objects.get(key=f"report:{world.acme.pk}:2026-10")
    assert job.payload["outcome"].startswith("version 1 frozen;")
    assert ReportVersion.objects.count() == 2  # the jobs stored nothing more
