"""A report in German: the page for a person who chose German, and the email with its PDF in
the recipient's language (`User.language`), whoever else gets it in English (issue 18 item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.reports.test_delivery import (  # noqa: F401 - the fixture
    OCTOBER_CUTOFF,
    drain,
    october,
    pdf_text,
    report_mail,
)

pytestmark = pytest.mark.django_db


def german(user: Any) -> Any:
    user.language = "de"
    user.save(update_fields=["language"])
    return user


def test_the_report_page_in_german(october: Any) -> None:  # noqa: F811
    client = Client()
    client.force_login(german(october.acme_admin))
    url = reverse("report_detail", kwargs={"slug": "acme", "month": "2026-10"})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Monatlicher SLA-Bericht" in page and "Verfügbarkeit je Modul" in page
    assert "Wiederherstellung je Schweregrad" in page and "Totalausfall" in page
    assert "Abrechnung der Vertragsstrafen" in page and "Alle Berichte" in page
    assert "Uptime per module" not in page and "major_outage" not in page


def test_the_email_and_its_pdf_in_the_recipient_s_language(
    october: Any,  # noqa: F811
    mailoutbox: list[Any],
) -> None:
    german(october.acme_admin)
    drain("w1", OCTOBER_CUTOFF)
    mails = {m.to[0]: m for m in report_mail(mailoutbox)}
    de = mails[october.acme_admin.email]
    assert de.subject == "SLA-Bericht für Oktober 2026: Acme Corp"
    assert "Gutschrift: 70.00 USD" in de.body and "NICHT ERREICHT" in de.body
    assert "Wiederherstellung: 1 Ticket" in de.body
    html, _ = de.alternatives[0]
    assert "Bericht ansehen" in html and 'lang="de"' in html
    text = pdf_text(de.attachments[0][1])
    assert "Monatlicher SLA-Bericht".upper() in text.upper() and "Verfügbarkeit je Modul" in text
    en = mails["ada@acme.test"]
    assert en.subject == "SLA report for October 2026: Acme Corp"
    assert "Uptime per module" in pdf_text(en.attachments[0][1])


def test_a_report_built_for_a_german_reader_freezes_the_english_source(
    october: Any,  # noqa: F811
) -> None:
    from django.utils import translation

    from accord.reports.build import build_report

    with translation.override("de"):
        report = build_report(october.acme, "2026-10", now=OCTOBER_CUTOFF)
    labels = {line.source_label for m in report.uptime for line in m.outages}
    assert labels == {"Incident declared by staff"}
