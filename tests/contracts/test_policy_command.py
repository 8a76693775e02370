"""`accord policy validate FILE` (no configuration at all) and `accord policy load FILE`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accord.accounts.models import Contract
from accord.policies import builtin_text

TEXT = builtin_text("plutora-standard")
NO_CONFIGURATION = {
    "ACCORD_SECRET_KEY": None,
    "ACCORD_SECRET_KEY_FILE": None,
    "ACCORD_DEBUG": None,
    "DJANGO_SETTINGS_MODULE": None,
}
# The line of the Severity 1 target in the built-in policy, as error messages name it.
TARGET_LINE = next(n for n, line in enumerate(TEXT.splitlines(), 1) if "hours = 4 }" in line)


def policy_file(tmp_path: Path, text: str = TEXT, name: str = "acme.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def next_month() -> str:
    return f"{(timezone.now().replace(day=1) + timedelta(days=40)).replace(day=1):%Y-%m-%d}"


def test_validate_needs_no_configuration(run_accord: Any, tmp_path: Path) -> None:
    good = policy_file(tmp_path)
    done = run_accord("policy", "validate", good, env=NO_CONFIGURATION)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"{good}: valid: policy plutora-standard (Plutora Standard SLA), 5 modules, "
        "target 99.9%, severities 1, 2, 3, 4\n"
    )
    bad = policy_file(tmp_path, TEXT.replace("hours = 4 }", "hours = -4 }", 1), "bad.toml")
    done = run_accord("policy", "validate", bad, env=NO_CONFIGURATION)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"{bad}:{TARGET_LINE}: severities.0.target.hours: "
        "Input should be greater than or equal to 0\n"
    )
    moon = policy_file(tmp_path, TEXT.replace('"weekly"', '"every blue moon"'), "moon.toml")
    done = run_accord("policy", "validate", moon, env=NO_CONFIGURATION)
    minor = TEXT.splitlines().index('minor = "weekly"') + 1
    assert done.returncode == 1 and done.stderr.startswith(f"{moon}:{minor}: releases.minor: ")
    absent = run_accord("policy", "validate", str(tmp_path / "absent.toml"), env=NO_CONFIGURATION)
    assert absent.returncode == 1 and "absent.toml: cannot be read" in absent.stderr


def test_load_through_the_real_command(run_accord: Any, tmp_path: Path) -> None:
    env = {"ACCORD_DEBUG": "1"}
    assert run_accord("migrate", "--verbosity", "0", env=env).returncode == 0
    made = run_accord(
        "shell",
        "-c",
        "from accord.accounts.services import create_organisation as c;"
        "from accord.catalogue.models import Region as R;"
        "c(name='Acme Corp', slug='acme', region=R.objects.get(code='us'))",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    good = policy_file(tmp_path, TEXT.replace("hours = 4 }", "hours = 6 }", 1))
    args = ("policy", "load", good, "--organisation", "acme", "--effective", next_month())
    loaded = run_accord(*args, "--fee", "1200", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert f"loaded: acme terms version 2, in force from {next_month()}" in loaded.stdout
    bad = policy_file(tmp_path, TEXT.replace("hours = 4 }", "hours = -4 }", 1), "bad.toml")
    refused = run_accord("policy", "load", bad, *args[3:], env=env)
    assert refused.returncode == 1
    assert f"{bad}:{TARGET_LINE}: severities.0.target.hours: " in refused.stderr
    early = run_accord(*args[:-1], "2020-01-01", env=env)
    assert early.returncode == 1 and "effective_from: must be" in early.stderr


@pytest.mark.django_db
def test_load_adds_a_version_or_names_the_problem(world: Any, tmp_path: Path) -> None:
    out = StringIO()
    good = policy_file(tmp_path)
    call_command(
        "policy", "load", good, "--organisation", "acme", "--effective", next_month(), stdout=out
    )
    version = Contract.objects.get(organisation=world.acme).versions.get(number=2)
    assert version.policy_text == TEXT and version.created_by is None
    assert "Loaded from" in version.note
    with pytest.raises(CommandError, match="--organisation: no organisation 'nobody'"):
        call_command(
            "policy", "load", good, "--organisation", "nobody", "--effective", "2030-01-01"
        )
    with pytest.raises(CommandError, match="--effective: 'soon' is not YYYY-MM-DD"):
        call_command("policy", "load", good, "--organisation", "acme", "--effective", "soon")
    with pytest.raises(CommandError, match="effective_from: a version takes effect on the first"):
        call_command("policy", "load", good, "--organisation", "acme", "--effective", "2030-01-02")
