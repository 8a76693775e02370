"""The SLA article's clock and severity sections come from the policy: a changed policy
changes them (issue 7)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre import sla

pytestmark = pytest.mark.django_db


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"## {heading}")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end]


def clock(data: dict[str, Any]) -> str:
    return section(sla.sla_markdown(data), "What starts and stops the clock")


def severity(data: dict[str, Any]) -> str:
    return section(sla.sla_markdown(data), "How severity is designated and disputed")


@pytest.fixture
def builtin() -> dict[str, Any]:
    return sla.current_policy_data()


def changed(data: dict[str, Any]) -> dict[str, Any]:
    """Severity 1 around the clock, pausing allowed, one warning at 80%, a 09:00-17:00 week."""
    other = copy.deepcopy(data)
    other["severities"][0]["calendar"] = "always"
    other["clock"] = {"warn_at_percent": ["80"], "allow_pause": True}
    other["support_hours"]["weekly"] = {
        day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    return other


def test_the_builtin_policys_clock_in_words(builtin: dict[str, Any]) -> None:
    text = clock(builtin)
    assert "warned when 50%, 75% and 90% of a ticket's target" in text
    assert "never paused" in text
    assert "around the clock" not in text  # no severity is 24x7 in the seed's policy
    assert "reported on Saturday at 10:00 starts counting on Monday at 08:00" in text
    assert "Severity 3's 2 days from a report on Monday at 15:00 end on Wednesday at 15:00" in text
    assert "temporary repair included" in text and "time already used" in text


def test_a_changed_policy_changes_the_clock_section(builtin: dict[str, Any]) -> None:
    text = clock(changed(builtin))
    assert "Severity 1 (Critical) is counted around the clock (24×7)" in text
    assert "Severities 2 (High), 3 (Medium) and 4 (Normal) count support hours only" in text
    assert "warned when 80% of a ticket's target" in text and "50%" not in text
    assert "may be paused" in text and "never paused" not in text
    # The engine works the examples in the new hours: 12 hours from Monday 14:00 in
    # 09:00-17:00 days are 3 + 8 + 1 hours, so Wednesday 10:00.
    assert "Saturday at 10:00 starts counting on Monday at 09:00" in text
    assert (
        "Severity 2's 12 hours from a report on Monday at 14:00 end on Wednesday at 10:00" in text
    )


def test_a_changed_policy_changes_the_severity_section(builtin: dict[str, Any]) -> None:
    before = severity(builtin)
    assert "(1 Critical, 2 High, 3 Medium or 4 Normal)" in before
    assert "applies from the time of the report" in before
    # The dispute rules, in words a customer understands (issue 14).
    assert "you can no longer change it on your own: a change is then only by agreement" in before
    assert "An agreement always takes one person of each side" in before
    assert "yours by one of our support managers" in before
    assert "Nobody accepts their own proposal" in before
    assert "around the clock" not in before
    other = changed(builtin)
    other["severities"] = other["severities"][:3]
    other["severities"][2]["name"] = "Moderate"
    after = severity(other)
    assert "(1 Critical, 2 High or 3 Moderate)" in after
    assert "a change to or from Severity 1 also changes whether the clock" in after


def test_every_severity_around_the_clock(builtin: dict[str, Any]) -> None:
    other = copy.deepcopy(builtin)
    other["support_hours"] = {"timezone": "region", "always": True, "weekly": {}}
    text = clock(other)
    assert "Every severity is counted around the clock" in text
    assert "support hours only" not in text


def test_the_page_publishes_the_changed_sections(client: Client, builtin: dict[str, Any]) -> None:
    first = sla.publish(builtin)
    second = sla.publish(changed(builtin))
    assert second.number == first.number + 1
    old = client.get(reverse("help_sla_version", args=[first.number])).content.decode()
    new = client.get(reverse("help_sla_version", args=[second.number])).content.decode()
    assert "never paused" in old and "may be paused" not in old
    assert "may be paused" in new and "warned when 80%" in new
    assert "<td>around the clock (24×7)</td>" in new and "<td>around the clock" not in old


def test_the_sla_links_to_the_support_articles(client: Client) -> None:
    page = client.get(reverse("help_sla")).content.decode()
    for slug in (sla.USE_SUPPORT, sla.RAISE_TICKET, sla.SERVICE_MODEL):
        assert f'href="{reverse("help_article", args=[slug])}"' in page
