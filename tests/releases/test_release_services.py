"""Release calendar: planning from the cadence, moves and cancellations, deployments, tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.core.errors import Refused
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Repair, Status
from accord.monitoring.models import ModuleRegion
from accord.releases import services
from accord.releases.models import ChangeKind, Kind, Release, ReleaseChange

T0 = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture
def mr_us(world):
    return ModuleRegion.objects.get(module=world.module, region__code="us")


def restored_ticket(world, summary="Exports fail"):
    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary=summary, severity=2),
        now=T0,
    )
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair=Repair.TEMPORARY, now=T0
    )
    return ticket


def test_plan_from_cadence_is_idempotent_and_follows_dst(world, mr_us):
    start, end = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 8, tzinfo=UTC)
    created = services.plan_from_cadence(start, end, module_regions=[mr_us])
    assert [(r.kind, r.planned_at) for r in created] == [
        (Kind.MAJOR, datetime(2027, 3, 3, 9, tzinfo=UTC)),
        (Kind.MINOR, datetime(2027, 3, 10, 9, tzinfo=UTC)),
        (Kind.MINOR, datetime(2027, 3, 17, 8, tzinfo=UTC)),  # PDT from 14 March
        (Kind.MINOR, datetime(2027, 3, 24, 8, tzinfo=UTC)),
        (Kind.MINOR, datetime(2027, 3, 31, 8, tzinfo=UTC)),
        (Kind.MAJOR, datetime(2027, 4, 7, 8, tzinfo=UTC)),
    ]
    assert services.plan_from_cadence(start, end, module_regions=[mr_us]) == []
    assert Release.objects.filter(module_region=mr_us).count() == 6


def test_move_and_cancel_are_recorded_and_survive_replanning(world, mr_us):
    start, end = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 12, tzinfo=UTC)
    major, minor = services.plan_from_cadence(start, end, module_regions=[mr_us])
    later = major.planned_at + timedelta(days=1)
    services.move(major, later, actor=world.manager, reason="Freeze", now=T0)
    services.cancel(minor, actor=world.manager, reason="Nothing to ship", now=T0)
    assert services.plan_from_cadence(start, end, module_regions=[mr_us]) == []
    major.refresh_from_db()
    minor.refresh_from_db()
    assert major.planned_at == later and minor.cancelled_at == T0
    changes = list(ReleaseChange.objects.values_list("kind", "reason"))
    assert changes == [(ChangeKind.MOVED, "Freeze"), (ChangeKind.CANCELLED, "Nothing to ship")]
    with pytest.raises(Refused):
        services.cancel(minor, actor=world.manager)
    with pytest.raises(Refused):
        services.move(major, T0, actor=world.acme_admin)


def test_record_deployment_is_idempotent_and_delivers_the_fix(world, mr_us):
    ticket = restored_ticket(world)
    at = datetime(2027, 3, 4, 9, tzinfo=UTC)
    first = services.record_deployment(
        mr_us, "5.2.1", Kind.EMERGENCY, at, "Fixes exports", [ticket], actor=world.agent
    )
    assert first.created and first.fixed_tickets == (ticket.pk,)
    ticket.refresh_from_db()
    mr_us.refresh_from_db()
    assert ticket.status == Status.FIX_DELIVERED
    assert mr_us.deployed_version == "5.2.1"
    assert services.fixing_release(ticket) == first.release
    again = services.record_deployment(
        mr_us, "5.2.1", Kind.EMERGENCY, at + timedelta(hours=1), "", [ticket], actor=world.agent
    )
    assert not again.created and again.fixed_tickets == ()
    assert again.release.deployed_at == at
    assert Release.objects.filter(module_region=mr_us).count() == 1


def test_only_restored_tickets_of_the_region_are_marked(world, mr_us):
    open_ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Still down", severity=2),
        now=T0,
    )
    result = services.record_deployment(
        mr_us, "5.3.0", Kind.MINOR, T0 + timedelta(days=2), tickets=[open_ticket], actor=world.agent
    )
    assert result.fixed_tickets == ()
    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.REPORTED
    other = ModuleRegion.objects.exclude(region__code="us").filter(module=world.module).first()
    if other is not None:
        with pytest.raises(Refused):
            services.record_deployment(
                other, "5.3.0", Kind.MINOR, T0, tickets=[open_ticket], actor=world.agent
            )


def test_customers_cannot_record(world, mr_us):
    with pytest.raises(Refused):
        services.record_deployment(mr_us, "1", Kind.MINOR, T0, actor=world.acme_admin)


def test_supersession_and_version_history(world, mr_us):
    day = timedelta(days=1)
    e1 = services.record_deployment(mr_us, "5.2.1", Kind.EMERGENCY, T0, actor=world.agent).release
    m1 = services.record_deployment(mr_us, "5.3", Kind.MINOR, T0 + day, actor=world.agent).release
    e2 = services.record_deployment(
        mr_us, "5.3.1", Kind.EMERGENCY, T0 + 2 * day, actor=world.agent
    ).release
    big = services.record_deployment(mr_us, "6.0", Kind.MAJOR, T0 + 3 * day, actor=world.agent)
    mapping = services.superseding(Release.objects.all())
    assert mapping == {e1.pk: m1, m1.pk: big.release, e2.pk: big.release}
    assert services.deployed_version_at(mr_us, T0 - day) is None
    assert services.deployed_version_at(mr_us, T0 + day + timedelta(hours=1)) == "5.3"
    # Recording an older deployment late does not roll the current version back.
    services.record_deployment(mr_us, "5.2.0", Kind.EMERGENCY, T0 - day, actor=world.agent)
    mr_us.refresh_from_db()
    assert mr_us.deployed_version == "6.0"
