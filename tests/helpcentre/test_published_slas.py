"""Each shipped published SLA (AWS, Atlassian, GitHub, Slack, Google Cloud) has a public
help-centre page rendered from its policy file, in English and German."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre.published import published

pytestmark = pytest.mark.django_db

SHIPPED = {
    "aws-ec2-region",
    "aws-s3-standard",
    "atlassian-cloud-premium",
    "atlassian-cloud-enterprise",
    "github-enterprise-cloud",
    "slack",
    "google-cloud",
}


def page(policy_id: str, **headers: str) -> str:
    url = reverse("help_sla_published", kwargs={"policy_id": policy_id})
    response = Client().get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_every_published_sla_has_a_page_and_the_seed_policy_is_not_one() -> None:
    assert {item.id for item in published()} == SHIPPED
    for policy_id in SHIPPED:
        html = page(policy_id)
        assert "as recalled, not re-read" in html  # the page says the text was not re-read
        assert "Other published SLAs" in html
    url = reverse("help_sla_published", kwargs={"policy_id": "plutora-standard"})
    assert Client().get(url).status_code == 404
    assert Client().get(url.replace("plutora-standard", "nope")).status_code == 404


def test_the_terms_and_a_worked_example_in_words() -> None:
    github = page("github-enterprise-cloud")
    assert "each calendar quarter" in github
    assert "[99.0%, 99.9%]" in github and "below 99.0%" in github
    slack = page("slack")
    assert "10 times the fee paid for the downtime" in slack
    # One hour down in Q4 2026 (92 days): 99.954%, and 10 x 1/2208 of the fee.
    assert "uptime of 99.954%" in slack and "credit of 0.452%" in slack
    google = page("google-cloud")
    assert "runs of at least 5 such intervals" in google
    assert "capped at 50% of the fee" in google
    atlassian = page("atlassian-cloud-premium")
    assert "more than 5% of its requests fail" in atlassian
    assert "a 30-day month has 60 minutes of Downtime" in atlassian


def test_the_page_in_german() -> None:
    html = page("slack", HTTP_ACCEPT_LANGUAGE="de")
    assert "jedes Kalenderquartal" in html and "Quellen" in html
