"""Work that happens later, stored as rows: the database is the only schedule.

`accord worker` processes claim due jobs with a conditional update (one row updated means
"mine"), so any number can run and a restart loses nothing: a job whose worker died is claimed
again when its lease runs out. `key` is unique, so a job that must happen once per ticket and
threshold (a clock warning) exists once however often it is scheduled.
"""

from __future__ import annotations

from django.db import models


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class Job(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
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

    class Meta:
        indexes = [models.Index(fields=["state", "due_at"], name="job_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"
