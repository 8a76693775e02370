"""Fixtures of the status page's tests: a frozen clock and the module-regions by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant


def utc(text: str) -> datetime:
    return from_epoch(parse_instant(text, "at"))


class Clock:
    """The time every part of Accord reads (django.utils.timezone.now), set by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, text: str) -> None:
        self.at = utc(text)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Monday 15 June 2026, 12:00 in Los Angeles (19:00 UTC), unless the test moves it."""
    frozen = Clock(utc("2026-06-15T12:00:00-07:00"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: frozen.at)
    yield frozen


@pytest.fixture
def mr(db: None) -> Callable[[str, str], Any]:
    """`mr("Release Manager", "us")`: the module-region."""
    from accord.monitoring.models import ModuleRegion

    def find(module: str, region: str) -> Any:
        return ModuleRegion.objects.select_related("module", "region").get(
            module__name=module, region__code=region
        )

    return find
