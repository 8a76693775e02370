"""The starter articles the SLA links to: how to use support, how to raise a ticket, the
service model. A migration creates them; `ensure_starter_articles` is idempotent."""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre import sla, starter
from accord.helpcentre.models import Article
from accord.helpcentre.search import search

pytestmark = pytest.mark.django_db

SLUGS = (sla.USE_SUPPORT, sla.RAISE_TICKET, sla.SERVICE_MODEL)


def page(slug: str) -> str:
    response = Client().get(reverse("help_article", args=[slug]))
    assert response.status_code == 200, slug
    return response.content.decode()


def test_every_link_of_the_sla_reaches_a_published_article() -> None:
    starter.ensure_starter_articles()  # a no-op after the migration; makes the test stand alone
    sla_page = Client().get(reverse("help_sla")).content.decode()
    for slug in SLUGS:
        assert reverse("help_article", args=[slug]) in sla_page
        assert "Was this article helpful?" in page(slug)
        assert Article.objects.get(slug=slug).versions.count() == 1
    index = Client().get(reverse("help_index")).content.decode()
    assert "How to raise a support ticket" in index and "Our service model" in index


def test_the_articles_say_how_accord_works_with_the_policys_figures(settings: object) -> None:
    starter.ensure_starter_articles()
    use = page(sla.USE_SUPPORT)
    assert "Monday: 08:00–18:00" in use and "your region's time zone" in use
    assert reverse("ticket_new") in use and reverse("tokens") in use
    assert reverse("help_article", args=[sla.RAISE_TICKET]) in use
    assert 'href="mailto:support@accord.localhost"' in use  # the intake address, a link
    raise_ = page(sla.RAISE_TICKET)
    for target in ("4 hours", "12 hours", "2 days", "7 days"):
        assert f"<td>{target}</td>" in raise_
    assert "Total inability to perform the normal operations" in raise_
    assert "[Sev 2]" in raise_ and "Idempotency-Key" in raise_ and "Service restored" in raise_
    model = page(sla.SERVICE_MODEL)
    assert "Wednesday 01:00–01:30 (America/Los_Angeles)" in model and "99.9%" in model
    assert "Minor releases (small enhancements and fixes) come weekly" in model


def test_the_text_follows_a_changed_policy() -> None:
    data = copy.deepcopy(sla.current_policy_data())
    data["severities"][0]["calendar"] = "always"
    data["support_hours"]["weekly"] = {"mon": [["07:00", "19:00"]]}
    use, raise_, _model = starter.text(data, "help@vendor.example")
    assert "- Monday: 07:00–19:00" in use.body and "Tuesday" not in use.body
    assert "Severity 1 (Critical) is counted around the clock" in use.body
    assert "<help@vendor.example>" in use.body and "<help@vendor.example>" in raise_.body
    assert "| 4 hours | around the clock (24×7) |" in raise_.body


def test_ensuring_twice_creates_nothing_and_keeps_staff_edits() -> None:
    starter.ensure_starter_articles()
    article = Article.objects.get(slug=sla.RAISE_TICKET)
    article.body = "Our own text."
    article.save()
    Article.objects.filter(slug=sla.SERVICE_MODEL).delete()
    assert starter.ensure_starter_articles() == [sla.SERVICE_MODEL]  # only the missing one
    assert starter.ensure_starter_articles() == []
    assert Article.objects.get(slug=sla.RAISE_TICKET).body == "Our own text."


def test_search_finds_the_starter_articles() -> None:
    starter.ensure_starter_articles()
    assert sla.RAISE_TICKET in [a.slug for a in search("idempotency")]
