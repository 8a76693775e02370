"""German beside English: a person's choice, else the browser's, else English; and the
committed catalogue compiled from its source (docs/translations.md)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "src" / "accord" / "locale"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_english_is_the_default(world: Any) -> None:
    page = signed_in(world.acme_reporter).get("/accounts/settings/").content.decode()
    assert "Your settings" in page and "Sign out" in page and 'lang="en' in page


def test_a_person_who_chose_german_sees_german_whatever_the_browser_says(world: Any) -> None:
    world.acme_reporter.language = "de"
    world.acme_reporter.save(update_fields=["language"])
    client = signed_in(world.acme_reporter)
    answer = client.get("/accounts/settings/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = answer.content.decode()
    assert "Ihre Einstellungen" in page and "Abmelden" in page and "Störung melden" in page
    assert 'lang="de"' in page and answer["Content-Language"] == "de"
    assert "Sign out" not in page


def test_a_visitor_s_browser_language_is_used(world: Any) -> None:
    page = Client().get("/status/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Dienststatus" in page and "Hilfecenter" in page


def test_the_footer_switch_changes_a_visitor_s_language(world: Any) -> None:
    client = Client()
    answer = client.post("/i18n/setlang/", {"language": "de", "next": "/status/"})
    assert answer.status_code == 302 and answer["Location"] == "/status/"
    assert "Dienststatus" in client.get("/status/").content.decode()


def test_the_settings_page_saves_the_language(world: Any) -> None:
    client = signed_in(world.acme_admin)
    answer = client.post("/accounts/settings/", {"timezone": "", "language": "de"}, follow=True)
    world.acme_admin.refresh_from_db()
    assert world.acme_admin.language == "de"
    assert "Zeiten werden jetzt in America/Los_Angeles angezeigt." in answer.content.decode()
    wrong = client.post("/accounts/settings/", {"timezone": "", "language": "xx"})
    assert wrong.status_code == 200 and "xx" in wrong.content.decode()
    world.acme_admin.refresh_from_db()
    assert world.acme_admin.language == "de"


def test_the_committed_catalogue_is_compiled_from_its_source(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is not installed: run scripts/install_system_deps.sh (make does)")
    source = LOCALE / "de" / "LC_MESSAGES" / "django.po"
    compiled = tmp_path / "django.mo"
    checked = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(compiled), str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr, checked.stderr
    assert compiled.read_bytes() == (source.with_suffix(".mo")).read_bytes(), (
        "django.mo is out of date: run `make messages` (docs/translations.md)"
    )


def test_the_api_answers_in_english_whatever_the_caller_s_language(world: Any) -> None:
    from accord.accounts.models import ApiToken

    world.acme_reporter.language = "de"
    world.acme_reporter.save(update_fields=["language"])
    _, secret = ApiToken.issue(world.acme_reporter, "english")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="de")
    answer = client.get("/api/tickets?raised_from=2026-03-10&raised_to=2026-03-01")
    assert answer.status_code == 422 and answer["Content-Language"] == "en"
    from accord.helpdesk import services

    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(module=world.module, summary="Slow", description="", severity=3),
    )
    refused = client.post(
        f"/api/tickets/{ticket.pk}/assign", {"assignee": None}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused["Content-Language"] == "en"
    assert "only the vendor's support staff assign tickets" in refused.json()["detail"]


def test_a_german_speaking_admin_reads_the_audit_log_and_the_tokens_page_in_german(
    world: Any,
) -> None:
    admin = world.acme_admin
    admin.language = "de"
    admin.save(update_fields=["language"])  # itself an audit entry: the log is not empty
    client = signed_in(admin)
    log = client.get("/audit/").content.decode()
    assert "Prüfprotokoll: Acme" in log and "neueste zuerst" in log and "geändert" in log
    assert "Audit log" not in log and "Every change" not in log and "newest first" not in log
    client.post("/accounts/tokens/", {"name": "Überwachung"})
    tokens = client.get("/accounts/tokens/").content.decode()
    assert "Ihr neues Token" in tokens and "Kopieren Sie es jetzt" in tokens
    assert "Ihre Tokens" in tokens and "Zuletzt verwendet" in tokens and "<td>nie</td>" in tokens
    assert (
        "Your tokens" not in tokens and "Copy it now" not in tokens and "Create token" not in tokens
    )
    # Refused in the person's language; the API keeps its English (docs/translations.md).
    world.acme_reporter.language = "de"
    world.acme_reporter.save(update_fields=["language"])
    refused = signed_in(world.acme_reporter).get("/audit/").content.decode()
    assert "Das Prüfprotokoll gehört nicht zu Ihrer Rolle" in refused
