"""The ticket detail in the JSON API names the release that carried the permanent fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.test import Client

from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Repair, Status
from accord.monitoring.models import ModuleRegion
from accord.releases import services


def api(user: Any) -> Client:
    from accord.accounts.models import ApiToken

    _, secret = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_ticket_detail_shows_the_fixing_release(world: Any) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Exports fail", severity=2),
        now=t0,
    )
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY, now=t0
    )
    customer = api(world.acme_reporter)
    path = f"/api/tickets/{ticket.pk}"
    before = customer.get(path)
    assert before.status_code == 200, before.content
    assert before.json()["fixed_by_release"] is None

    module_region = ModuleRegion.objects.get(module=world.module, region=ticket.region)
    services.record_deployment(
        module_region,
        "5.2.1",
        "emergency",
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        tickets=[ticket],
        actor=world.agent,
    )

    after = customer.get(path)
    assert after.status_code == 200, after.content
    body = after.json()
    assert body["status"] == Status.FIX_DELIVERED
    assert body["fixed_by_release"] == {
        "version": "5.2.1",
        "kind": "emergency",
        "module": world.module.slug,
        "region": ticket.region.code,
        "deployed_at": "2026-03-04T09:00:00Z",
    }
    assert api(world.agent).get(path).json()["fixed_by_release"]["version"] == "5.2.1"
    assert api(world.globex_reporter).get(path).status_code == 404


def test_a_new_ticket_has_no_fixing_release(world: Any) -> None:
    response = api(world.acme_reporter).post(
        "/api/tickets",
        {"module": world.module.slug, "summary": "Exports fail", "severity": 2},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="fix-link-1",
    )
    assert response.status_code == 201, response.content
    assert response.json()["fixed_by_release"] is None
