"""What is measured, and what counts against uptime.

`ModuleRegion` is the unit of availability: one version of a module running in a region.
Every period of unavailability, whatever told Accord about it (its own probes, an external
monitor's webhook, an incident declared by staff, a Severity 1 ticket confirmed as a total
outage), is an `Outage` row that keeps its source; the contract decides which impacts count
and the engine decides the uptime. Status changes and outages are kept forever; raw probe
results only as per-minute aggregates for a retention period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organisation
from accord.catalogue.models import Module, Region


class ModuleRegion(models.Model):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="deployments")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="deployments")
    deployed_version = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["region__name", "module__position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "region"], name="one_module_per_region")
        ]

    def __str__(self) -> str:
        return f"{self.module} ({self.region.code})"


class Impact(models.TextChoices):
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")


class Source(models.TextChoices):
    """Where an outage came from. The labels are said in the reader's language on pages; a
    frozen report keeps the English (`accord.reports.build`)."""

    PROBE = "probe", _("Accord's probes")
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    WEBHOOK = "webhook", _("External monitor (webhook)")
    INCIDENT = "incident", _("Incident declared by staff")
    TICKET = "ticket", _("Severity 1 ticket confirmed as a total outage")


class Outage(models.Model):
    """A period during which a module-region (or, with `organisation`, one customer's use of
    it) was unavailable. `end` is empty while it lasts."""

    module_region = models.ForeignKey(
        ModuleRegion, on_delete=models.PROTECT, related_name="outages"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outages",
        help_text=_("Set when the outage hit only this customer"),
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    impact = models.CharField(max_length=20, choices=Impact.choices, default=Impact.MAJOR_OUTAGE)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The source's id: alert fingerprint, incident, ticket"),
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["module_region", "start"], name="outage_by_start")]

    def __str__(self) -> str:
        return (
            f"{self.module_region} {self.impact} from {self.start:%Y-%m-%d %H:%M} ({self.source})"
        )


class MaintenanceWindow(models.Model):
    """Ad-hoc maintenance. The contract's recurring window (Wednesday 01:00-01:30 Pacific for
    the seed) is not stored: it exists for every region by the policy itself."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="maintenance")
    module_regions = models.ManyToManyField(
        ModuleRegion, blank=True, help_text=_("Empty means every module of the region")
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    announced_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.title} ({self.region.code}, {self.start:%Y-%m-%d %H:%M})"


class ErrorRateSample(models.Model):
    """How many requests a module-region served, and how many failed, in one interval of
    `seconds` (60 or 300) from `start`, as one source counted them. The published SLAs that
    count downtime from error rates (AWS S3, Atlassian, Google Cloud) read these
    (`accord.engine.error_rates`). Sources: "probes" (Accord's own checks, rolled up from the
    probes' minute aggregates) or an external source's name (pushed over the API)."""

    module_region = models.ForeignKey(
        ModuleRegion, on_delete=models.PROTECT, related_name="error_rate_samples"
    )
    source = models.CharField(max_length=100)
    start = models.DateTimeField()
    seconds = models.PositiveIntegerField()
    requests = models.PositiveBigIntegerField()
    errors = models.PositiveBigIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["module_region", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["module_region", "source", "seconds", "start"],
                name="one_sample_per_source_and_interval",
            ),
            models.CheckConstraint(
                condition=models.Q(errors__lte=models.F("requests")),
                name="sample_errors_within_requests",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module_region} {self.start:%Y-%m-%d %H:%M} {self.errors}/{self.requests}"


class PrometheusFeed(models.Model):
    """A Prometheus server Accord reads error-rate samples from (`accord.monitoring.prometheus`):
    two PromQL expressions giving, per module and region, the requests served and the requests
    failed in each minute (e.g. `sum by (module, region) (increase(http_requests_total[1m]))`).
    The worker reads the minutes since `pulled_until` every few minutes."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(
        max_length=500, help_text=_("The server's base URL, e.g. http://prom:9090")
    )
    requests_query = models.TextField(
        help_text=_("PromQL: requests per minute, by module and region")
    )
    errors_query = models.TextField(
        help_text=_("PromQL: failed requests per minute, the same labels")
    )
    module_label = models.CharField(max_length=100, default="module")
    region_label = models.CharField(max_length=100, default="region")
    active = models.BooleanField(default=True)
    pulled_until = models.DateTimeField(
        null=True, blank=True, help_text=_("The end of the last minute read (empty: not read yet)")
    )
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name
