"""Policies shipped with Accord, and the regions the demo and the defaults know.

This module reads the packaged TOML files; `accord.engine.policy` validates and resolves them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from django.conf import settings

from accord.engine.policy import Policy, PolicyError, Region, parse_policy

BUILTIN_POLICY = "plutora-standard"

DEFAULT_REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region("us", "United States", "America/Los_Angeles", "US", "CA"),
        Region("uk", "United Kingdom", "Europe/London", "GB", "ENG"),
        Region("au", "Australia", "Australia/Sydney", "AU", "NSW"),
    )
}


def builtin_names() -> list[str]:
    folder = resources.files(__package__)
    return sorted(
        item.name.removesuffix(".toml") for item in folder.iterdir() if item.name.endswith(".toml")
    )


def builtin_text(name: str) -> str:
    if name not in builtin_names():
        raise PolicyError(name, "", f"no built-in policy called {name!r}")
    return (resources.files(__package__) / f"{name}.toml").read_text(encoding="utf-8")


def load_builtin(name: str = BUILTIN_POLICY) -> Policy:
    return parse_policy(builtin_text(name), f"{name}.toml")


def status_policy_name() -> str:
    """The policy the public figures (the status page, the maintenance calendar, the SLA
    article of the help centre) are measured by: the setting ACCORD_STATUS_POLICY, by default
    the built-in `plutora-standard`. The one place that setting is read."""
    return str(getattr(settings, "ACCORD_STATUS_POLICY", "") or BUILTIN_POLICY)


def status_policy() -> Policy:
    """The built-in policy `status_policy_name` names (parsed once per process)."""
    return _builtin(status_policy_name())


@lru_cache(maxsize=16)
def _builtin(name: str) -> Policy:
    return load_builtin(name)


def load_file(path: str | Path) -> Policy:
    """A policy from a TOML file; every error names the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), "", f"cannot be read: {exc.strerror}") from None
    return parse_policy(text, str(path))
