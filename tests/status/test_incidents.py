"""Incidents declared by staff (accord.incidents) on the status page and in its feed: active
with their updates, then in the history once resolved; private incidents never public; an
incident's outages are the module's state and its bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client

from accord.incidents import services as incidents

from .conftest import Clock

FindMR = Callable[[str, str], Any]


def html(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_an_incident_from_declaration_to_resolution(world: Any, clock: Clock, mr: FindMR) -> None:
    start = clock.at
    incident = incidents.declare(
        title="Reports fail to load",
        message="We are looking into failing reports.",
        impacts={mr("Reporting", "uk"): "partial_outage"},
        actor=world.agent,
        now=start,
    )
    incidents.declare(
        title="Acme's tenant database is slow",
        message="Only Acme is affected.",
        impacts={mr("Reporting", "us"): "degraded"},
        public=False,
        actor=world.agent,
        now=start,
    )
    clock.at = start + timedelta(minutes=30)
    incidents.post_update(
        incident,
        status="identified",
        message="A full disk on a report server.",
        actor=world.agent,
        now=clock.at,
    )

    page = html("/status/uk/")
    active = page[page.index('id="active-incidents"') : page.index('class="region"')]
    assert "Reports fail to load" in active
    assert "Identified" in active
    assert "Reporting (United Kingdom): Partial outage" in active
    assert active.index("A full disk") < active.index("We are looking into")  # newest first
    assert "tenant database" not in page  # not public
    assert '<span class="badge state-partial_outage">Partial outage</span>' in page
    # Not the US region's incident.
    assert "Reports fail to load" not in html("/status/us/")
    assert "Reports fail to load" in html("/status/")

    clock.at = start + timedelta(minutes=45)
    incidents.resolve(incident, message="Disk replaced.", actor=world.agent, now=clock.at)
    page = html("/status/uk/")
    assert "No active incidents." in page
    history = page[page.index('id="history"') :]
    assert "Reports fail to load" in history and "Disk replaced." in history
    assert "<strong>All modules operational</strong>" in page
    # 45 minutes of a partial outage count half: 22.5 minutes on 15 June (London).
    assert 'title="2026-06-15: ' in page and "22.5 min down" in page

    feed = ET.fromstring(Client().get("/status/uk/feed.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Reports fail to load (Resolved)" in titles
    assert not any("tenant database" in (t or "") for t in titles)
