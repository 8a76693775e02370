"""Monthly reports checked against months worked by hand (docs/reports.md).

Acme is in the US region on the built-in policy: months in America/Los_Angeles, support hours
Monday-Friday 08:00-18:00 Pacific without US public holidays, the Wednesday 01:00-01:30 Pacific
window, the example penalty schedule (tiers 99.0-99.9: 5%, 95-99: 10%, below 95: 25%; breaches
2% / 1% / 0.5% for severities 1-3; cap 30%).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accord.catalogue.models import Module
from accord.helpdesk import services as helpdesk
from accord.helpdesk import severity as severities
from accord.helpdesk.models import Status
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports import schema
from accord.reports.build import build_report
from accord.reports.services import content_hash, freeze, report_for

pytestmark = pytest.mark.django_db

AFTER_EVERYTHING = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pacific(*args: int) -> datetime:
    """A Pacific wall-clock time in March 2026 after the DST change (PDT, UTC-7)."""
    return datetime(*args, tzinfo=UTC) + timedelta(hours=7)


@pytest.fixture
def acme(world: Any) -> Any:
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    return world.acme


def outage(module: str, start: datetime, end: datetime, **extra: Any) -> Outage:
    return Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug=module, region__code="us"),
        source=extra.pop("source", Source.INCIDENT),
        impact=extra.pop("impact", Impact.MAJOR_OUTAGE),
        start=start,
        end=end,
        **extra,
    )


def ticket(world: Any, at: datetime, severity: int | None, summary: str = "Fault") -> Any:
    return helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary=summary, severity=severity),
        now=at,
    )


def restore(world: Any, item: Any, at: datetime) -> None:
    helpdesk.change_status(item, Status.RESTORED, actor=world.agent, repair="temporary", now=at)


def module(report: schema.Report, slug: str) -> schema.ModuleUptime:
    return next(m for m in report.uptime if m.module == slug)


def test_march_2026_dst_month_outage_over_the_window_and_an_agreed_downgrade(
    world: Any, acme: Any
) -> None:
    # The outage overruns the Wednesday window (01:00-01:30 PDT = 08:00-08:30 UTC): only the
    # 70 minutes after the window count.
    outage("release-manager", utc(2026, 3, 11, 8, 15), utc(2026, 3, 11, 9, 40))
    # Severity 1 designated, restored after 6 support hours (a breach of 4 hours), then agreed
    # down to severity 2 in a meeting: 12 hours from the report time, so met.
    downgraded = ticket(world, pacific(2026, 3, 10, 9), 1, "Deployments fail")
    restore(world, downgraded, pacific(2026, 3, 10, 15))
    severities.propose_severity(
        downgraded, 2, actor=world.agent, reason="A workaround exists", now=pacific(2026, 3, 10, 16)
    )
    severities.answer_proposal(
        downgraded, accept=True, actor=world.acme_admin, note="Call", now=pacific(2026, 3, 12, 10)
    )
    # Severity 2 raised Friday 17:00, restored Tuesday 10:00: Fri 1 h + Mon 10 h + Tue 2 h =
    # 13 support hours, breached at Tuesday 09:00:01.
    breached = ticket(world, pacific(2026, 3, 13, 17), 2, "Reports time out")
    restore(world, breached, pacific(2026, 3, 17, 10))

    report = build_report(acme, "2026-03", now=AFTER_EVERYTHING)

    assert report.period.minutes == 44_580  # 31 days less the hour lost to DST
    assert report.period.timezone == "America/Los_Angeles"
    assert not report.period.provisional
    release = module(report, "release-manager")
    assert release.period_seconds == 44_580 * 60
    assert release.maintenance_seconds == 4 * 30 * 60  # Wednesdays 4, 11, 18, 25
    assert release.eligible_seconds == 44_460 * 60
    assert release.downtime_seconds == str(70 * 60)
    assert release.uptime_exact == "4439/4446"
    assert release.uptime_percent == "99.842"
    assert not release.met
    [line] = release.outages
    assert (line.source, line.counted_seconds, line.ongoing) == ("incident", "4200", False)
    assert all(m.met and m.uptime_percent == "100.000" for m in report.uptime if m is not release)
    assert [d.date for d in release.daily if not d.met] == ["2026-03-11"]

    lines = {t.id: t for t in report.tickets}
    assert lines[downgraded.pk].severity == 2
    assert lines[downgraded.pk].severity_designated == 1
    assert lines[downgraded.pk].outcome == "met"
    assert lines[downgraded.pk].used_seconds == 6 * 3600
    assert lines[breached.pk].outcome == "breached"
    assert lines[breached.pk].used_seconds == 13 * 3600
    assert lines[breached.pk].breached_at == "2026-03-17T16:00:01Z"
    severity_2 = next(s for s in report.severities if s.severity == 2)
    assert (severity_2.tickets, severity_2.met, severity_2.breached) == (2, 1, 1)
    assert severity_2.median_used_seconds == 6 * 3600  # nearest rank of two: the first
    assert severity_2.p90_used_seconds == 13 * 3600
    assert severity_2.used_percent_of_target == ["50", "108.3"]
    assert next(s for s in report.severities if s.severity == 1).tickets == 0

    [dispute] = report.disputes
    assert (dispute.ticket_id, dispute.designated, dispute.outcome) == (downgraded.pk, 1, "agreed")
    assert dispute.proposed == [2]
    assert "alex@vendor.test" in dispute.detail and "adam@acme.test" in dispute.detail

    statement = report.statement
    assert [(line.rule, line.subject, line.amount) for line in statement.lines] == [
        ("uptime_tier", "Release Manager", "50.00"),
        ("breach", "severity 2", "10.00"),
    ]
    assert (statement.total_amount, statement.total_percent) == ("60.00", "6.00")
    assert any("America/Los_Angeles" in text and "44,580" in text for text in report.assumptions)
    assert any("PST in winter" in text for text in report.assumptions)


def test_a_tier_boundary_hit_exactly_falls_in_the_tier_whose_bound_is_inclusive(
    world: Any, acme: Any
) -> None:
    # June 2026 in Pacific time: 30 days less four 30-minute windows = 2,584,800 eligible
    # seconds. 25,848 s down is exactly 99.000%: the 99.0-99.9 tier (lower bound inclusive),
    # 5%. One second more is below 99.0: the 95-99 tier, 10%.
    outage("reporting", utc(2026, 6, 2, 0), utc(2026, 6, 2, 7, 10, 48))
    outage("stryka", utc(2026, 6, 2, 0), utc(2026, 6, 2, 7, 10, 49))

    report = build_report(acme, "2026-06", now=AFTER_EVERYTHING)

    reporting, stryka = module(report, "reporting"), module(report, "stryka")
    assert reporting.eligible_seconds == 2_584_800
    assert (reporting.downtime_seconds, reporting.uptime_exact) == ("25848", "99/100")
    assert reporting.uptime_percent == "99.000"
    assert stryka.uptime_percent == "98.999"
    lines = {line.subject: line for line in report.statement.lines}
    assert lines["Reporting"].percent == "5" and lines["Reporting"].amount == "50.00"
    assert lines["Stryka"].percent == "10" and lines["Stryka"].amount == "100.00"
    assert "in tier" in lines["Reporting"].detail


def test_a_ticket_open_at_the_cut_off_is_carried_into_the_next_report_and_counted_once(
    world: Any, acme: Any
) -> None:
    # Severity 3 (2 support days) raised Wednesday 30 September 20:00 PDT, after hours: the
    # clock starts Thursday 08:00 and is due Monday 5 October 08:00. At the September cut-off
    # (3 October 00:00) it has used exactly its 20 hours, not more: open. Restored Monday
    # 09:00, so breached at 08:00:01, in October.
    late = ticket(world, utc(2026, 10, 1, 3), 3, "Slow Gantt view")
    restore(world, late, utc(2026, 10, 5, 16))

    september = build_report(acme, "2026-09", now=AFTER_EVERYTHING)
    october = build_report(acme, "2026-10", now=AFTER_EVERYTHING)

    [line] = september.tickets
    assert (line.outcome, line.carried_over, line.used_seconds) == ("open", False, 20 * 3600)
    assert september.statement.lines == []
    [line] = october.tickets
    assert (line.id, line.outcome, line.carried_over) == (late.pk, "breached", True)
    assert line.breached_at == "2026-10-05T15:00:01Z"
    assert [(s.subject, s.percent) for s in october.statement.lines] == [("severity 3", "0.5")]
    november = build_report(acme, "2026-11", now=AFTER_EVERYTHING)
    assert november.tickets == []


def test_an_open_month_is_provisional_and_a_closed_one_is_frozen_once(
    world: Any, acme: Any
) -> None:
    outage("stryka", utc(2026, 10, 6, 12), utc(2026, 10, 6, 13))
    before_cutoff = utc(2026, 11, 2, 12)
    issued = report_for(acme, "2026-10", now=before_cutoff)
    assert issued.version is None and issued.report.period.provisional

    after_cutoff = utc(2026, 11, 3, 9)
    first = report_for(acme, "2026-10", now=after_cutoff)
    assert first.version is not None and first.version.version == 1
    assert first.version.content_hash == content_hash(first.report)
    assert not first.report.period.provisional
    again = report_for(acme, "2026-10", now=AFTER_EVERYTHING)
    assert again.version == first.version and again.report == first.report
    assert freeze(acme, "2026-10", now=AFTER_EVERYTHING) == (first.version, False)

    # A correction: an outage found later. A new version says what changed; the first stays.
    outage("reporting", utc(2026, 10, 20, 12), utc(2026, 10, 20, 14))
    second, created = freeze(
        acme, "2026-10", now=AFTER_EVERYTHING, actor=world.manager, reason="Missed outage"
    )
    assert created and second.version == 2 and second.reason == "Missed outage"
    # October 2026 in Pacific time: 44,640 minutes less four windows = 44,520 eligible.
    assert second.changes == [
        "Reporting uptime 100.000% -> 99.730% (not met now)",
        "Penalty total 50.00 USD -> 100.00 USD",
    ]
    assert report_for(acme, "2026-10", now=AFTER_EVERYTHING).version == second
    assert acme.report_versions.count() == 2


def test_a_report_is_reproducible(world: Any, acme: Any) -> None:
    outage("stryka", utc(2026, 3, 6, 12), utc(2026, 3, 6, 13), impact=Impact.PARTIAL_OUTAGE)
    restore(world, ticket(world, pacific(2026, 3, 9, 9), 1), pacific(2026, 3, 9, 11))
    first = build_report(acme, "2026-03", now=AFTER_EVERYTHING)
    later = build_report(acme, "2026-03", now=utc(2027, 6, 1))
    assert first == later and content_hash(first) == content_hash(later)
    assert module(first, "stryka").downtime_seconds == "1800"  # a partial outage counts half
    assert schema.Report.from_json_data(first.to_json_data()) == first


def test_another_customers_outages_and_tickets_stay_out_of_the_report(
    world: Any, acme: Any
) -> None:
    outage("stryka", utc(2026, 3, 6, 12), utc(2026, 3, 6, 13), organisation=world.globex)
    helpdesk.report(
        reporter=world.globex_reporter,
        organisation=world.globex,
        new=helpdesk.NewTicket(module=world.module, summary="Globex fault", severity=1),
        now=pacific(2026, 3, 9, 9),
    )
    report = build_report(acme, "2026-03", now=AFTER_EVERYTHING)
    assert module(report, "stryka").outages == []
    assert report.tickets == []
    globex = build_report(world.globex, "2026-03", now=AFTER_EVERYTHING)
    assert module(globex, "stryka").outages[0].customer_only
    assert len(globex.tickets) == 1


def test_a_month_that_is_not_a_month_is_refused_naming_the_field(acme: Any) -> None:
    from accord.engine.errors import EngineError

    with pytest.raises(EngineError, match="month"):
        build_report(acme, "2026-13", now=AFTER_EVERYTHING)


def test_modules_follow_the_policy_order(acme: Any) -> None:
    report = build_report(acme, "2026-03", now=AFTER_EVERYTHING)
    names = [m.module_name for m in report.uptime]
    assert names == list(acme.contract.terms.modules)
    assert set(Module.objects.values_list("name", flat=True)) >= set(names)


def test_a_customer_proposal_the_vendor_rejects_is_a_dispute_naming_both_sides(
    world: Any, acme: Any
) -> None:
    item = ticket(world, pacific(2026, 3, 10, 9), 3, "Exports slow")
    restore(world, item, pacific(2026, 3, 10, 11))
    severities.propose_severity(
        item, 1, actor=world.acme_admin, reason="Month-end blocked", now=pacific(2026, 3, 10, 12)
    )
    open_report = build_report(acme, "2026-03", now=pacific(2026, 3, 10, 13))
    [dispute] = open_report.disputes
    assert dispute.outcome == "open" and "proposed by the customer" in dispute.detail

    severities.answer_proposal(
        item, accept=False, actor=world.manager, note="Workaround", now=pacific(2026, 3, 11, 9)
    )
    [dispute] = build_report(acme, "2026-03", now=pacific(2026, 3, 11, 10)).disputes
    assert dispute.outcome == "disputed" and dispute.severity_in_force == 3
    assert dispute.detail.startswith("The vendor rejected the customer's proposal")
    assert "unresolved" in dispute.detail

    severities.settle_dispute(
        item,
        actor=world.manager,
        held_on=pacific(2026, 3, 12, 9).date(),
        attendees="Morgan (vendor), Ada (Acme)",
        now=pacific(2026, 3, 12, 10),
    )
    [dispute] = build_report(acme, "2026-03", now=AFTER_EVERYTHING).disputes
    assert (dispute.outcome, dispute.severity_in_force) == ("settled", 3)
    assert dispute.detail.endswith(
        "settled at a meeting on 2026-03-12 (Morgan (vendor), Ada (Acme))"
    )
