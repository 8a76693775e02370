"""Fixtures of the portal tests: signed-in clients and tickets at known times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accord.engine.timeutil import from_epoch, parse_instant

ClientFor = Callable[[Any], Client]
MakeTicket = Callable[..., Any]


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026, e.g. "09T09:00"."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The real time at the test's start, which `timezone.now()` then keeps returning: a
    ticket reported "now" shows its full target, however slowly the test runs (a second of
    support time turned 70 h into "2 days 21 h" on a slow machine)."""
    from django.utils import timezone

    started = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: started)
    return started


@pytest.fixture
def client_for(db: None) -> ClientFor:
    """A test client signed in as the person (a fresh one per call)."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_ticket(world: Any) -> MakeTicket:
    """A ticket reported through the services (the portal's own form is tested separately)."""
    from accord.helpdesk import services

    def make(
        organisation: str = "acme",
        severity: int | None = 1,
        at: str | None = "09T09:00",
        summary: str = "Release page is down",
        module: Any = None,
    ) -> Any:
        reporter = world.acme_reporter if organisation == "acme" else world.globex_reporter
        return services.report(
            reporter=reporter,
            organisation=getattr(world, organisation),
            new=services.NewTicket(
                module=module or world.module, summary=summary, severity=severity
            ),
            now=pacific(at) if at else None,
        )

    return make
