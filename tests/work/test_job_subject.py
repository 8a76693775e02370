"""Jobs name their subject by a generic key (step one of two replacing `Job.ticket`): rows the
previous release wrote, with only the ticket column, still send their warnings after the
upgrade, and the migration's backfill gives them the new key."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from accord.work.models import Job, JobState

pytestmark = pytest.mark.django_db

STAFF = ["alex@vendor.test", "morgan@vendor.test"]


def test_a_ticket_clock_job_names_its_ticket_by_the_generic_key_and_the_old_column(
    report: Any,
) -> None:
    ticket = report()
    jobs = list(Job.objects.about(ticket))
    assert {job.kind for job in jobs} >= {"clock_warning", "clock_breach"}
    assert {(job.subject_type, job.subject_id, job.ticket_id) for job in jobs} == {
        ("helpdesk.ticket", ticket.pk, ticket.pk)
    }


def test_a_warning_the_previous_release_scheduled_is_still_sent_once_after_the_upgrade(
    report: Any, drain: Any, at: Any, mailoutbox: list[Any], sent_of: Any
) -> None:
    ticket = report()  # Severity 1 on Monday 09:00 Pacific: 50% at 11:00
    drain(at("09T09:00"))
    # As the previous release wrote them: the ticket column only, no subject key.
    Job.objects.about(ticket).update(subject_type="", subject_id=None)
    mailoutbox.clear()
    drain(at("09T11:00"))
    assert sorted(m.to[0] for m in mailoutbox) == STAFF
    assert {m.subject for m in mailoutbox} == {
        f"[#{ticket.pk}] 50% of target used: Release page is down"
    }
    warning = Job.objects.get(kind="clock_warning", ticket=ticket, payload__fraction="1/2")
    assert warning.state == JobState.DONE


def test_the_migration_backfills_the_subject_of_jobs_the_previous_release_wrote(
    report: Any,
) -> None:
    ticket = report()
    Job.objects.filter(ticket=ticket).update(subject_type="", subject_id=None)
    migration = importlib.import_module("accord.work.migrations.0003_job_subject")
    migration.fill_subjects(apps, None)
    assert Job.objects.filter(ticket=ticket).count() == Job.objects.about(ticket).count() > 0
