"""`accord report` writes each format and refuses bad input with a clear message."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.reports import schema
from accord.reports.exports import CSV_COLUMNS

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_each_format_of_one_customer(world: Any, tmp_path: Path) -> None:
    data = json.loads(run("--customer", "acme", "--month", "2026-10", "--format", "json"))
    report = schema.Report.from_json_data(data)
    assert (report.customer.slug, report.period.month) == ("acme", "2026-10")
    assert not report.period.provisional
    assert run("--customer", "acme", "--month", "2026-10", "--format", "csv").startswith(
        ",".join(CSV_COLUMNS)
    )
    html = run("--customer", "acme", "--month", "2026-10")
    assert html.startswith("<!DOCTYPE html>") and "Acme Corp — 2026-10" in html
    pdf = tmp_path / "acme.pdf"
    run("--customer", "acme", "--month", "2026-10", "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    # The command froze the closed month as the page would: the same version.
    assert world.acme.report_versions.get().version == 1


def test_the_month_defaults_to_the_last_closed_one(world: Any) -> None:
    report = schema.Report.from_json_data(json.loads(run("--customer", "acme", "--format", "json")))
    assert not report.period.provisional


def test_all_customers_one_file_each(world: Any, tmp_path: Path) -> None:
    run("--all", "--month", "2026-10", "--format", "json", "--output", str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "acme-2026-10-sla-report.json",
        "globex-2026-10-sla-report.json",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customer", "nobody"], "--customer: no customer 'nobody'"),
        (["--customer", "acme", "--month", "2026-13"], "--month: '2026-13' is not a month"),
        (["--customer", "acme", "--month", "2999-01"], "--month: 2999-01 has not begun"),
        (["--customer", "acme", "--format", "pdf"], "--output: a PDF is written to a file"),
        (["--all", "--format", "csv"], "--output: name a directory"),
    ],
)
def test_bad_input_is_refused_naming_the_option(world: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
