"""The Atom feed: valid Atom 1.0 (RFC 4287) with an entry per incident and per ad-hoc
maintenance window, overall and per region, readable without signing in."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from accord.catalogue.models import Region
from accord.monitoring.models import MaintenanceWindow
from accord.status import services

from .conftest import Clock

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.test"


def parse(url: str) -> ET.Element:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    # What RFC 4287 requires of a feed: id, title, updated, an author (here the feed's).
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert (
            entry.find(f"{ATOM}link").get("href", "").startswith("https://sla.example.test/status/")
        )
    return root


def titles(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.findall(f"{ATOM}entry")]


@pytest.fixture
def windows(world: Any, clock: Clock) -> None:
    now = clock.at
    for code, title, announced, cancelled in (
        ("us", "Database upgrade", now - timedelta(days=4), None),
        ("uk", "Storage migration", now - timedelta(hours=1), None),
        ("us", "Cancelled network work", now - timedelta(days=5), now - timedelta(days=1)),
    ):
        MaintenanceWindow.objects.create(
            region=Region.objects.get(code=code),
            title=title,
            description="Details <b>here</b>.",
            start=now + timedelta(days=1),
            end=now + timedelta(days=1, hours=2),
            announced_at=announced,
            cancelled_at=cancelled,
            created_by=world.vendor_admin,
        )


def test_the_overall_feed_has_every_window(windows: None) -> None:
    root = parse("/status/feed.atom")
    assert root.findtext(f"{ATOM}title") == "Accord status: every region"
    assert root.findtext(f"{ATOM}id") == "https://sla.example.test/status/feed.atom"
    assert sorted(titles(root)) == [
        "Cancelled: Scheduled maintenance: Cancelled network work",
        "Scheduled maintenance: Database upgrade",
        "Scheduled maintenance: Storage migration",
    ]
    ids = [entry.findtext(f"{ATOM}id") for entry in root.findall(f"{ATOM}entry")]
    assert all(i.startswith("tag:sla.example.test,2026-") for i in ids)
    assert len(set(ids)) == 3
    summaries = " ".join(e.findtext(f"{ATOM}summary") or "" for e in root.iter(f"{ATOM}entry"))
    assert "Details &lt;b&gt;here&lt;/b&gt;." in summaries  # the text, escaped inside the HTML
    assert "Announced at short notice" in summaries  # the UK window: one hour's notice
    assert "Not counted as downtime (announced in time)." in summaries


def test_a_regions_feed_has_only_its_windows(windows: None) -> None:
    root = parse("/status/uk/feed.atom")
    assert root.findtext(f"{ATOM}title") == "Accord status: United Kingdom"
    assert titles(root) == ["Scheduled maintenance: Storage migration"]
    link = root.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href") == "https://sla.example.test/status/uk/"
    assert Client().get("/status/atlantis/feed.atom").status_code == 404


def test_incidents_are_entries_updated_with_their_latest_update(
    world: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.at
    incident = services.IncidentView(
        pk=12,
        title="Reporting is down",
        status="Monitoring",
        started_at=now - timedelta(hours=3),
        resolved_at=None,
        affected=["Reporting (United States): Major outage"],
        updates=[
            services.UpdateView(now - timedelta(minutes=20), "Monitoring", "A fix is out."),
            services.UpdateView(now - timedelta(hours=3), "Investigating", "Looking."),
        ],
    )
    monkeypatch.setattr(
        services, "incident_lists", lambda ids, now: services.Incidents(active=[incident])
    )
    root = parse("/status/us/feed.atom")
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Reporting is down (Monitoring)"
    assert entry.findtext(f"{ATOM}updated") == "2026-06-15T18:40:00+00:00"
    assert entry.findtext(f"{ATOM}published") == "2026-06-15T16:00:00+00:00"
    assert (
        entry.find(f"{ATOM}link").get("href") == "https://sla.example.test/status/us/#incident-12"
    )
    summary = entry.findtext(f"{ATOM}summary") or ""
    assert "A fix is out." in summary and "Reporting (United States): Major outage" in summary
    assert root.findtext(f"{ATOM}updated") == "2026-06-15T18:40:00+00:00"


def test_an_empty_feed_is_still_a_feed(world: Any, clock: Clock) -> None:
    assert titles(parse("/status/au/feed.atom")) == []
