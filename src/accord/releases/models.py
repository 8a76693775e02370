"""Releases per module-region: planned, moved, cancelled, deployed; the tickets they fix.

The rules (supersession, cadence, deployed version at an instant) live in
`accord.engine.releases`; these rows are what they read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.helpdesk.models import Ticket
from accord.monitoring.models import ModuleRegion


class Kind(models.TextChoices):
    MAJOR = "major", "Major release"
    MINOR = "minor", "Minor release"
    EMERGENCY = "emergency", "Emergency fix"


class Release(models.Model):
    module_region = models.ForeignKey(
        ModuleRegion, on_delete=models.PROTECT, related_name="releases"
    )
    version = models.CharField(max_length=50)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    planned_at = models.DateTimeField(null=True, blank=True)
    deployed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    notes = models.TextField(blank=True, help_text=_("What changes, for customers"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    tickets = models.ManyToManyField(
        Ticket,
        blank=True,
        related_name="fixed_by_releases",
        help_text=_("Fault tickets whose permanent fix this release carries"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_at", "deployed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["module_region", "version"], name="one_release_per_version_and_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.module_region} {self.version} ({self.kind})"


class ChangeKind(models.TextChoices):
    MOVED = "moved", "Moved"
    CANCELLED = "cancelled", "Cancelled"


class ReleaseChange(models.Model):
    """A planned release moved or cancelled: kept forever, so customers see why a date changed."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    from_planned_at = models.DateTimeField(null=True, blank=True)
    to_planned_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.release} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
