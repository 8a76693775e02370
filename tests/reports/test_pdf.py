"""The report as a PDF (docs/reports.md, "Pages"; docs/performance.md, "Monthly reports"): every
section's figures are in the PDF's text, an open month says PROVISIONAL, a frozen one its
version and content hash, and making it fetches nothing.

Acme is in the US region on the built-in policy: October 2026 is closed on 2026-11-27 (its
cut-off was 2026-11-03 00:00 PST), November is open.
"""

from __future__ import annotations

import gc
import io
import re
import socket
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from pypdf import PdfReader

from accord.helpdesk import services as helpdesk
from accord.helpdesk import severity as severities
from accord.helpdesk.models import Status
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source
from accord.reports import render, services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """The text with every run of white space as one space (table cells, wrapped lines)."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def october(world: Any) -> Any:
    """Acme's October: a two-hour outage of Stryka (the 5% tier) and a Severity 1 ticket
    restored after 31 hours (breached); a fee so the penalty has an amount."""
    world.acme.contract.starts_on = date(2025, 1, 1)
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="stryka", region__code="us"),
        source=Source.PROBE,
        impact=Impact.MAJOR_OUTAGE,
        start=utc(2026, 10, 6, 12),
        end=utc(2026, 10, 6, 14),
    )
    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Console is down", severity=1),
        now=utc(2026, 10, 5, 16),
    )
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=utc(2026, 10, 6, 23)
    )
    return ticket


def test_a_frozen_month_has_every_figure_its_version_and_hash(world: Any, october: Any) -> None:
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    report, version = issued.report, issued.version
    assert version is not None and not report.period.provisional
    assert report.breached_tickets and report.statement.total_amount not in (None, "0.00")

    pages = pdf_pages(render.report_pdf(report, version))
    text = flat(" ".join(pages))
    assert f"{report.customer.name} — 2026-10" in text
    for module in report.uptime:
        assert module.module_name in text and module.uptime_percent in text
    assert "99.730" in text  # Stryka: 120 of 44,520 eligible minutes down
    assert f"#{october.pk}" in text and "Console is down" in text
    assert render.money(report.statement.total_amount, report.statement.currency) in text
    assert "PROVISIONAL" not in text
    assert f"{version.version}, issued {version.created_at:%Y-%m-%d %H:%M} UTC" in text
    assert f"sha256:{version.content_hash}" in re.sub(r"\s+", "", " ".join(pages))
    for number, page in enumerate(pages, start=1):  # the footer on every page
        assert f"Page {number} of {len(pages)}" in flat(page)
        assert f"{report.customer.name} · SLA report 2026-10 · version {version.version}" in page


def test_an_open_month_says_provisional(world: Any, october: Any) -> None:
    issued = services.report_for(world.acme, "2026-11", now=NOW)
    assert issued.version is None and issued.report.period.provisional
    pages = pdf_pages(render.report_pdf(issued.report, None))
    assert "PROVISIONAL" in pages[0]
    assert all("SLA report 2026-11 · PROVISIONAL" in page for page in pages)
    assert "sha256:" not in " ".join(pages)


def test_embedded_fonts_carry_every_glyph_a_report_uses(world: Any, october: Any) -> None:
    """Each PDF embeds the subset of the fonts its text needs: a report whose customer's name
    has letters beyond Latin-1 (Polish, Greek) after an ordinary one still shows them, and
    the ordinary one is unchanged."""
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    first = render.report_pdf(issued.report, issued.version)
    world.acme.name = "Łódź Ωmega Sp. z o.o."
    world.acme.save()
    other = services.report_for(world.acme, "2026-11", now=NOW)
    text = flat(" ".join(pdf_pages(render.report_pdf(other.report, None))))
    assert "Łódź Ωmega Sp. z o.o. — 2026-11" in text
    assert render.report_pdf(issued.report, issued.version) == first
    assert "Acme Corp — 2026-10" in flat(" ".join(pdf_pages(first)))


def test_the_garbage_collector_is_as_it_was_after_a_pdf(world: Any, october: Any) -> None:
    """report_pdf pauses the cyclic collector while WeasyPrint works (render._CollectorPause)
    and leaves it as it found it: on, or off when something else had turned it off."""
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    assert gc.isenabled()
    render.report_pdf(issued.report, issued.version)
    assert gc.isenabled()
    gc.disable()
    try:
        render.report_pdf(issued.report, issued.version)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_report_html_class_makes_the_same_pdf_as_weasyprints_own(
    world: Any, october: Any
) -> None:
    """render._report_html_class parses the report as XML and drops the user-agent rules for
    pseudo-elements a report does not have: the PDF is byte for byte the one WeasyPrint's
    own HTML class makes. Both changes must be in force (a WeasyPrint upgrade that changed
    its user-agent stylesheet, or a template that is no longer well-formed XML, shows here),
    and the lists' bullets (`li::marker`) are still drawn."""
    import weasyprint

    html_class, fonts, stylesheet, fetcher = render._weasyprint()
    assert html_class.trimmed_user_agent_stylesheet
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    # report_pdf names the language as Accord does ("en"), not the settings' "en-us".
    with translation.override("en"):
        html = render._render("reports/pdf.html", issued.report, issued.version, inline_css=False)
    ours = html_class(string=html, base_url=None, url_fetcher=fetcher)
    assert ours.parsed_as_xml
    theirs = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf = ours.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    assert pdf == theirs.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    assert pdf == render.report_pdf(issued.report, issued.version)
    assert " ".join(pdf_pages(pdf)).count("•") >= 3  # at least the summary's three items


