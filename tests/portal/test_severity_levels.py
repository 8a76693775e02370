"""The portal offers and takes the severity levels of the customer's contract's policy; a
level it does not define is an error beside the field (the API: tests/api)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_portal_offers_and_takes_the_policys_levels(world: Any, client_for: Any) -> None:
    contract = world.acme.contract  # its level 4 renumbered 5
    for severity in contract.policy_data["severities"]:
        severity["level"] = 5 if severity["level"] == 4 else severity["level"]
    contract.save()
    client = client_for(world.acme_reporter)
    form = client.get(reverse("ticket_new")).content.decode()
    assert "5 Normal" in form and "4 Normal" not in form
    refused = client.post(
        reverse("ticket_new"), {"module": world.module.pk, "summary": "x", "severity": "4"}
    )
    assert refused.status_code == 200 and 'id="id_severity_error"' in refused.content.decode()
    assert not Ticket.objects.exists()
    taken = client.post(
        reverse("ticket_new"), {"module": world.module.pk, "summary": "x", "severity": "5"}
    )
    assert taken.status_code == 302 and Ticket.objects.get().severity == 5
