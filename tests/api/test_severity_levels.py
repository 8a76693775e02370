"""A contract's policy defines the severity levels its tickets may have (docs/api.md,
"Severity levels"): a level it does not define is refused with a 422 naming the field (the
portal: tests/portal/test_severity_levels.py); the built-in policy keeps 1 to 4."""

from __future__ import annotations

from typing import Any

import pytest

from accord.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db


def _levels_1_2_3_and_5(contract: Any) -> None:
    """The contract's policy with its level 4 renumbered 5 ("Low", seven days)."""
    data = contract.policy_data
    data["severities"] = [
        {**s, "level": 5, "name": "Low"} if s["level"] == 4 else s for s in data["severities"]
    ]
    contract.save()


def test_the_api_takes_the_levels_of_the_contracts_policy(world: Any, api: Any) -> None:
    _levels_1_2_3_and_5(world.acme.contract)
    refused = api.report(world.acme_reporter, severity=4)
    assert refused.status_code == 422, refused.content
    error = refused.json()["detail"][0]
    assert error["loc"][-1] == "severity"
    assert (
        error["msg"] == "4 is not a severity of this contract's policy (its levels: 1, 2, 3 or 5)"
    )
    assert not Ticket.objects.exists()

    taken = api.report(world.acme_reporter, severity=5)
    assert taken.status_code == 201, taken.content
    clock = taken.json()["clock"]
    assert clock["severity_in_force"] == 5 and clock["target_seconds"] is not None

    # Another customer on the built-in policy: 4 is a level, 5 is not.
    assert api.report(world.globex_admin, severity=4).status_code == 201
    other = api.report(world.globex_admin, severity=5)
    assert other.status_code == 422 and other.json()["detail"][0]["loc"][-1] == "severity"


def test_designating_and_proposing_refuse_a_level_the_policy_does_not_define(
    world: Any, api: Any
) -> None:
    _levels_1_2_3_and_5(world.acme.contract)
    url = api.report(world.acme_reporter, severity=None).json()["url"]
    designated = api.post(world.acme_reporter, f"{url}/severity", {"severity": 4})
    assert designated.status_code == 422 and designated.json()["detail"][0]["loc"][-1] == "severity"
    assert api.post(world.acme_reporter, f"{url}/severity", {"severity": 5}).status_code == 200
    proposed = api.post(world.agent, f"{url}/severity/proposals", {"severity": 4, "reason": "x"})
    assert proposed.status_code == 422 and "(its levels: 1, 2, 3 or 5)" in str(proposed.json())
    assert Ticket.objects.get().severity == 5