def test_no_word_of_a_table_runs_past_its_column(world: Any, october: Any) -> None:
    """Each column is at least as wide as its header's longest word ("Severity" in the breached
    tickets, "Breached" in the severities, "Designated" in the disputes): a narrower column lets
    the word run over the next one's text. Read from WeasyPrint's laid-out boxes: every text of a
    table cell ends inside its cell."""
    from weasyprint.formatting_structure import boxes

    severities.propose_severity(
        october, 2, actor=world.agent, reason="A workaround exists", now=utc(2026, 10, 7, 16)
    )
    severities.answer_proposal(
        october, accept=False, actor=world.acme_admin, note="No", now=utc(2026, 10, 8, 16)
    )
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    assert issued.report.breached_tickets and issued.report.disputes
    html_class, fonts, stylesheet, fetcher = render._weasyprint()
    html = render._render("reports/pdf.html", issued.report, issued.version, inline_css=False)
    document = html_class(string=html, base_url=None, url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts
    )
    headers, overrun = set(), []
    for page in document.pages:
        for cell in page._page_box.descendants():
            if not isinstance(cell, boxes.TableCellBox):
                continue
            for text in cell.descendants():
                if isinstance(text, boxes.TextBox):
                    headers.add(text.text)
                    if text.position_x + text.width > cell.content_box_x() + cell.width + 0.01:
                        overrun.append(text.text)
    assert {"Severity", "Breached", "Designated"} <= headers
    assert overrun == []


def test_the_standalone_html_carries_its_print_stylesheet(world: Any, october: Any) -> None:
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    html = render.report_html(issued.report, issued.version, for_pdf=True)
    assert "@page" in html and "counter(pages)" in html
    page = render.report_html(issued.report, issued.version)
    assert "@page" not in page and "Version</dt><dd>1" in page


def test_making_a_pdf_fetches_nothing(
    world: Any, october: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image or stylesheet URL in the template would be handed to the report's fetcher,
    which refuses it: the PDF is made without it, and no socket is opened."""
    asked: list[str] = []
    refuse = render._refuse

    def recording(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        asked.append(url)
        return refuse(url, *args, **kwargs)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a report PDF opened a connection")

    plain = render._render

    def with_remote_parts(template: str, *args: Any, **kwargs: Any) -> str:
        html = plain(template, *args, **kwargs)
        return html.replace(
            "</body>",
            '<img src="https://example.com/logo.png" alt="logo">'
            '<link rel="stylesheet" href="http://example.com/extra.css"></body>',
        )

    monkeypatch.setattr(render, "_refuse", recording)
    monkeypatch.setattr(render, "_render", with_remote_parts)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    issued = services.report_for(world.acme, "2026-10", now=NOW)
    pages = pdf_pages(render.report_pdf(issued.report, issued.version))
    assert "Console is down" in " ".join(pages)
    assert "https://example.com/logo.png" in asked and "http://example.com/extra.css" in asked
    with pytest.raises(ValueError, match="fetches nothing"):
        refuse("https://example.com/logo.png")
