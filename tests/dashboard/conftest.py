"""A month worked by hand for the dashboard (docs/dashboard.md).

Acme and Globex are in the US region on the built-in policy: months in America/Los_Angeles,
support hours Monday-Friday 08:00-18:00 Pacific, the Wednesday 01:00-01:30 Pacific window,
the example penalty schedule (99.0-99.9%: 5%, 95-99%: 10%, below 95%: 25%; breaches 2% / 1% /
0.5% for severities 1-3; cap 30%). Acme pays 1,000.00 USD a month, Globex has no fee.

Now is Friday 20 November 2026 12:00 PST (20:00 UTC). November in Pacific time began at
2026-11-01 07:00 UTC (PDT; DST ended at 09:00 UTC that day) and has 43,260 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source

NOW = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pst(*args: int) -> datetime:
    """A Pacific wall-clock time in November 2026 after the DST change (PST, UTC-8)."""
    return datetime(*args, tzinfo=UTC) + timedelta(hours=8)


def pdt(*args: int) -> datetime:
    """A Pacific wall-clock time in October 2026 (PDT, UTC-7)."""
    return datetime(*args, tzinfo=UTC) + timedelta(hours=7)


def outage(module: str, start: datetime, end: datetime, **extra: Any) -> Outage:
    return Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug=module, region__code="us"),
        source=extra.pop("source", Source.INCIDENT),
        impact=extra.pop("impact", Impact.MAJOR_OUTAGE),
        start=start,
        end=end,
        **extra,
    )


def ticket(world: Any, organisation: Any, at: datetime, severity: int | None, summary: str) -> Any:
    reporter = world.acme_reporter if organisation == world.acme else world.globex_reporter
    return helpdesk.report(
        reporter=reporter,
        organisation=organisation,
        new=helpdesk.NewTicket(module=world.module, summary=summary, severity=severity),
        now=at,
    )


def restore(world: Any, item: Any, at: datetime) -> None:
    helpdesk.change_status(item, Status.RESTORED, actor=world.agent, repair="temporary", now=at)


@dataclass
class Month:
    world: Any
    at_risk: Any
    breached: Any
    on_track: Any


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


@pytest.fixture
def november(world: Any) -> Month:
    """Acme: one hour of Release Manager down for Acme alone on Tuesday 10 November (an outage
    that hit only this customer); a severity 3 ticket
    breached in the month; a severity 2 ticket at risk now. Globex: a quiet month, one
    severity 4 ticket on track."""
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    outage("release-manager", utc(2026, 11, 10, 18), utc(2026, 11, 10, 19), organisation=world.acme)
    # Severity 3 (2 support days) raised Monday 2 November 09:00: due Wednesday 09:00,
    # restored Thursday 10:00, so breached.
    breached = ticket(world, world.acme, pst(2026, 11, 2, 9), 3, "Exports are empty")
    restore(world, breached, pst(2026, 11, 5, 10))
    # Severity 2 (12 support hours) raised Thursday 19 November 11:00: 7 hours on Thursday and
    # 4 on Friday morning make 11 of 12 at noon, past the last warning (90%, 10.8 hours).
    at_risk = ticket(world, world.acme, pst(2026, 11, 19, 11), 2, "Approvals hang")
    on_track = ticket(world, world.globex, pst(2026, 11, 20, 11), 4, "A typo in a label")
    return Month(world, at_risk, breached, on_track)
