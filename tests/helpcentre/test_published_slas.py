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
        # The page says where and when the text was read, and never that it was not re-read.
        assert "read 2026-12-07 from a stored copy" in html
        assert "as recalled, not re-read" not in html
        assert "Other published SLAs" in html
    url = reverse("help_sla_published", kwargs={"policy_id": "plutora-standard"})
    assert Client().get(url).status_code == 404
    assert Client().get(url.replace("plutora-standard", "nope")).status_code == 404


def test_the_terms_and_a_worked_example_in_words() -> None:
    github = page("github-enterprise-cloud")
    assert "each calendar quarter" in github
    # "at most 99.9% but greater than 99.0%": exactly 99.0% earns no credit.
    assert "(99.0%, 99.9%]" in github and "below 99.0%" in github
    slack = page("slack")
    assert "10 times the fee paid for the downtime" in slack
    # One hour down in Q4 2026 (92 days): 99.954%, and 10 x 1/2208 of the fee.
    assert "uptime of 99.954%" in slack and "credit of 0.452%" in slack
    google = page("google-cloud")
    assert "more than 1% of its requests fail" in google
    assert "runs of at least" not in google  # one minute is a Downtime Period
    assert "capped at 50% of the fee" in google
    atlassian = page("atlassian-cloud-premium")
    assert "more than 5% of its requests fail" in atlassian
    assert "60 Downtime Minutes are 0.138889% of them" in atlassian
    s3 = page("aws-s3-standard")
    assert "https://aws.amazon.com/s3/sla/" in s3 and "(the text's own date: 2023-11-28)" in s3


def test_the_page_in_german() -> None:
    html = page("slack", HTTP_ACCEPT_LANGUAGE="de")
    assert "jedes Kalenderquartal" in html and "Quellen" in html
