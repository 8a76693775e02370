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


def open_ticket(world: Any, organisation: Any = None, summary: str = "Pipeline stalls") -> Ticket:
    """A Severity 2 ticket of Acme (or of `organisation`: Globex), reported by its reporter."""
    organisation = organisation or world.acme
    reporter = world.acme_reporter if organisation == world.acme else world.globex_reporter
    return services.report(
        reporter=reporter,
        organisation=organisation,
        new=services.NewTicket(module=world.module, summary=summary, severity=2),
    )


def agent_team(world: Any) -> Any:
    """Two agent groups: "Platform" (the agent and Bo, another agent) and "Billing" (Cy)."""
    from accord.accounts.models import Role
    from accord.accounts.services import create_user
    from accord.helpdesk.models import AgentGroup

    from ..conftest import PASSWORD

    bo = create_user(email="bo@vendor.test", role=Role.AGENT, password=PASSWORD)
    cy = create_user(email="cy@vendor.test", role=Role.AGENT, password=PASSWORD)
    platform = AgentGroup.objects.create(name="Platform")
    platform.members.set([world.agent, bo])
    billing = AgentGroup.objects.create(name="Billing")
    billing.members.set([cy])
    return type("Team", (), {"bo": bo, "cy": cy, "platform": platform, "billing": billing})
