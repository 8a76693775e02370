"""Frozen monthly reports. A closed month's report is stored once its cut-off has passed, with
the SHA-256 of its canonical JSON; a correction is a new version that says what changed. Rows
are never edited or deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organisation
from accord.core.models import AppendOnly


class ReportVersion(AppendOnly):
    never_changed = "report versions are never changed; issue a new version"
    never_deleted = "report versions are never deleted"

    tenant_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="report_versions"
    )
    month = models.CharField(max_length=7)  # YYYY-MM in the contract's reporting time zone
    version = models.PositiveIntegerField()
    data = models.JSONField(help_text=_("The report, schema accord.report/1 (docs/reports.md)"))
    content_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the canonical JSON"))
    reason = models.CharField(max_length=500)
    changes = models.JSONField(default=list, blank=True, help_text=_("What changed from before"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "month", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "version"], name="one_report_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.month} v{self.version}"
