"""The releases API: staff record deployments idempotently; anyone signed in reads releases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/releases/deployments", json.dumps(body), content_type="application/json"
    )


def test_record_is_idempotent_and_delivers_the_fix(world: Any) -> None:
    t0 = datetime(2027, 3, 1, tzinfo=UTC)
    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Exports fail", severity=2),
        now=t0,
    )
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY, now=t0
    )
    body = {
        "module": "release-manager",
        "region": "us",
        "version": "5.2.1",
        "kind": "emergency",
        "at": "2027-03-04T09:00:00Z",
        "notes": "Exports work again",
        "tickets": [ticket.pk],
    }
    staff = api(world.agent)
    first = post(staff, body)
    assert first.status_code == 201, first.content
    assert first.json()["tickets"] == [ticket.pk]
    again = post(staff, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    ticket.refresh_from_db()
    assert ticket.status == Status.FIX_DELIVERED
    assert ModuleRegion.objects.get(module=world.module, region__code="us").deployed_version == (
        "5.2.1"
    )
    assert post(api(world.acme_admin), body).status_code == 403
    assert post(staff, {**body, "kind": "minor"}).status_code == 409
    assert post(staff, {**body, "region": "nowhere"}).status_code == 422

    # Customers read releases; ticket ids only of their own organisation's tickets.
    post(staff, {**body, "version": "5.3.0", "kind": "minor", "at": "2027-03-10T09:00:00Z"})
    acme = api(world.acme_reporter).get("/api/releases").json()
    globex = api(world.globex_reporter).get("/api/releases?region=us").json()
    assert [r["version"] for r in acme] == ["5.3.0", "5.2.1"]
    assert acme[1]["superseded_by"] == "5.3.0"
    assert acme[0]["tickets"] == [ticket.pk] and globex[0]["tickets"] == []


def test_upcoming_lists_planned_releases_only(world: Any) -> None:
    mr = ModuleRegion.objects.get(module=world.module, region__code="us")
    now = datetime.now(UTC)
    planned = services.plan_from_cadence(now, now + timedelta(days=21), module_regions=[mr])
    services.cancel(planned[-1], actor=world.manager)
    rows = api(world.acme_admin).get("/api/releases?upcoming=true&module=release-manager").json()
    assert [r["version"] for r in rows] == [r.version for r in planned[:-1]]
    assert all(r["deployed_at"] is None for r in rows)
