"""`accord release record` and `accord release plan`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accord.monitoring.models import ModuleRegion
from accord.releases.models import Release


def run(*args: str) -> str:
    out = StringIO()
    call_command("release", *args, stdout=out)
    return out.getvalue()


def test_record_is_idempotent(world: Any) -> None:
    args = ["record", "--module", "release-manager", "--region", "us", "--version", "5.4"]
    args += ["--kind", "minor", "--at", "2027-03-10T09:00:00Z"]
    assert run(*args).startswith("recorded")
    assert run(*args).startswith("unchanged")
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    assert mr.deployed_version == "5.4"
    with pytest.raises(CommandError):
        run(*args[:-2], "--at", "yesterday")
    with pytest.raises(CommandError):
        run("record", "--module", "nope", "--region", "us", "--version", "1", "--kind", "minor")


def test_plan_is_idempotent(world: Any) -> None:
    first = run("plan", "--weeks", "5")
    assert "planned" in first and Release.objects.exists()
    assert run("plan", "--weeks", "5").startswith("planned 0 ")


def test_move_and_cancel_are_recorded(world: Any) -> None:
    from accord.releases.models import ReleaseChange

    run("plan", "--weeks", "3")
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    first, second = Release.objects.filter(module_region=mr).order_by("planned_at")[:2]
    where = ["--module", first.module_region.module.slug, "--region"]
    where += [first.module_region.region.code]
    run("move", *where, "--version", first.version, "--to", "2099-01-01T09:00:00Z")
    run("cancel", *where, "--version", second.version, "--reason", "Nothing to ship")
    assert list(ReleaseChange.objects.values_list("kind", flat=True)) == ["moved", "cancelled"]
    with pytest.raises(CommandError):
        run("cancel", *where, "--version", second.version)
