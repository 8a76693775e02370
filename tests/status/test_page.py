"""The public status page: anyone reads it without signing in, per region and overall; the bars
are the engine's daily figures (maintenance excluded); the current state comes from open
outages and the maintenance schedule; a signed-in customer sees its own month and nobody
else's; no JavaScript anywhere.

The clock is Monday 15 June 2026, 12:00 in Los Angeles (19:00 UTC). Days of the US region are
Pacific dates; June 2026 has no DST change, and its Wednesday windows (01:00-01:30 Pacific) are
on the 3rd, 10th, 17th and 24th.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from accord.monitoring.models import MaintenanceWindow, Outage, Source
from accord.status import services

from .conftest import Clock, utc

MODULES = [
    "Release Manager",
    "Test Environment Manager",
    "Deployment Manager",
    "Reporting",
    "Stryka",
]
FindMR = Callable[[str, str], Any]


def outage(module_region: Any, start: str, end: str | None, **fields: Any) -> Any:
    return Outage.objects.create(
        module_region=module_region,
        source=fields.pop("source", Source.PROBE),
        start=utc(start),
        end=utc(end) if end else None,
        **fields,
    )


def page(client: Client, url: str = "/status/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def bar(html: str, module: str, day: str) -> str:
    """The text of one module's bar for one day (the first region on the page)."""
    section = html[html.index(f'aria-label="{module}: daily uptime') :]
    match = re.search(rf'<li class="(bar-\w+)" title="{day}: ([^"]*)">', section)
    assert match, (module, day)
    return f"{match.group(1)} {match.group(2)}"


def module_item(html: str, module_region: Any) -> str:
    start = html.index(f'id="module-{module_region.pk}"')
    return html[start : html.index("</li>\n", html.index("</ol>", start))]


# --- anyone, without signing in ----------------------------------------------------------------


def test_anyone_reads_the_overall_page_and_each_region_without_signing_in(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    release_uk = mr("Release Manager", "uk")
    release_uk.deployed_version = "2026.24.3"
    release_uk.save()
    client = Client()
    html = page(client, "/status/")
    assert "Service status" in html
    assert "All modules operational" in html
    for region in ("United States", "United Kingdom", "Australia"):
        assert f">{region}</a></h2>" in html
    assert html.count('<ol class="bars"') == 15
    assert html.count('<li class="bar-up"') == 15 * 90
    for name in MODULES:
        assert html.count(f"<h3>{name}</h3>") == 3
    assert "Version 2026.24.3" in html
    assert "Version not recorded" in html
    assert "Sign in" not in html  # no login form, no redirect
    # The days are each region's: 19 March to 16 June in Sydney, where it is already 05:00
    # on Tuesday; 18 March to 15 June in Los Angeles (today so far).
    sydney = html[html.index('id="region-au"') : html.index('id="region-uk"')]
    assert 'title="2026-03-19: 100.000% uptime"' in sydney
    assert 'title="2026-06-16: 100.000% uptime"' in sydney
    los_angeles = html[html.index('id="region-us"') :]
    assert 'title="2026-03-18: 100.000% uptime, 30.0 min maintenance"' in los_angeles
    assert 'title="2026-06-15: 100.000% uptime"' in los_angeles

    us = page(client, "/status/us/")
    assert "Service status: United States" in us
    assert us.count('<ol class="bars"') == 5
    assert "Each bar is one day in America/Los_Angeles time, 18 Mar 2026 to 15 Jun 2026" in us
    uk = page(client, "/status/uk/")
    assert "Each bar is one day in Europe/London time" in uk
    assert "Version 2026.24.3" in uk
    assert Client().get("/status/atlantis/").status_code == 404


def test_the_page_needs_no_javascript(world: Any, clock: Clock, settings: Any) -> None:
    settings.ACCORD_STATUS_DEMO = True
    staff = Client()
    staff.force_login(world.agent)
    customer = Client()
    customer.force_login(world.acme_admin)
    for client in (Client(), staff, customer):
        for url in ("/status/", "/status/us/", "/status/subscribe/"):
            html = page(client, url)
            assert "<script" not in html.lower()
            assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
            assert 'href="javascript:' not in html
            # Every form posts, to a real URL, with a CSRF token.
            forms = re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S)
            assert forms
            for attributes, inside in forms:
                assert 'method="post"' in attributes
                assert 'action="/' in attributes
                assert 'name="csrfmiddlewaretoken"' in inside


