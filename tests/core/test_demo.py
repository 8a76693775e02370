"""`accord demo --no-serve`: the walkthrough, then a living help desk to log in to."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from accord.accounts.models import User
from accord.helpdesk.models import Status, Ticket
from accord.monitoring.models import ModuleRegion
from accord.probes.models import HealthCheck


def test_the_demo_prints_the_seed_month_and_seeds_every_ticket_state(db: None) -> None:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    # The seed's worked example: 70 minutes of the overrunning outage count.
    assert "99.842" in text
    assert "44580" in text
    assert "reporter@acme.example" in text and "agent@vendor.example" in text
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    standings = set(Ticket.objects.values_list("standing", flat=True))
    assert {"breached", "met", "on_track"} <= standings
    assert Ticket.objects.filter(dispute_open=True).exists()
    assert Ticket.objects.filter(severity_agreed=True).exists()
    assert User.objects.get(email="agent@vendor.example").check_password("accord-demo")
    # One health check per module-region, probing its stand-in endpoint on the status page.
    checks = list(HealthCheck.objects.order_by("module_region_id"))
    assert len(checks) == ModuleRegion.objects.count() == 15
    assert [c.url for c in checks] == [
        f"http://127.0.0.1:8000/status/demo-health/{mr.pk}/"
        for mr in ModuleRegion.objects.order_by("pk")
    ]
    assert {(c.interval_seconds, c.timeout_seconds, c.failures_to_confirm) for c in checks} == {
        (10, 5.0, 2)
    }
    # Running it again keeps the data and says so.
    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "already in the database" in again.getvalue()
    assert Ticket.objects.count() == 30
    assert HealthCheck.objects.count() == 15
