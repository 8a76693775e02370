"""The dashboard for a German-speaking member of staff: German words, German numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from tests.dashboard.conftest import Month

from accord.core.display import format_percent

pytestmark = pytest.mark.django_db


def test_a_german_user_sees_the_dashboard_in_german(
    november: Month, frozen_now: Any, client: Client
) -> None:
    world = november.world
    world.agent.language = "de"
    world.agent.save()
    client.force_login(world.agent)
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="de">' in html
    assert "Bisherige Verfügbarkeit" in html and "Voraussichtliche Gutschriften" in html
    assert "99,786 %" in html and "unter dem Ziel" in html  # a German percentage
    assert "5,50 % der Gebühr" in html
    assert "Fr., 20. Nov 2026, 12:00 PST" in html  # German order, Django's German names
    assert "below target" not in html  # (a penalty line's detail is the engine's text, as written)


@pytest.mark.parametrize(("value", "english", "german"), [("99.95", "99.95%", "99,95 %")])
def test_percentages_in_the_active_language(value: str, english: str, german: str) -> None:
    with translation.override("en"):
        assert format_percent(value) == english
    with translation.override("de"):
        assert format_percent(value) == german
    assert format_percent(None) == "—"
