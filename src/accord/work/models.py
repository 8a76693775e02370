"""Work that happens later, stored as rows: the database is the only schedule.

`accord worker` processes claim due jobs with a conditional update (one row updated means
"mine"), so any number can run and a restart loses nothing: a job whose worker died is claimed
again when its lease runs out. `key` is unique, so a job that must happen once per ticket and
threshold (a clock warning) exists once however often it is scheduled.

What a job is about is a generic key, the model's label and the row's primary key
(`subject_type` "helpdesk.ticket", `subject_id` 42), so the queue names no app above it.
`ticket`, the foreign key it replaces, is still written for one release, so the previous
version's workers keep reading it during a rolling upgrade; the next release drops it
(docs/architecture.md, "Two-step migrations").
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Model
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


LEGACY_TICKET = "helpdesk.ticket"  # the model the old `ticket` column points at


def subject_fields(subject: Model | None) -> dict[str, object]:
    """A job's columns that say what it is about: `Job(**subject_fields(ticket), ...)`."""
    if subject is None:
        return {}
    fields: dict[str, object] = {
        "subject_type": subject._meta.label_lower,
        "subject_id": subject.pk,
    }
    if subject._meta.label_lower == LEGACY_TICKET:
        fields["ticket_id"] = subject.pk  # for the previous release's readers; goes next
    return fields


class JobQuerySet(models.QuerySet["Job"]):
    def about(self, subject: Model) -> JobQuerySet:
        """The jobs about `subject` (a ticket's clock jobs, say)."""
        return self.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)


class Job(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Replaced by the subject key; kept, written and backfilled for one release (see above).
    ticket = models.ForeignKey(
        "helpdesk.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["state", "due_at"], name="job_due"),
            models.Index(fields=["subject_type", "subject_id"], name="job_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"

    def subject_pk(self, label: str) -> int | None:
        """The primary key of the `label` row this job is about, or None. A row written by
        the previous release has only the old `ticket` column."""
        if self.subject_type:
            return self.subject_id if self.subject_type == label else None
        return self.ticket_id if label == LEGACY_TICKET else None


class WebhookFormat(models.TextChoices):
    JSON = "json", "Accord JSON"
    SLACK = "slack", "Slack-compatible"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """Where ticket events are POSTed, signed with HMAC-SHA256 of `secret` (docs/email.md).

    An endpoint of an organisation receives that organisation's ticket events, the ones its
    people would get by email; one with no organisation (the vendor's own) receives every
    organisation's, staff-only events (clock warnings) included. `events` filters by event
    name ("ticket.reported", "clock.breach", ...); empty means all.
    """

    tenant_field = "organisation"

    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Empty: events of every organisation (the vendor's own endpoint)"),
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200,
        default=new_webhook_secret,
        help_text=_("Shared secret for the X-Accord-Signature header"),
    )
    format = models.CharField(
        max_length=10, choices=WebhookFormat.choices, default=WebhookFormat.JSON
    )
    events = models.JSONField(
        default=list, blank=True, help_text='Event names to send, e.g. ["clock.breach"]; empty: all'
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)
