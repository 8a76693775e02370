"""Helpers shared by the help desk's tests (and the API's, which import them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accord.helpdesk import services
from accord.helpdesk.models import Repair, Status, Ticket


def restored(world: Any, *, hours_ago: float = 1) -> Ticket:
    """Acme's Severity 1 ticket, reported an hour before its restoration `hours_ago` hours ago
    (inside the default 24-hour contest window when `hours_ago` < 24)."""
    now = timezone.now()
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Exports fail", severity=1),
        now=now - timedelta(hours=hours_ago + 1),
    )
    services.change_status(
        ticket,
        Status.RESTORED,
        actor=world.agent,
        repair=Repair.TEMPORARY,
        now=now - timedelta(hours=hours_ago),
    )
    return ticket