def test_the_page_names_its_feed_and_labels_its_form(world: Any, clock: Clock) -> None:
    html = page(Client(), "/status/us/")
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Accord status: United States (Atom)" href="/status/us/feed.atom">'
    ) in html
    assert '<label for="id_email">Email address</label>' in html
    assert '<label for="id_region">Updates for</label>' in html
    assert '<option value="us" selected>United States</option>' in html


# --- the bars ----------------------------------------------------------------------------------


def test_the_bars_show_the_engines_daily_uptime_maintenance_excluded(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    release = mr("Release Manager", "us")
    # Tuesday 2 June: 10 minutes of a major outage in a 1,440-minute day: 99.305% (floored).
    outage(release, "2026-06-02T10:00:00-07:00", "2026-06-02T10:10:00-07:00")
    # Monday 8 June: 20 minutes of a partial outage count half.
    outage(
        release, "2026-06-08T10:00:00-07:00", "2026-06-08T10:20:00-07:00", impact="partial_outage"
    )
    # Wednesday 10 June: failing only inside the window (01:00-01:30): not downtime.
    outage(release, "2026-06-10T01:05:00-07:00", "2026-06-10T01:25:00-07:00")
    # Thursday 11 June: degraded performance does not count under the built-in policy.
    outage(release, "2026-06-11T09:00:00-07:00", "2026-06-11T11:00:00-07:00", impact="degraded")
    # Friday 12 June: a window overrun: 01:20-02:00 counts from 01:30 (but that is no
    # Wednesday, so all 40 minutes count). Wednesday 3 June: 01:20-02:00 counts 30 minutes.
    outage(release, "2026-06-03T01:20:00-07:00", "2026-06-03T02:00:00-07:00")

    html = page(Client(), "/status/us/")
    assert bar(html, "Release Manager", "2026-06-02") == ("bar-down 99.305% uptime, 10.0 min down")
    assert bar(html, "Release Manager", "2026-06-08") == "bar-down 99.305% uptime, 10.0 min down"
    assert bar(html, "Release Manager", "2026-06-10") == (
        "bar-up 100.000% uptime, 30.0 min maintenance"
    )
    assert bar(html, "Release Manager", "2026-06-11") == "bar-up 100.000% uptime"
    # 30 of 1,410 eligible minutes: 1 - 30/1410 = 97.872...%.
    assert bar(html, "Release Manager", "2026-06-03") == (
        "bar-down 97.872% uptime, 30.0 min down, 30.0 min maintenance"
    )
    assert bar(html, "Reporting", "2026-06-02") == "bar-up 100.000% uptime"
    # The text alternative is in the page too, not only in the tooltip.
    assert '<span class="visually-hidden">2026-06-02: 99.305% uptime, 10.0 min down</span>' in html
    # The days with downtime, newest first, in a table.
    item = module_item(html, release)
    assert "3 days with downtime" in item
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th><td>([\d.]+%)</td>', item)
    assert rows == [
        ("2026-06-08", "99.305%"),
        ("2026-06-03", "97.872%"),
        ("2026-06-02", "99.305%"),
    ]
    assert "no downtime" in module_item(html, mr("Reporting", "us"))


def test_a_short_dip_within_the_target_is_its_own_kind_of_bar(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    release = mr("Release Manager", "us")
    # One minute in a day: 99.930% is at or above the 99.9% target.
    outage(release, "2026-06-09T10:00:00-07:00", "2026-06-09T10:01:00-07:00")
    html = page(Client(), "/status/us/")
    assert bar(html, "Release Manager", "2026-06-09") == "bar-dip 99.930% uptime, 1.0 min down"


def test_the_90_day_figure_comes_from_the_engine(world: Any, clock: Clock, mr: FindMR) -> None:
    release = mr("Release Manager", "us")
    outage(release, "2026-06-02T10:00:00-07:00", "2026-06-02T10:10:00-07:00")
    total = services.status_page(release.region, now=clock.at).regions[0].modules[0].daily.total
    assert total.downtime_seconds == 600
    html = page(Client(), "/status/us/")
    assert (
        f"<strong>{total.uptime_percent_display}%</strong> uptime over the last 90 days · "
        "1 day with downtime"
    ) in html
    assert total.uptime_percent_display == "99.992"


# --- the state now -----------------------------------------------------------------------------


def test_the_state_of_each_module_now(world: Any, clock: Clock, mr: FindMR) -> None:
    deployment = mr("Deployment Manager", "us")
    outage(deployment, "2026-06-15T11:30:00-07:00", None)  # going on
    outage(mr("Reporting", "us"), "2026-06-15T11:00:00-07:00", None, impact="partial_outage")
    outage(mr("Stryka", "us"), "2026-06-15T11:00:00-07:00", None, impact="degraded")
    outage(mr("Stryka", "uk"), "2026-06-15T08:00:00-07:00", "2026-06-15T09:00:00-07:00")  # over
    # Another customer's own outage is not the public's.
    outage(
        mr("Release Manager", "us"), "2026-06-15T11:00:00-07:00", None, organisation=world.globex
    )

    html = page(Client(), "/status/us/")
    assert "<strong>Major outage</strong></p>" in html  # the banner: the worst state
    states = re.findall(
        r"<h3>([\w ]+)</h3>.*?<span class=\"badge state-\w+\">([\w ]+)</span>", html, re.S
    )
    assert states == [
        ("Release Manager", "Operational"),
        ("Test Environment Manager", "Operational"),
        ("Deployment Manager", "Major outage"),
        ("Reporting", "Partial outage"),
        ("Stryka", "Degraded performance"),
    ]
    # Its open outage counts up to now in today's bar: 30 of the 720 minutes so far.
    assert bar(html, "Deployment Manager", "2026-06-15") == (
        "bar-down 95.833% uptime, 30.0 min down"
    )
    uk = page(Client(), "/status/uk/")
    assert "<strong>All modules operational</strong>" in uk
    overall = page(Client(), "/status/")
    assert '<span class="badge state-major_outage">Major outage</span>' in overall
    assert "<strong>Major outage</strong>" in overall


def test_under_maintenance_during_the_weekly_window(world: Any, clock: Clock, mr: FindMR) -> None:
    clock.set("2026-06-17T01:10:00-07:00")  # Wednesday, inside 01:00-01:30 Pacific
    outage(mr("Release Manager", "us"), "2026-06-17T01:05:00-07:00", None)
    html = page(Client(), "/status/us/")
    assert "<strong>Maintenance in progress</strong>" in html
    assert html.count('<span class="badge state-maintenance">Under maintenance</span>') == 5
    assert bar(html, "Release Manager", "2026-06-17") == (
        "bar-up 100.000% uptime, 10.0 min maintenance"
    )
    # The window is in progress in the maintenance list.
    assert (
        'Weekly maintenance window</strong> <span class="badge state-maintenance">In progress'
        in html
    )
    clock.set("2026-06-17T01:40:00-07:00")  # the window is over, the outage is not
    html = page(Client(), "/status/us/")
    assert "<strong>Major outage</strong>" in html
    assert bar(html, "Release Manager", "2026-06-17") == (
        # 01:30-01:40 of the 70 eligible minutes so far (00:00-01:40 less the window)
        "bar-down 85.714% uptime, 10.0 min down, 30.0 min maintenance"
    )


def test_ad_hoc_maintenance_now_and_ahead(world: Any, clock: Clock, mr: FindMR) -> None:
    from accord.catalogue.models import Region

    uk = Region.objects.get(code="uk")
    now = clock.at
    running = MaintenanceWindow.objects.create(
        region=uk,
        title="Storage migration",
        start=now - timedelta(minutes=10),
        end=now + timedelta(minutes=50),
        announced_at=now - timedelta(days=5),
        created_by=world.vendor_admin,
    )
    running.module_regions.add(mr("Reporting", "uk"))
    MaintenanceWindow.objects.create(
        region=uk,
        title="Network change at short notice",
        description="Replacing a core switch.",
        start=now + timedelta(days=1),
        end=now + timedelta(days=1, hours=1),
        announced_at=now,
        created_by=world.vendor_admin,
    )
    MaintenanceWindow.objects.create(
        region=uk,
        title="Cancelled upgrade",
        start=now + timedelta(days=2),
        end=now + timedelta(days=2, hours=1),
        announced_at=now - timedelta(days=3),
        cancelled_at=now,
        created_by=world.vendor_admin,
    )
    html = page(Client(), "/status/uk/")
    states = dict(
        re.findall(
            r"<h3>([\w ]+)</h3>.*?<span class=\"badge state-\w+\">([\w ]+)</span>", html, re.S
        )
    )
    assert states["Reporting"] == "Under maintenance"
    assert states["Stryka"] == "Operational"
    maintenance = html[html.index('id="maintenance"') : html.index('id="history"')]
    assert "Storage migration" in maintenance
    assert "United Kingdom: Reporting." in maintenance
    assert "Network change at short notice" in maintenance
    assert "Announced at short notice: an outage during it counts as downtime." in maintenance
    assert "Replacing a core switch." in maintenance
    assert "Cancelled upgrade" not in maintenance
    # The weekly window: the next two, in UTC for an anonymous visitor (08:00 in summer).
    assert "Weekly maintenance window" in maintenance
    assert "Wed 17 Jun 2026 08:00–08:30 UTC" in maintenance
    assert "Wed 24 Jun 2026 08:00–08:30 UTC" in maintenance
    assert "every Wednesday 01:00–01:30 America/Los_Angeles" in maintenance
    # Soonest first.
    assert maintenance.index("Storage migration") < maintenance.index("Network change")
    assert maintenance.index("Network change") < maintenance.index("Wed 17 Jun")


def test_a_signed_in_viewer_sees_windows_in_their_zone_and_in_utc(world: Any, clock: Clock) -> None:
    client = Client()
    client.force_login(world.acme_reporter)  # shown in America/Los_Angeles
    html = page(client, "/status/us/")
    assert "Wed 17 Jun 2026 01:00–01:30 PDT</time> · <time" in html
    assert "Wed 17 Jun 2026 08:00–08:30 UTC" in html


# --- a signed-in customer's own month ----------------------------------------------------------


def budget_history(world: Any, mr: FindMR) -> None:
    release = mr("Release Manager", "us")
    # Public: 10 minutes of a major outage, 20 of a partial one (10 count), a failure inside
    # the window of Wednesday 10 June (0 count).
    outage(release, "2026-06-02T10:00:00-07:00", "2026-06-02T10:10:00-07:00")
    outage(
        release, "2026-06-08T10:00:00-07:00", "2026-06-08T10:20:00-07:00", impact="partial_outage"
    )
    outage(release, "2026-06-10T01:05:00-07:00", "2026-06-10T01:25:00-07:00")
    # Acme's own: 5 minutes. Globex's own: 60 minutes.
    outage(
        release,
        "2026-06-12T09:00:00-07:00",
        "2026-06-12T09:05:00-07:00",
        organisation=world.acme,
        source=Source.TICKET,
    )
    outage(
        release,
        "2026-06-11T09:00:00-07:00",
        "2026-06-11T10:00:00-07:00",
        organisation=world.globex,
        source=Source.TICKET,
    )
    # Last month's outage is not this month's.
    outage(release, "2026-05-31T20:00:00-07:00", "2026-05-31T23:00:00-07:00")


def budget_row(html: str, module: str) -> list[str]:
    panel = html[html.index('aria-labelledby="your-month"') : html.index('id="active-incidents"')]
    row = re.search(rf'<th scope="row">{module}</th>(.*?)</tr>', panel, re.S)
    assert row, module
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    ]


def test_a_customer_sees_its_month_so_far_and_its_error_budget(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    """Worked by hand. June 2026 in Los Angeles: 43,200 minutes, less four Wednesday windows
    of 30 minutes: 43,080 eligible minutes. At 99.9% the month allows 0.1% of that: 43.08
    minutes (2,584.8 s), shown floored: 43.0. Acme's downtime so far: 10 + 20/2 + 0 (in the
    window) + 5 (its own) = 25 minutes, so 18.08 minutes are left, shown as 18.0.
    Uptime so far (1 June 00:00 to 15 June 12:00 Pacific): 20,880 minutes less the windows of
    3 and 10 June = 20,820 eligible; 1 - 25/20,820 = 99.87992...%, shown floored: 99.879%.
    Globex: 10 + 10 + 60 (its own) = 80 minutes: 2,215.2 s over, shown as 37.0 min over (the
    overrun rounded up)."""
    budget_history(world, mr)
    acme = Client()
    acme.force_login(world.acme_admin)
    html = page(acme, "/status/")
    assert "Acme Corp: your month so far" in html
    assert "June 2026 in America/Los_Angeles time" in html
    assert "Target 99.9% per module" in html
    assert budget_row(html, "Release Manager") == ["99.879%", "25.0 min", "18.0 min of 43.0 min"]
    assert budget_row(html, "Stryka") == ["100.000%", "0.0 min", "43.0 min of 43.0 min"]
    assert "Globex" not in html

    globex = Client()
    globex.force_login(world.globex_reporter)
    html = page(globex, "/status/us/")
    assert "Globex: your month so far" in html
    assert budget_row(html, "Release Manager")[1:] == [
        "80.0 min",
        "None left (37.0 min over the 43.0 min)",
    ]
    assert "Acme" not in html


def test_no_one_elses_private_outage_is_shown(world: Any, clock: Clock, mr: FindMR) -> None:
    budget_history(world, mr)
    for client in (Client(), _signed_in(world.acme_reporter), _signed_in(world.agent)):
        html = page(client, "/status/us/")
        # The public bar of 11 June (Globex's own hour) and 12 June (Acme's own 5 minutes).
        assert bar(html, "Release Manager", "2026-06-11") == "bar-up 100.000% uptime"
        assert bar(html, "Release Manager", "2026-06-12") == "bar-up 100.000% uptime"
    html = page(_signed_in(world.acme_reporter), "/status/us/")
    assert not re.search(r"(?<![\d.])(60|80)\.0 min", html)  # Globex's figures
    # Staff and anonymous visitors have no month panel at all.
    assert 'id="your-month"' not in page(Client(), "/status/")
    assert 'id="your-month"' not in page(_signed_in(world.agent), "/status/")


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- incidents ---------------------------------------------------------------------------------


def test_incidents_with_their_updates(
    world: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.at
    active = services.IncidentView(
        pk=7,
        title="Release Manager is slow <for some>",
        status="Identified",
        started_at=now - timedelta(hours=2),
        resolved_at=None,
        affected=["Release Manager (United States): Degraded performance"],
        updates=[
            services.UpdateView(now - timedelta(hours=1), "Identified", "A full disk."),
            services.UpdateView(now - timedelta(hours=2), "Investigating", "Looking into it."),
        ],
    )
    past = services.IncidentView(
        pk=3,
        title="Reporting was down",
        status="Resolved",
        started_at=now - timedelta(days=10),
        resolved_at=now - timedelta(days=9),
        affected=[],
        updates=[services.UpdateView(now - timedelta(days=9), "Resolved", "Fixed.")],
    )
    seen: list[list[int]] = []

    def lists(region_ids: list[int], *, now: Any) -> services.Incidents:
        seen.append(list(region_ids))
        return services.Incidents(active=[active], history=[past])

    monkeypatch.setattr(services, "incident_lists", lists)
    html = page(Client(), "/status/us/")
    assert len(seen[0]) == 1
    section = html[html.index('id="active-incidents"') : html.index('class="region"')]
    assert "Release Manager is slow &lt;for some&gt;" in section  # escaped
    assert "Release Manager (United States): Degraded performance" in section
    assert section.index("A full disk.") < section.index("Looking into it.")  # newest first
    history = html[html.index('id="history"') :]
    assert 'id="incident-3"' in history
    assert "<summary>Updates: Reporting was down</summary>" in history


def test_no_incidents(world: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "incident_lists", lambda region_ids, *, now: services.Incidents())
    html = page(Client(), "/status/")
    assert "No active incidents." in html
    assert "No incidents in the last 90 days." in html


# --- fast ---------------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_data(
    world: Any, clock: Clock, mr: FindMR, django_assert_max_num_queries: Any
) -> None:
    """A fixed handful of queries, however many outages and windows (no query per module,
    per day or per row); the server time is measured by bench/status_page.py."""
    client = Client()
    client.get("/status/")  # warm caches (policy terms, content types)
    with django_assert_max_num_queries(12):
        page(client, "/status/")
    for module in MODULES:
        for region in ("us", "uk", "au"):
            for day in range(1, 14):
                outage(
                    mr(module, region),
                    f"2026-06-{day:02d}T10:00:00-07:00",
                    f"2026-06-{day:02d}T10:07:00-07:00",
                )
    with django_assert_max_num_queries(12):
        page(client, "/status/")
