"""Every customer's month in one pass (`accord.reports.batch`) gives exactly the reports built one
at a time (`build.build_report`): the same JSON, the same content hash, for every customer of a
small fleet (`accord demo --fleet`) with varied contracts, a customer-only outage, a contract
whose terms change in the year, and broken terms; then the month-end freezing in bulk and the
PDFs rendered by a process pool.

One test on the fleet, because making it takes half a minute; `now` is fixed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from accord.accounts.models import Contract, Organisation, Role, User
from accord.accounts.terms import InvalidTerms, fee_for_month, terms_for_month
from accord.demo.fleet import SLUG_PREFIX
from accord.engine.errors import EngineError
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import EventKind, Ticket, TicketEvent
from accord.helpdesk.services import REOPENABLE
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports import pdfpool, render
from accord.reports.batch import build_reports
from accord.reports.build import build_report
from accord.reports.models import ReportVersion
from accord.reports.services import content_hash, freeze, freeze_many, issue_many

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
# A month with its version change behind it, a closed month, and the provisional one.
MONTHS = ("2026-03", "2026-10", "2026-11")


def _fleet(monkeypatch: Any) -> list[Organisation]:
    """Twelve customers from four templates, the last with broken terms (written directly in
    the database) and the third with an outage of its own in October."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    call_command("demo", "--fleet", "12", "--templates", "4", "--no-serve", stdout=StringIO())
    customers = _customers()
    broken = customers[-1].contract
    data = broken.policy_data
    data["severities"][0]["target"] = {"hours": -4}
    Contract.objects.filter(pk=broken.pk).update(policy_data=data, terms_from=None)
    hit = customers[2]
    Outage.objects.create(
        module_region=ModuleRegion.objects.filter(region=hit.region).first(),
        organisation=hit,
        source=Source.WEBHOOK,
        impact=Impact.MAJOR_OUTAGE,
        start=datetime(2026, 10, 14, 9, 0, tzinfo=UTC),
        end=datetime(2026, 10, 14, 9, 47, tzinfo=UTC),
        reference="only-them",
    )
    # A September ticket, met, reopened in October after September's cut-off.
    ticket = (
        Ticket.objects.filter(
            organisation=customers[3],
            reported_at__month=9,
            status__in=REOPENABLE,
            breached_at=None,
        )
        .exclude(events__at__gte=datetime(2026, 10, 2, tzinfo=UTC))
        .order_by("reported_at")
        .first()
    )
    assert ticket is not None
    agent = User.objects.get(email="agent@vendor.example")
    helpdesk.reopen(
        ticket, actor=agent, reason="It is back", now=datetime(2026, 10, 10, tzinfo=UTC)
    )
    # A ticket reported at the end of October and left open: carried over into November.
    late = customers[4]
    helpdesk.report(
        reporter=User.objects.get(organisation=late, role=Role.REPORTER),
        organisation=late,
        new=helpdesk.NewTicket(
            module=ModuleRegion.objects.filter(region=late.region).first().module,
            summary="Still down at the month's end",
            severity=2,
        ),
        now=datetime(2026, 10, 30, 16, 0, tzinfo=UTC),
    )
    return _customers()


def _customers() -> list[Organisation]:
    return list(
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX)
        .select_related("contract", "region")
        .order_by("slug")
    )


