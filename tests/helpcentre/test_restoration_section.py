"""The SLA article says, in a customer's words, how a restoration is contested: the window
from the policy, what a withdrawal and a rejection do, and where the dispute is shown."""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre import sla

pytestmark = pytest.mark.django_db
HEADING = "## If service was not really restored"


def section(markdown: str) -> str:
    start = markdown.index(HEADING)
    return markdown[start : markdown.find("\n## ", start + 1)]


def test_the_article_states_the_contest_rule_with_the_policys_window() -> None:
    data = sla.current_policy_data()
    text = section(sla.sla_markdown(data))
    assert "within **24 hours**" in text and "nights and weekends included" in text
    assert "**Service not restored**" in text
    assert "withdrawn: the clock counts from your report" in text
    assert "listed on your monthly SLA report" in text

    other = copy.deepcopy(data)
    other["clock"]["restoration_contest_hours"] = 48
    assert "within **48 hours**" in section(sla.sla_markdown(other))
    other["clock"]["restoration_contest_hours"] = 0
    assert "cannot be contested" in section(sla.sla_markdown(other))


def test_the_published_article_shows_it(client: Client) -> None:
    response = client.get(reverse("help_sla"))
    assert response.status_code == 200
    assert "If service was not really restored" in response.content.decode()
