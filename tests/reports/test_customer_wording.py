"""What a customer reads in a report: words, not codes (issue 21 item 4)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.reports.test_pdf import NOW, october, pdf_pages, utc  # noqa: F401

from accord.incidents.models import Incident
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports import exports, plots, render, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def referenced(world: Any, october: Any) -> Incident:  # noqa: F811
    incident = Incident.objects.create(
        title="Login page unreachable", started_at=utc(2026, 10, 9, 12), created_by=world.agent
    )
    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="reporting", region__code="us"),
        source=Source.INCIDENT,
        impact=Impact.PARTIAL_OUTAGE,
        start=utc(2026, 10, 9, 12),
        end=utc(2026, 10, 9, 13),
        reference=f"incident:{incident.pk}",
    )
    return incident


def page_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    url = reverse("report_detail", kwargs={"slug": "acme", "month": "2026-10"})
    return client.get(url).content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_customer_reads_words_not_codes(world: Any, referenced: Incident) -> None:
    page = page_of(world.acme_admin)
    words = text(page)
    for code in ("major_outage", "partial_outage", "uptime_tier", f"incident:{referenced.pk}"):
        assert code not in page
    assert "Major outage" in words and "Partial outage" in words
    assert "incident “Login page unreachable”" in words
    assert reverse("incident_detail", kwargs={"pk": referenced.pk}) not in page  # staff only
    assert "Uptime credit" in words and "Severity 1" in words
    assert "99.730%" in words and "99.9%" in words and "7.00%" in words
    assert "SeverityReported" not in words.replace(" ", "") or "Severity Reported" in words


def test_staff_get_a_link_to_the_incident(world: Any, referenced: Incident) -> None:
    page = page_of(world.agent)
    assert reverse("incident_detail", kwargs={"pk": referenced.pk}) in page


def test_the_summary_counts_the_tickets_of_the_table_below(world: Any, october: Any) -> None:  # noqa: F811
    words = text(page_of(world.acme_admin))
    assert "Return to service: 1 of 1 ticket with a severity breached its target" in words


def test_no_sentence_is_said_twice(world: Any, october: Any) -> None:  # noqa: F811
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    sentences = [s.strip() for s in text(render.report_html(issued.report, None)).split(". ")]
    long = [s for s in sentences if len(s) > 40]
    assert len(long) == len(set(long)), [s for s in long if long.count(s) > 1]
    assert not any("seed" in line for line in issued.report.assumptions)


def test_the_pdf_headings_are_separate_words(world: Any, october: Any) -> None:  # noqa: F811
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    pages = " ".join(pdf_pages(render.report_pdf(issued.report, issued.version)))
    assert "Ticket Summary Severity Reported Breached Used Target" in re.sub(r"\s+", " ", pages)
    assert "major_outage" not in pages and "Major outage" in pages


def test_every_dot_of_the_plot_is_inside_it_and_on_the_scale(world: Any, october: Any) -> None:  # noqa: F811
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    severity = issued.report.severities[0]
    top = plots.scale_top(issued.report.severities)
    assert top >= max(float(v) for v in severity.used_percent_of_target)
    svg = plots.used_distribution(severity, top)
    for x, y in re.findall(r"M(-?[\d.]+),(-?[\d.]+)a3", svg):
        assert float(x) >= 0 and float(x) + 6 <= plots.WIDTH
        assert 3 <= float(y) <= 30 - 3


def test_the_csv_has_numbers_in_their_own_columns(world: Any, october: Any) -> None:  # noqa: F811
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    rows = list(csv.DictReader(io.StringIO(exports.report_csv(issued.report))))
    assert {"restore_seconds", "p90_used_seconds", "tickets", "breached_count"} <= set(rows[0])
    ticket = next(r for r in rows if r["record"] == "ticket")
    assert ticket["restore_seconds"] == ticket["used_seconds"] != ""
    severity = next(r for r in rows if r["record"] == "severity" and r["severity"] == "1")
    assert (severity["tickets"], severity["breached_count"]) == ("1", "1")
    assert severity["p90_used_seconds"].isdigit()
    for row in rows:
        for column in ("used_seconds", "restore_seconds", "target_seconds", "tickets"):
            assert row[column] == "" or row[column].isdigit(), (column, row[column])
