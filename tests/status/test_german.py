"""The status page's body in German, the plural of the days with downtime included (issue 18
item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_status_page_in_german(world: Any) -> None:
    page = Client().get("/status/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Aktive Vorfälle" in page and "Keine aktiven Vorfälle." in page
    assert "Alle Module in Betrieb" in page and "Geplante Wartung" in page
    assert "Verfügbarkeit in den letzten 90 Tagen" in page and "So lesen Sie die Balken" in page
    assert "Active incidents" not in page and "uptime over the last 90 days" not in page


def test_the_days_with_downtime_plural_in_both_languages() -> None:
    from django.template import Context, Template
    from django.utils import translation

    template = Template(
        "{% load i18n %}{% blocktranslate count days=n %}{{ days }} day with downtime"
        "{% plural %}{{ days }} days with downtime{% endblocktranslate %}"
    )
    for language, one, many in (
        ("en", "1 day with downtime", "3 days with downtime"),
        ("de", "1 Tag mit Ausfall", "3 Tage mit Ausfall"),
    ):
        with translation.override(language):
            assert template.render(Context({"n": 1})) == one
            assert template.render(Context({"n": 3})) == many
