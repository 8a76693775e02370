"""Health checks, the places they are probed from, and what the probes found.

* `HealthCheck`: an HTTP(S) check of one module-region (a module-region may have several), with
  its own interval, timeout, expected status, optional body text, and the confirmation rule's
  quorum and consecutive failures (`accord.engine.confirm`). Its `status` is the confirmed one.
* `ProbeLocation`: where checks run from. The built-in location `worker` runs inside
  `accord worker` (one worker at a time holds its lease); every other location is an
  `accord probe` agent that authenticates with its own token (`prb_<prefix>_<secret>`, stored
  as a SHA-256 digest only, like personal API tokens). Every active location probes every
  active check.
* `ProbeState`: one location's view of one check (its run of consecutive failures and the
  last result), the per-location state the confirmation rule needs. Updated as results arrive.
* `StatusChange`: a confirmed flip (up to down, down to up) of a check, kept forever, with the
  `monitoring.Outage` (source `probe`) it opened or closed.
* `MinuteAggregate` and `PackedHour`: raw results are never stored. Each is added into one row
  per check, location and minute (count, failures, latency sum and maximum); once an hour is
  over, its minutes are packed into one `PackedHour` row per check and location (about 1-2
  bytes a minute, see `accord.probes.packing`). Both are kept ACCORD_PROBE_RETENTION_DAYS days
  (90 by default). docs/monitoring.md, "Probes", has the figures.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.monitoring.models import ModuleRegion, Outage

TOKEN_PREFIX = "prb"
BUILTIN_LOCATION = "worker"


def _digest(text: str) -> str:
    # 32 random bytes: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(text.encode()).hexdigest()


class ProbeLocation(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    active = models.BooleanField(
        default=True, help_text=_("An inactive location probes nothing and is not in any quorum")
    )
    token_prefix = models.CharField(max_length=16, unique=True, null=True, blank=True)
    token_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The built-in location: which `accord worker` runs its checks, until when.
    lease_holder = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def builtin(self) -> bool:
        return self.slug == BUILTIN_LOCATION

    def issue_token(self) -> str:
        """A new agent token (the previous one stops working), shown once and never stored."""
        if self.builtin:
            raise ValueError("the built-in location runs inside `accord worker` and has no token")
        prefix = secrets.token_hex(6)
        text = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        self.token_prefix = prefix
        self.token_digest = _digest(text)
        self.save(update_fields=["token_prefix", "token_digest"])
        return text

    @classmethod
    def find(cls, text: str) -> ProbeLocation | None:
        """The active agent location whose token this is, or None."""
        parts = text.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
            return None
        location = cls.objects.filter(token_prefix=parts[1], active=True).first()
        if location is None or location.builtin:
            return None
        if not secrets.compare_digest(location.token_digest, _digest(text)):
            return None
        return location


class CheckStatus(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"


class HealthCheck(models.Model):
    module_region = models.ForeignKey(
        ModuleRegion, on_delete=models.PROTECT, related_name="health_checks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text=_("GET; redirects are not followed"))
    interval_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(10), MaxValueValidator(86_400)]
    )
    timeout_seconds = models.FloatField(
        default=10, validators=[MinValueValidator(0.1), MaxValueValidator(300)]
    )
    expected_status = models.PositiveSmallIntegerField(
        default=200, validators=[MinValueValidator(100), MaxValueValidator(599)]
    )
    body_text = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("When set, the response's first 64 KiB must contain this text"),
    )
    quorum = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Locations that must fail together (capped at the number of active ones)"),
    )
    failures_to_confirm = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Consecutive failed checks before a location counts as down"),
    )
    active = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.UP)
    status_since = models.DateTimeField(default=timezone.now)
    outage = models.ForeignKey(
        Outage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The outage in progress, while down"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["module_region", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.module_region}: {self.name}"

    def clean(self) -> None:
        super().clean()
        if (
            self.timeout_seconds is not None
            and self.interval_seconds is not None
            and self.timeout_seconds >= self.interval_seconds
        ):
            raise ValidationError({"timeout_seconds": "must be shorter than the interval"})


class ProbeState(models.Model):
    """What `accord.engine.confirm.LocationState` holds, plus the last result for people."""

    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="states")
    location = models.ForeignKey(ProbeLocation, on_delete=models.CASCADE, related_name="states")
    failures = models.PositiveIntegerField(default=0, help_text=_("Consecutive failed checks"))
    run_start = models.DateTimeField(null=True, blank=True, help_text=_("First failure of the run"))
    last_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(default=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "location"], name="one_state_per_check_location"
            )
        ]

    # The state itself, beside its key (check, location): what a batch of results upserts
    # (`services._write_states`) and what the admin lists.
    STATE_FIELDS = (
        "failures",
        "run_start",
        "last_at",
        "last_ok",
        "last_latency_ms",
        "last_status",
        "last_error",
    )

    def __str__(self) -> str:
        return f"{self.health_check} from {self.location}"


class StatusChange(models.Model):
    """A confirmed flip, kept forever: `at` is when it took effect (an outage's backdated
    start, or the success that ended it), `confirmed_at` when Accord decided it."""

    health_check = models.ForeignKey(
        HealthCheck, on_delete=models.PROTECT, related_name="status_changes"
    )
    at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CheckStatus.choices)
    previous = models.CharField(max_length=10, choices=CheckStatus.choices)
    confirmed_at = models.DateTimeField()
    outage = models.ForeignKey(
        Outage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["health_check", "at"], name="status_change_by_at")]

    def __str__(self) -> str:
        return f"{self.health_check} {self.previous} -> {self.status} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def recovery(cls, check: HealthCheck, outage: Outage) -> StatusChange:
        """The flip back up that closed `outage` (confirmed as it ended), not yet saved."""
        assert outage.end is not None
        return cls(
            health_check=check,
            at=outage.end,
            status=CheckStatus.UP,
            previous=CheckStatus.DOWN,
            confirmed_at=outage.end,
            outage=outage,
        )


class MinuteAggregate(models.Model):
    """The results of one check from one location in one minute, added up as they arrive.
    `minute` is minutes since the Unix epoch (UTC)."""

    health_check = models.ForeignKey(
        HealthCheck, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    location = models.ForeignKey(
        ProbeLocation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    minute = models.IntegerField()
    checks = models.PositiveIntegerField()
    failures = models.PositiveIntegerField()
    latency_sum_ms = models.BigIntegerField()
    latency_max_ms = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "location", "minute"], name="one_aggregate_per_minute"
            )
        ]

    def __str__(self) -> str:
        return f"check {self.health_check_id} from {self.location_id}, minute {self.minute}"


class PackedHour(models.Model):
    """The minute aggregates of one hour of one check from one location, packed
    (`accord.probes.packing`). `hour` is hours since the Unix epoch (UTC)."""

    health_check = models.ForeignKey(
        HealthCheck, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    location = models.ForeignKey(
        ProbeLocation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    hour = models.IntegerField()
    minutes = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "location", "hour"], name="one_packed_hour"
            )
        ]

    def __str__(self) -> str:
        return f"check {self.health_check_id} from {self.location_id}, hour {self.hour}"
