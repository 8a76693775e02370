"""Typed readers for environment variables, used by `accord.settings`.

Every reader names the variable in its error, so a typo in a deployment fails at start-up
with a message saying what to fix, never with a silent default.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from `NAME`, or from the file named by `NAME_FILE` (Docker/systemd secrets).

    Returns None when neither is set. Setting both is an error: it is ambiguous which wins.
    """
    file_var = f"{name}_FILE"
    value = _raw(name)
    path = _raw(file_var)
    if value is not None and path is not None:
        raise ImproperlyConfigured(f"Set only one of {name} and {file_var}, not both.")
    if path is None:
        return value
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{file_var}={path!r} cannot be read: {exc.strerror}.") from None
    if not secret:
        raise ImproperlyConfigured(f"{file_var}={path!r} names an empty file.")
    return secret


_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_PERIODS |= {"h": 3600, "hour": 3600, "d": 86_400, "day": 86_400}


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """A rate such as `600/min` as (requests, period in seconds); None for `off` (or 0)."""
    value = (_raw(name) or default).lower()
    if value in _FALSE or value in ("none", "0"):
        return None
    count, _, period = value.partition("/")
    try:
        requests = int(count)
    except ValueError:
        requests = -1
    seconds = _PERIODS.get(period.strip())
    if requests < 1 or seconds is None:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate: use requests/period such as 600/min "
            "(periods sec, min, hour, day), or off."
        )
    return requests, seconds
