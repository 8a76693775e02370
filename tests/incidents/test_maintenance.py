"""Maintenance: the recurring window for every region, ad-hoc windows with notice, the
iCalendar feeds and the calendar page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from tests.incidents.conftest import module_region, utc

from accord.incidents import maintenance, services
from accord.monitoring.models import MaintenanceWindow, Outage, Source
from accord.monitoring.services import Terms, month_uptime

# A Friday in February: the feed reaches a year ahead, across the March and November changes.
NOW = utc("2026-02-20T12:00:00Z")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


def feed(url: str) -> list[Any]:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    return list(calendar.walk("VEVENT"))


def when(event: Any, name: str) -> datetime:
    value = event.decoded(name)
    assert value.utcoffset() == timedelta(0), "DTSTART/DTEND are in UTC"
    return value.astimezone(UTC)


def test_the_feed_has_the_wednesday_window_at_09_utc_in_winter_and_08_in_summer(
    world: Any, frozen: datetime
) -> None:
    for url in (reverse("maintenance_ics"), reverse("maintenance_region_ics", args=["uk"])):
        events = feed(url)
        starts = {when(e, "DTSTART"): when(e, "DTEND") for e in events}
        winter = datetime(2026, 2, 25, 9, 0, tzinfo=UTC)  # Wed 25 Feb 01:00 PST
        summer = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # Wed 11 Mar 01:00 PDT
        autumn = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # Wed 4 Nov 01:00 PST again
        for start in (winter, summer, autumn):
            assert starts[start] == start + timedelta(minutes=30), (url, start)
        assert datetime(2026, 3, 11, 9, 0, tzinfo=UTC) not in starts
        uids = [str(e["UID"]) for e in events]
        assert len(uids) == len(set(uids)), "one UID per occurrence"
        assert all(when(e, "DTSTART").weekday() == 2 for e in events)  # all Wednesdays
        # Four weeks back and a year ahead: 56 or 57 Wednesdays.
        assert 56 <= len(events) <= 57


def test_the_raw_feed_writes_utc_times(world: Any, frozen: datetime) -> None:
    body = Client().get(reverse("maintenance_region_ics", args=["us"])).content.decode()
    assert "DTSTART:20260225T090000Z" in body
    assert "DTEND:20260311T083000Z" in body
    assert "UID:weekly-us-20260311T080000Z@accord" in body


def test_adhoc_windows_are_in_their_region_s_feed_and_cancelled_ones_say_so(
    world: Any, frozen: datetime
) -> None:
    uk = module_region(region="uk")
    window = services.schedule_maintenance(
        region=uk.region,
        title="Storage migration",
        start=utc("2026-03-01T22:00:00Z"),
        end=utc("2026-03-02T02:00:00Z"),
        module_regions=[uk],
        actor=world.agent,
        now=NOW,
    )
    late = services.schedule_maintenance(
        region=uk.region,
        title="Urgent patch",
        start=utc("2026-02-21T08:00:00Z"),
        end=utc("2026-02-21T08:30:00Z"),
        actor=world.agent,
        now=NOW,
    )
    services.cancel_maintenance(late, actor=world.agent, now=NOW)
    uk_events = {str(e["UID"]): e for e in feed(reverse("maintenance_region_ics", args=["uk"]))}
    event = uk_events[f"maintenance-{window.pk}@accord"]
    assert when(event, "DTSTART") == utc("2026-03-01T22:00:00Z")
    assert when(event, "DTEND") == utc("2026-03-02T02:00:00Z")
    assert "Release Manager" in str(event["DESCRIPTION"])
    assert "excluded from uptime" in str(event["DESCRIPTION"])  # 226 hours' notice
    assert str(uk_events[f"maintenance-{late.pk}@accord"]["STATUS"]) == "CANCELLED"
    us_uids = {str(e["UID"]) for e in feed(reverse("maintenance_region_ics", args=["us"]))}
    assert f"maintenance-{window.pk}@accord" not in us_uids
    all_uids = {str(e["UID"]) for e in feed(reverse("maintenance_ics"))}
    assert f"maintenance-{window.pk}@accord" in all_uids


def test_an_unknown_region_is_404(world: Any) -> None:
    assert Client().get("/status/mars/maintenance.ics").status_code == 404
    assert Client().get("/maintenance/mars/").status_code == 404


def test_the_notice_rule_decides_whether_an_adhoc_window_is_excluded(world: Any) -> None:
    """The built-in policy asks for 48 hours' notice: a minute less and the window's outage
    counts as downtime."""
    terms = Terms.of(world.acme.contract.terms)
    start = utc("2026-03-20T10:00:00Z")
    cases = [
        (module_region("release-manager"), timedelta(hours=47, minutes=59), False),
        (module_region("reporting"), timedelta(hours=48), True),
    ]
    for deployment, notice, _ in cases:
        services.schedule_maintenance(
            region=deployment.region,
            title=f"Upgrade {deployment.module.name}",
            start=start,
            end=start + timedelta(hours=1),
            module_regions=[deployment],
            actor=world.agent,
            now=start - notice,
        )
        Outage.objects.create(
            module_region=deployment,
            source=Source.PROBE,
            start=start,
            end=start + timedelta(hours=1),
        )
    items = maintenance.adhoc(None, start - timedelta(days=1), start + timedelta(days=1))
    by_module = {item.modules: item for item in items}
    for deployment, notice, excluded in cases:
        result = month_uptime(deployment, terms, "2026-03", now=utc("2026-04-02T00:00:00Z"))
        assert result.downtime_seconds == (0 if excluded else 3600), notice
        item = by_module[(deployment.module.name,)]
        assert item.counts_as_maintenance is excluded
        assert ("count as downtime" in maintenance.notice_sentence(item)) is not excluded


def test_scheduling_refusals(world: Any) -> None:
    region = module_region().region
    with pytest.raises(services.Refused, match="^end: "):
        services.schedule_maintenance(
            region=region,
            title="x",
            start=NOW + timedelta(hours=2),
            end=NOW + timedelta(hours=1),
            actor=world.agent,
            now=NOW,
        )
    with pytest.raises(services.Refused, match="^module_regions: "):
        services.schedule_maintenance(
            region=region,
            title="x",
            start=NOW + timedelta(hours=1),
            end=NOW + timedelta(hours=2),
            module_regions=[module_region(region="uk")],
            actor=world.agent,
            now=NOW,
        )
    with pytest.raises(services.NotPermitted):
        services.schedule_maintenance(
            region=region,
            title="x",
            start=NOW + timedelta(hours=1),
            end=NOW + timedelta(hours=2),
            actor=world.acme_admin,
            now=NOW,
        )


def test_the_staff_page_schedules_in_the_viewer_s_zone_and_cancels(
    world: Any, frozen: datetime
) -> None:
    world.agent.timezone = "America/Los_Angeles"
    world.agent.save()
    client = Client()
    client.force_login(world.agent)
    us = module_region()
    response = client.post(
        reverse("maintenance_schedule"),
        {
            "region": str(us.region.pk),
            "title": "Failover test",
            "start": "2026-03-08 01:00",  # PST
            "end": "2026-03-08 04:00",  # PDT: two real hours later
            "module_regions": [str(us.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    window = MaintenanceWindow.objects.get()
    assert (window.start, window.end) == (utc("2026-03-08T09:00:00Z"), utc("2026-03-08T11:00:00Z"))
    assert window.announced_at == NOW
    assert list(window.module_regions.all()) == [us]
    page = client.get(reverse("maintenance_schedule")).content.decode()
    assert "Failover test" in page and "Sun 8 Mar 2026 01:00 PST to 04:00 PDT" in page
    cancel = client.post(reverse("maintenance_cancel", args=[window.pk]))
    assert cancel.status_code == 302
    window.refresh_from_db()
    assert window.cancelled_at == NOW
    for user in world.customers():
        other = Client()
        other.force_login(user)
        assert other.post(reverse("maintenance_cancel", args=[window.pk])).status_code == 404


def test_the_calendar_page_shows_the_viewer_s_zone_and_utc(world: Any, frozen: datetime) -> None:
    anonymous = Client().get(reverse("maintenance_region_calendar", args=["uk"])).content.decode()
    # Anonymous: the region's zone (London) and UTC. Wed 25 Feb 09:00 UTC = 09:00 GMT.
    assert "Wed 25 Feb 2026 09:00 GMT" in anonymous
    assert "Wed 25 Feb 2026 09:00 UTC" in anonymous
    assert "Wed 11 Mar 2026 08:00 UTC" in anonymous  # PDT: an hour earlier in UTC
    assert reverse("maintenance_region_ics", args=["uk"]) in anonymous
    world.acme_reporter.timezone = "Australia/Sydney"
    world.acme_reporter.save()
    client = Client()
    client.force_login(world.acme_reporter)
    mine = client.get(reverse("maintenance_calendar")).content.decode()
    assert "Wed 25 Feb 2026 20:00 AEDT" in mine
    assert "Wed 25 Feb 2026 09:00 UTC" in mine
    everyone = Client().get(reverse("maintenance_calendar")).content.decode()
    assert "Wed 25 Feb 2026 01:00 PST" in everyone  # the recurring window's own zone


def test_the_recurring_window_follows_the_status_policy_setting(settings: Any) -> None:
    settings.ACCORD_STATUS_POLICY = "plutora-standard"
    assert maintenance.policy_name() == "plutora-standard"
    schedule = maintenance.recurring_schedule()
    assert schedule.timezone == "America/Los_Angeles" and len(schedule.weekly) == 1
