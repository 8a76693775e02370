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


DEFAULT_CONNECTIONS_PER_ORIGIN = 6


def connections_per_origin() -> int:
    """Checks in flight at once per origin (scheme, host, port) in `accord worker`: the
    setting or environment variable ACCORD_PROBE_CONNECTIONS_PER_ORIGIN, default 6. An origin
    that answers in L seconds gets at most this many / L checks a second."""
    value = getattr(settings, "ACCORD_PROBE_CONNECTIONS_PER_ORIGIN", None)
    if value is None:
        value = env_int("ACCORD_PROBE_CONNECTIONS_PER_ORIGIN", DEFAULT_CONNECTIONS_PER_ORIGIN)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ImproperlyConfigured(
            f"ACCORD_PROBE_CONNECTIONS_PER_ORIGIN={value!r} must be a whole number, 1 to 100."
        )
    return value
