"""The SLA data by API token: monthly reports, uptime per module-region, contracts, with the
pages' rules (reports: customer admins their own, the staff all; contracts: the customer's
people their own; uptime: the public status page's figures, for any token).

The clock is Monday 15 June 2026, 12:00 in Los Angeles (19:00 UTC): May is closed, June open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from accord.engine.timeutil import from_epoch, parse_instant
from accord.monitoring.models import ModuleRegion, Outage, Source
from accord.monitoring.services import period_uptime
from accord.reports import exports, services
from accord.reports.models import ReportVersion
from accord.status.page import public_terms


def utc(text: str) -> datetime:
    return from_epoch(parse_instant(text, "at"))


NOW = utc("2026-06-15T12:00:00-07:00")


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch, world: Any) -> Iterator[datetime]:
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    for organisation in (world.acme, world.globex):
        organisation.contract.starts_on = date(2026, 1, 1)
        organisation.contract.save()
    yield NOW


def release_us() -> Any:
    return ModuleRegion.objects.select_related("module", "region").get(
        module__slug="release-manager", region__code="us"
    )


def an_outage() -> Any:
    return Outage.objects.create(
        module_region=release_us(),
        source=Source.PROBE,
        start=utc("2026-05-12T10:00:00Z"),
        end=utc("2026-05-12T10:47:30Z"),
    )


# --- reports -----------------------------------------------------------------------------------


def test_a_closed_months_report_is_the_export_frozen_as_version_1(
    api: Any, world: Any, now: datetime
) -> None:
    an_outage()
    answer = api.get(world.acme_admin, "/api/reports/acme/2026-05")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["state"], body["version"]) == ("frozen", 1)
    version = ReportVersion.objects.get(organisation=world.acme, month="2026-05")
    issued = services.report_for(world.acme, "2026-05", now=now)
    assert body["report"] == issued.report.to_json_data()
    assert body["report"] == json.loads(exports.report_json(issued.report))
    assert [v["version"] for v in body["versions"]] == [1]
    assert body["versions"][0]["content_hash"] == version.content_hash
    assert body["links"]["pdf"] == "/reports/acme/2026-05/pdf/"
    release = next(u for u in body["report"]["uptime"] if u["module"] == "release-manager")
    assert release["downtime_seconds"] == "2850"


def test_an_open_months_report_is_provisional_and_nothing_is_frozen(
    api: Any, world: Any, now: datetime
) -> None:
    body = api.get(world.manager, "/api/reports/acme/2026-06").json()
    assert (body["state"], body["version"], body["frozen_at"]) == ("provisional", None, None)
    assert body["report"]["period"]["provisional"] is True
    assert not ReportVersion.objects.exists()


def test_the_report_list_shows_ones_own_months_and_the_staff_every_customer(
    api: Any, world: Any, now: datetime
) -> None:
    own = api.get(world.acme_admin, "/api/reports").json()
    assert {item["organisation"] for item in own["items"]} == {"acme"}
    assert [item["month"] for item in own["items"]] == [
        "2026-06",
        "2026-05",
        "2026-04",
        "2026-03",
        "2026-02",
        "2026-01",
    ]
    assert own["items"][0]["state"] == "provisional"
    assert own["items"][1]["state"] == "closed"
    staff = api.get(world.agent, "/api/reports?month=2026-05").json()
    assert [(i["organisation"], i["month"]) for i in staff["items"]] == [
        ("acme", "2026-05"),
        ("globex", "2026-05"),
    ]
    one = api.get(world.agent, "/api/reports?organisation=globex").json()
    assert {i["organisation"] for i in one["items"]} == {"globex"}
    assert len(one["items"]) == 3


@pytest.mark.parametrize(
    "path",
    ["/api/reports/acme/2026-05", "/api/reports/acme/2025-12", "/api/reports/acme/2026-13"],
)
def test_others_reports_and_months_outside_the_contract_are_not_found(
    api: Any, world: Any, now: datetime, path: str
) -> None:
    for person in (world.globex_admin, world.acme_reporter):
        assert api.get(person, path).status_code == 404
    assert api.get(world.acme_reporter, "/api/reports").status_code == 404
    answer = api.get(world.globex_admin, "/api/reports?organisation=acme")
    assert answer.status_code == 422
    assert "organisation" in answer.content.decode()


# --- uptime ------------------------------------------------------------------------------------


def test_uptime_is_the_status_pages_figure_for_the_month_and_for_days(
    api: Any, world: Any, now: datetime
) -> None:
    an_outage()
    mr = release_us()
    terms = public_terms(mr.region)
    answer = api.get(world.globex_reporter, "/api/uptime?month=2026-05&region=us")
    assert answer.status_code == 200, answer.content
    items = answer.json()["items"]
    assert {i["region"] for i in items} == {"us"}
    release = next(i for i in items if i["module"] == "release-manager")
    expected = period_uptime(
        mr, terms, utc("2026-05-01T00:00:00-07:00"), utc("2026-06-01T00:00:00-07:00"), now=now
    )
    assert release["uptime_percent"] == expected.uptime_percent_display
    assert release["downtime_seconds"] == "2850"
    assert release["start"] == "2026-05-01T07:00:00Z"
    assert release["met"] is expected.met
    days = api.get(
        world.agent, "/api/uptime?since=2026-05-12&until=2026-05-12&module=release-manager"
    ).json()["items"]
    assert {i["region"] for i in days} == {"us", "uk", "au"}
    us = next(i for i in days if i["region"] == "us")
    assert (us["period_seconds"], us["downtime_seconds"]) == (86400, "2850")
    assert us["uptime_percent"] == "96.701"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "month"),
        ("?month=2026-05&since=2026-05-01&until=2026-05-02", "month"),
        ("?since=2026-05-01", "until"),
        ("?since=2026-05-02&until=2026-05-01", "until"),
        ("?month=2026-13", "month"),
        ("?month=2026-05&region=mars", "region"),
        ("?month=2026-05&module=nothing", "module"),
    ],
)
def test_uptime_refuses_a_bad_period_naming_the_field(
    api: Any, world: Any, now: datetime, query: str, field: str
) -> None:
    answer = api.get(world.acme_reporter, f"/api/uptime{query}")
    assert answer.status_code == 422, answer.content
    assert field in answer.content.decode()


def test_uptime_needs_a_token(api: Any, world: Any, now: datetime) -> None:
    assert api.get(None, "/api/uptime?month=2026-05").status_code == 401


# --- contracts ---------------------------------------------------------------------------------


def test_the_customers_people_read_their_contract_and_its_versions(
    api: Any, world: Any, now: datetime
) -> None:
    for person in (world.acme_reporter, world.acme_admin):
        listed = api.get(person, "/api/contracts").json()
        assert [i["organisation"] for i in listed["items"]] == ["acme"]
        body = api.get(person, "/api/contracts/acme").json()
        assert body["version_in_force"] == body["versions"][0]["number"]
        assert body["versions"][0]["in_force"] is True
        assert body["policy_id"] == world.acme.contract.policy_id
        assert all(v["created_by"] is None for v in body["versions"])
    assert api.get(world.globex_admin, "/api/contracts/acme").status_code == 404
    assert api.get(world.globex_reporter, "/api/contracts/nobody").status_code == 404
    staff = api.get(world.vendor_admin, "/api/contracts").json()
    assert [i["organisation"] for i in staff["items"]] == ["acme", "globex"]
