"""Outages that Accord is told about rather than measures: external monitors and incidents.

* `ExternalSource`: a Prometheus Alertmanager or any monitor that can send a JSON webhook
  (Uptime Kuma, Gatus, ...). It authenticates with its own token (`acs_<prefix>_<secret>`,
  stored as a SHA-256 digest only) and its alerts map to module-regions by labels, or to its
  default module-region. `ExternalAlert` ties one alert occurrence (Alertmanager: fingerprint
  and start; webhook: the monitor's id and the time it went down) to the `monitoring.Outage`
  it opened, so a redelivered notification changes nothing.
* `Incident`: declared by the vendor's staff, with a public timeline (`IncidentUpdate`) and an
  impact per module-region. Every impact is a `monitoring.Outage` row (source `incident`, or
  `ticket` when a Severity 1 ticket's fault hit only that customer); `IncidentOutage` links
  them. Changing an impact closes one outage and opens the next, so the outage rows are the
  impact's history. `IncidentTicket` records a Severity 1 ticket confirmed as a total outage.

Incidents are not tenant data: only the staff see these rows (the status page shows public
incidents' titles and updates, never the tickets behind them).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.helpdesk.models import Ticket
from accord.monitoring.models import Impact, ModuleRegion, Outage


def _digest(text: str) -> str:
    # 32 random bytes: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(text.encode()).hexdigest()


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    WEBHOOK = "webhook", _("Generic JSON webhook (Uptime Kuma, Gatus, ...)")
    ERROR_RATES = "error_rates", _("Error-rate samples (Prometheus, load balancer logs, ...)")


TOKEN_PREFIX = "acs"


class ExternalSource(models.Model):
    """A monitor that reports outages to Accord over a webhook, with its own token."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_digest = models.CharField(max_length=64)
    module_region = models.ForeignKey(
        ModuleRegion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where an alert goes when its labels (or fields) name no module or region"),
    )
    module_label = models.CharField(
        max_length=100, default="module", help_text=_("The alert label naming the module")
    )
    region_label = models.CharField(
        max_length=100, default="region", help_text=_("The alert label naming the region")
    )
    impact = models.CharField(
        max_length=20,
        choices=Impact.choices,
        default=Impact.MAJOR_OUTAGE,
        help_text=_("The impact of its outages, unless an alert's `impact` label says otherwise"),
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def new_token(self) -> str:
        """Give the source a new token (the old one stops working) and return its text, which
        is shown once and never stored. The caller saves the source."""
        self.token_prefix = secrets.token_hex(6)
        text = f"{TOKEN_PREFIX}_{self.token_prefix}_{secrets.token_urlsafe(32)}"
        self.token_digest = _digest(text)
        return text

    @classmethod
    def find(cls, text: str) -> ExternalSource | None:
        """The active source whose token this is, or None."""
        parts = text.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        source = cls.objects.filter(token_prefix=parts[1], active=True).first()
        if source is None or not secrets.compare_digest(source.token_digest, _digest(text)):
            return None
        return source


class ExternalAlert(models.Model):
    """One alert occurrence from an external source and the outage it opened: `monitor` is the
    Alertmanager fingerprint or the webhook's `id`, `start` when that occurrence began."""

    source = models.ForeignKey(ExternalSource, on_delete=models.PROTECT, related_name="alerts")
    monitor = models.CharField(max_length=200)
    start = models.DateTimeField()
    outage = models.OneToOneField(Outage, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    summary = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "monitor", "start"], name="one_outage_per_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.name}: {self.monitor} from {self.start:%Y-%m-%d %H:%M}"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


OPEN_INCIDENT_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
)


class Incident(models.Model):
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    public = models.BooleanField(
        default=True,
        help_text=_("Shown on the status page. An incident about one customer's fault is not."),
    )
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"], name="incident_by_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED


class IncidentUpdate(models.Model):
    """One entry of an incident's public timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    body = models.TextField()
    at = models.DateTimeField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class IncidentOutage(models.Model):
    """An outage row that states one of the incident's impacts (current while it is open)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="outages")
    outage = models.OneToOneField(Outage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["outage__start", "pk"]

    def __str__(self) -> str:
        return f"#{self.incident_id}: {self.outage}"


class IncidentTicket(models.Model):
    """A Severity 1 ticket confirmed by staff as a total outage, and its incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tickets")
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="incident_link")
    customer_only = models.BooleanField(
        default=False, help_text=_("The fault hit only the ticket's customer")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["confirmed_at", "pk"]

    def __str__(self) -> str:
        return f"ticket #{self.ticket_id} -> incident #{self.incident_id}"
