"""The probes' settings: Django settings when a deployment sets them, else the environment."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accord.env import env_int

DEFAULT_RETENTION_DAYS = 90


def retention_days() -> int:
    """How long minute aggregates are kept: the setting ACCORD_PROBE_RETENTION_DAYS, else the
    environment variable of that name, else 90 days."""
    value = getattr(settings, "ACCORD_PROBE_RETENTION_DAYS", None)
    if value is None:
        value = env_int("ACCORD_PROBE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(
            f"ACCORD_PROBE_RETENTION_DAYS={value!r} must be a whole number of days, at least 1."
        )
    return value