def test_every_customers_month_equals_its_report_built_alone_and_freezes_in_bulk(
    db: None, monkeypatch: Any
) -> None:
    customers = _fleet(monkeypatch)
    changed = [
        o
        for o in customers[:-1]
        if terms_for_month(o, "2026-01") is not terms_for_month(o, "2026-11")
        or fee_for_month(o, "2026-01") != fee_for_month(o, "2026-11")
    ]
    assert changed, "a contract whose terms change in the year"
    own = Outage.objects.filter(organisation__in=customers, start__month=10)
    assert own.exists()
    for month in MONTHS:
        batch = build_reports(customers, month, now=NOW)
        assert list(batch) == [o.pk for o in customers]
        for organisation in customers[:-1]:
            alone = build_report(organisation, month, now=NOW)
            together = batch[organisation.pk]
            assert not isinstance(together, Exception), (organisation.slug, together)
            assert together.to_json_data() == alone.to_json_data(), (organisation.slug, month)
            assert content_hash(together) == content_hash(alone)
        with pytest.raises(InvalidTerms):
            build_report(customers[-1], month, now=NOW)
        assert isinstance(batch[customers[-1].pk], InvalidTerms)
    # What a user would notice: tickets listed, the customer-only outage on its report.
    october = build_reports(customers[:-1], "2026-10", now=NOW)
    assert sum(len(r.tickets) for r in october.values() if not isinstance(r, Exception)) > 20
    report = october[customers[2].pk]
    assert not isinstance(report, Exception)
    assert any(o.reference == "only-them" for m in report.uptime for o in m.outages)
    reopened = october[customers[3].pk]
    assert not isinstance(reopened, Exception)
    assert [t.reopened_from for t in reopened.tickets if t.reopened_from] == ["2026-09"]
    november = build_reports([customers[4]], "2026-11", now=NOW)[customers[4].pk]
    assert not isinstance(november, Exception)
    assert [t.summary for t in november.tickets if t.carried_over] == [
        "Still down at the month's end"
    ]
    _freezes_in_bulk(customers)

    # A malformed event log (a second "reported", written directly) stops that customer's
    # report alone; the others of its terms are built as before.
    bad = customers[5]
    ticket = Ticket.objects.filter(organisation=bad, reported_at__month=10).first()
    assert ticket is not None
    TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.REPORTED, at=ticket.reported_at + timedelta(minutes=5)
    )
    with pytest.raises(EngineError):
        build_report(bad, "2026-10", now=NOW)
    again = build_reports(customers[:-1], "2026-10", now=NOW)
    assert isinstance(again[bad.pk], EngineError)
    for organisation in customers[:-1]:
        if organisation.pk != bad.pk:
            assert again[organisation.pk] == october[organisation.pk]


def _freezes_in_bulk(customers: list[Organisation]) -> None:
    """The month-end freezing in bulk stores what freezing one by one would."""
    later = NOW + timedelta(days=10)  # November closed
    frozen = freeze_many(customers, "2026-10", now=later, reason="Monthly delivery")
    assert isinstance(frozen[customers[-1].pk].error, InvalidTerms)
    good = customers[:-1]
    assert all(frozen[o.pk].created for o in good)
    for organisation in good:
        version = ReportVersion.objects.get(organisation=organisation, month="2026-10")
        assert version.version == 1 and version.reason == "Monthly delivery"
        assert version.content_hash == content_hash(
            build_report(organisation, "2026-10", now=later)
        )
        # Freezing again, one or all: nothing new.
        assert freeze(organisation, "2026-10", now=later) == (version, False)
    again = freeze_many(good, "2026-10", now=later)
    assert not any(f.created for f in again.values())
    assert ReportVersion.objects.filter(month="2026-10").count() == len(good)
    # report_for of all: the frozen versions, and the open month live.
    issued = issue_many(good[:3], "2026-10", now=later)
    assert [i.version.version for i in issued.values() if i.version] == [1, 1, 1]
    live = issue_many(good[:2], "2026-11", now=NOW)
    assert all(i.version is None and i.report.period.provisional for i in live.values())


def test_pdfs_from_the_process_pool_are_those_rendered_here(world: Any) -> None:
    from django.utils import translation

    # As a request leaves this thread ("en"), where the pool's processes have none active.
    translation.activate("en")
    customers = [world.acme, world.globex]
    issued = issue_many(customers, "2026-10", now=NOW)
    jobs = [pdfpool.job(str(o.pk), issued[o.pk].report, issued[o.pk].version) for o in customers]
    pooled = dict(pdfpool.render_pdfs(jobs, processes=2))
    assert list(pooled) == [str(o.pk) for o in customers]
    for organisation in customers:
        here = render.report_pdf(issued[organisation.pk].report, issued[organisation.pk].version)
        assert pooled[str(organisation.pk)] == here
        assert here.startswith(b"%PDF")
