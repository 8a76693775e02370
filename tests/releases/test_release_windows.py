"""Release planning keeps to the maintenance window of the contracts covering the region."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.terms import add_version, earliest_effective
from accord.core.errors import Refused
from accord.monitoring.models import ModuleRegion
from accord.policies import builtin_text
from accord.releases import services
from accord.releases.models import Kind

pytestmark = pytest.mark.django_db

TEXT = builtin_text("plutora-standard")
WEDNESDAY = 'weekly = [{ day = "wed", start = "01:00", end = "01:30" }]'
SUNDAY = 'weekly = [{ day = "sun", start = "02:00", end = "04:00" }]'
START, END = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 15, tzinfo=UTC)


def set_terms(organisation: Any, text: str, world: Any) -> None:
    contract = organisation.contract
    add_version(
        contract,
        policy_text=text,
        effective_from=earliest_effective(contract, timezone.now()),
        monthly_fee=Decimal("100"),
        note="Window change",
        actor=world.manager,
    )


@pytest.fixture
def mr_us(world: Any) -> ModuleRegion:
    return ModuleRegion.objects.get(module=world.module, region__code="us")


def test_releases_go_in_the_window_the_regions_contracts_share(world: Any, mr_us: Any) -> None:
    for organisation in (world.acme, world.globex):
        set_terms(organisation, TEXT.replace(WEDNESDAY, SUNDAY), world)
    created = services.plan_from_cadence(START, END, module_regions=[mr_us])
    assert [(r.kind, r.planned_at) for r in created] == [
        (Kind.MAJOR, datetime(2027, 3, 7, 10, tzinfo=UTC)),  # Sunday 02:00 PST
        (Kind.MINOR, datetime(2027, 3, 14, 10, tzinfo=UTC)),  # 02:00 PST is skipped: 03:00 PDT
    ]


def test_contracts_that_disagree_on_the_window_are_named(world: Any, mr_us: Any) -> None:
    set_terms(world.globex, TEXT.replace(WEDNESDAY, SUNDAY), world)
    with pytest.raises(Refused) as refused:
        services.plan_from_cadence(START, END, module_regions=[mr_us])
    message = str(refused.value)
    assert "the contracts disagree on the maintenance window" in message
    assert "Acme Corp: wed 01:00-01:30 America/Los_Angeles" in message
    assert "Globex: sun 02:00-04:00 America/Los_Angeles" in message
    assert not mr_us.releases.exists()


def test_a_contract_that_lets_releases_out_of_its_window_does_not_constrain(
    world: Any, mr_us: Any
) -> None:
    free = TEXT.replace(WEDNESDAY, SUNDAY).replace(
        "in_maintenance_window = true", "in_maintenance_window = false"
    )
    set_terms(world.globex, free, world)
    created = services.plan_from_cadence(START, END, module_regions=[mr_us])
    assert [r.planned_at for r in created] == [
        datetime(2027, 3, 3, 9, tzinfo=UTC),  # Acme's Wednesday 01:00 PST
        datetime(2027, 3, 10, 9, tzinfo=UTC),
    ]
