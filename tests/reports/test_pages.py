"""Report pages and exports as their readers get them (docs/reports.md, "Pages")."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status
from accord.monitoring.models import ModuleRegion, Outage, Source
from accord.reports import schema
from accord.reports.exports import CSV_COLUMNS
from accord.reports.models import ReportVersion
from accord.reports.views import current_month

pytestmark = pytest.mark.django_db

CLOSED = "2026-10"  # its cut-off, 3 November 2026, has passed


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def contracts_since_2025(world: Any) -> None:
    for organisation in (world.acme, world.globex):
        organisation.contract.starts_on = date(2025, 1, 1)
        organisation.contract.save()


@pytest.fixture
def october(world: Any) -> Any:
    world.acme.contract.monthly_fee = Decimal("1000.00")
    world.acme.contract.save()
    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="stryka", region__code="us"),
        source=Source.PROBE,
        start=utc(2026, 10, 6, 12),
        end=utc(2026, 10, 6, 14),
    )
    ticket = helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Console is down", severity=1),
        now=utc(2026, 10, 5, 16),  # Monday 09:00 PDT
    )
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=utc(2026, 10, 6, 16)
    )
    return ticket


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, slug: str = "acme", month: str = CLOSED, **extra: Any) -> str:
    return reverse(name, kwargs={"slug": slug, "month": month, **extra})


def test_the_customer_admin_reads_the_frozen_report_of_a_closed_month(
    world: Any, october: Any
) -> None:
    response = signed_in(world.acme_admin).get(url("report_detail"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Corp — 2026-10" in page
    assert "Stryka" in page and "99.730" in page and "not met" in page
    assert f"#{october.pk}" in page and "Console is down" in page  # breached: 10 h of 4
    assert "Version</dt><dd>1" in page
    version = ReportVersion.objects.get(organisation=world.acme, month=CLOSED)
    assert f"sha256:{version.content_hash}" in page
    assert "PROVISIONAL" not in page
    assert "<script" not in page  # the page is the server's, nothing needs JavaScript


def test_an_open_month_is_provisional_and_not_frozen(world: Any, october: Any) -> None:
    month = current_month(world.acme, timezone.now())
    page = signed_in(world.manager).get(url("report_detail", month=month)).content.decode()
    assert "PROVISIONAL" in page
    assert not ReportVersion.objects.filter(month=month).exists()


def test_reporters_and_other_customers_get_404_staff_see_every_customer(
    world: Any, october: Any
) -> None:
    for person in (world.acme_reporter, world.globex_admin, world.globex_reporter):
        assert signed_in(person).get(url("report_detail")).status_code == 404
        assert signed_in(person).get(url("report_export", fmt="json")).status_code == 404
    for person in (world.agent, world.manager, world.vendor_admin):
        assert signed_in(person).get(url("report_detail")).status_code == 200
    assert signed_in(world.globex_admin).get(url("report_detail", slug="globex")).status_code == 200


def test_months_that_are_not_months_or_not_yet_begun_are_not_found(world: Any) -> None:
    client = signed_in(world.acme_admin)
    assert client.get(url("report_detail", month="2026-13")).status_code == 404
    assert client.get(url("report_detail", month="2999-01")).status_code == 404
    assert client.get("/reports/acme/2026-1/").status_code == 404
    assert client.get(url("report_detail", month="2024-12")).status_code == 404  # before it
    assert client.get(url("report_detail", month="2025-01")).status_code == 200
    jump = signed_in(world.agent).get(reverse("report_index"), {"customer": "acme", "month": "x"})
    assert jump.status_code == 200  # not a month: the index again, never an error


def test_exports_are_the_report_as_json_csv_and_pdf(world: Any, october: Any) -> None:
    client = signed_in(world.acme_admin)
    response = client.get(url("report_export", fmt="json"))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="acme-2026-10-sla-report.json"'
    report = schema.Report.from_json_data(json.loads(response.content))
    assert report.customer.slug == "acme"
    assert [m.module_name for m in report.uptime if not m.met] == ["Stryka"]

    rows = list(
        csv.reader(io.StringIO(client.get(url("report_export", fmt="csv")).content.decode()))
    )
    assert rows[0] == CSV_COLUMNS
    tickets = [dict(zip(rows[0], row, strict=True)) for row in rows if row[0] == "ticket"]
    assert [(t["ticket_id"], t["outcome"]) for t in tickets] == [(str(october.pk), "breached")]

    pdf = client.get(url("report_export", fmt="pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_manager_regenerates_a_month_and_a_correction_is_a_new_version(
    world: Any, october: Any
) -> None:
    manager = signed_in(world.manager)
    manager.get(url("report_detail"))  # freezes version 1
    response = manager.post(url("report_regenerate"), {"reason": "Checked"}, follow=True)
    assert "No change: version 1 stands." in response.content.decode()

    Outage.objects.create(
        module_region=ModuleRegion.objects.get(module__slug="reporting", region__code="us"),
        source=Source.INCIDENT,
        start=utc(2026, 10, 20, 12),
        end=utc(2026, 10, 20, 13),
    )
    response = manager.post(url("report_regenerate"), {"reason": "Missed outage"}, follow=True)
    page = response.content.decode()
    assert "Version 2 issued" in page and "Reporting uptime 100.000% -&gt; 99.865%" in page
    versions = signed_in(world.acme_admin).get(url("report_versions")).content.decode()
    assert "Missed outage" in versions and "First issue" in versions
    first = signed_in(world.acme_admin).get(url("report_version", number=1)).content.decode()
    assert "Reporting" in first and "99.865" not in first  # version 1 is kept as it was
    second = signed_in(world.acme_admin).get(url("report_detail")).content.decode()
    assert "What this version changed" in second and "99.865" in second

    assert manager.post(url("report_regenerate"), {"reason": ""}, follow=True).status_code == 200
    assert ReportVersion.objects.filter(organisation=world.acme).count() == 2
    for person in (world.agent, world.acme_admin):
        response = signed_in(person).post(url("report_regenerate"), {"reason": "x"})
        assert response.status_code == 404
    assert ReportVersion.objects.filter(organisation=world.acme).count() == 2


def test_the_index_lists_a_customer_admins_own_months_and_every_customer_for_staff(
    world: Any,
) -> None:
    own = signed_in(world.acme_admin).get(reverse("report_index")).content.decode()
    assert "Acme Corp" in own and "Globex" not in own
    assert url("report_detail", month=CLOSED) in own
    staff = signed_in(world.agent).get(reverse("report_index")).content.decode()
    assert "Acme Corp" in staff and "Globex" in staff
    jump = signed_in(world.agent).get(
        reverse("report_index"), {"customer": "globex", "month": CLOSED}
    )
    assert jump.status_code == 302 and jump.url == url("report_detail", slug="globex")
    assert signed_in(world.acme_reporter).get(reverse("report_index")).status_code == 404
