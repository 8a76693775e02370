"""`accord policy validate FILE`: a policy file checked by the engine, with no configuration.

This needs no settings and no database (`accord.cli` runs it before Django starts), so a
policy can be checked anywhere, in a pre-commit hook or CI: exit 0 and one line of summary
when valid; exit 1 and `FILE:LINE: field: problem` when not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from accord.engine.numbers import format_fraction
from accord.engine.policy import Policy, PolicyError, parse_policy


def read_policy(path: str) -> tuple[str, Policy]:
    """The file's text and its validated policy; PolicyError (with the line) otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(path, "", f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PolicyError(path, "", "is not UTF-8 text") from None
    return text, parse_policy(text, path)


def summary(path: str, policy: Policy) -> str:
    target = format_fraction(policy.target * 100)
    parts = [
        f"{path}: valid: policy {policy.id} ({policy.name})",
        f"{len(policy.availability.modules)} modules",
        f"target {target}%",
    ]
    if policy.severities:
        parts.append(f"severities {', '.join(str(s.level) for s in policy.severities)}")
    availability = policy.availability
    if availability.period is not None or availability.downtime is not None:
        kind = availability.period.kind if availability.period else "month"
        rule = availability.downtime.rule if availability.downtime else "outages"
        parts.append(f"periods {kind}, downtime by {rule}")
    if policy.credit is not None:
        cap = f" capped at {policy.credit.cap_percent}%" if policy.credit.cap_percent else ""
        parts.append(f"credit by {policy.credit.form}{cap}")
    return ", ".join(parts)


def validate(path: str) -> tuple[int, str]:
    """The exit status and the line to print."""
    try:
        _, policy = read_policy(path)
    except PolicyError as error:
        return 1, error.located
    return 0, summary(path, policy)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="accord policy validate",
        description="Check a TOML policy file (docs/sla-model.md) without any configuration.",
    )
    parser.add_argument("file", help="the policy's TOML file")
    options = parser.parse_args(list(argv))
    status, line = validate(options.file)
    (sys.stdout if status == 0 else sys.stderr).write(line + "\n")
    return status
