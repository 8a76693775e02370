"""Fixtures for the worker and notification tests: frozen clocks, never sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026, e.g. "09T09:00:00"."""
    if text.count(":") == 1:
        text += ":00"
    return from_epoch(parse_instant(f"2026-03-{text}-07:00", "at"))


@pytest.fixture
def at() -> Callable[[str], datetime]:
    return pacific


@pytest.fixture
def drain() -> Callable[..., int]:
    """`drain(now, worker="w")`: run due work as a worker would at the frozen instant `now`,
    until nothing is due (notifications enqueued by a job run in the same call); jobs run."""
    from accord.work.services import run_due

    def run(now: datetime, worker: str = "w") -> int:
        total = 0
        for _ in range(100):
            done = run_due(worker, now=now)
            if not done:
                return total
            total += done
        raise AssertionError("work keeps coming: a job re-enqueues itself")

    return run


@pytest.fixture
def report(world: Any) -> Callable[..., Any]:
    """`report(severity=1, at="09T09:00", summary=...)`: Acme's reporter raises a fault."""
    from accord.helpdesk import services

    def raise_fault(
        severity: int | None = 1, at: str = "09T09:00", summary: str = "Release page is down"
    ) -> Any:
        return services.report(
            reporter=world.acme_reporter,
            organisation=world.acme,
            new=services.NewTicket(module=world.module, summary=summary, severity=severity),
            now=pacific(at),
        )

    return raise_fault


def sent(outbox: list[Any], event: str | None = None) -> list[Any]:
    """The outbox's messages of one notification event (X-Accord-Event header)."""
    return [m for m in outbox if event is None or m.extra_headers.get("X-Accord-Event") == event]


@pytest.fixture
def sent_of() -> Callable[..., list[Any]]:
    return sent
