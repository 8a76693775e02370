"""The SLA article speaks to customers and the search finds it (issue 21 items 4 and 5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("word", ["uptime", "credit", "penalty", "maintenance", "severity"])
def test_the_search_finds_the_sla_article(client: Client, word: str) -> None:
    page = client.get(reverse("help_index"), {"q": word}).content.decode()
    results = page.split("Results for", 1)[1].split("</ul>", 1)[0]
    assert reverse("help_sla") in results
    assert "No article matches." not in results


def test_a_word_the_sla_lacks_does_not_list_it(client: Client) -> None:
    page = client.get(reverse("help_index"), {"q": "xylophone"}).content.decode()
    results = page.split("Results for", 1)[1].split("</ul>", 1)[0]
    assert reverse("help_sla") not in results and "No article matches." in results


def test_the_sla_article_has_no_internal_words_and_shows_its_credits(client: Client) -> None:
    page = client.get(reverse("help_sla")).content.decode()
    assert "seed" not in page
    assert "the schedule shown" not in page
    assert "Service credits" in page and "5% of the monthly fee" in page
    assert "Credits in one month are capped at 30% of the monthly fee." in page
    assert "01:00-01:30 PST in winter and PDT in summer" in page
    # Each sentence once: the weights of outages and the PST reading are not said twice.
    assert page.count("partial outage counts") == 1
    assert page.count("which is PDT in summer") == 0
