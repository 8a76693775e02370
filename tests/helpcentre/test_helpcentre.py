"""The help centre (issue 7): articles, search, the SLA from the policy, votes."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre import sla
from accord.helpcentre.models import Article, SlaVersion, Vote
from accord.helpcentre.search import search

pytestmark = pytest.mark.django_db


def make(slug: str = "how-to", body: str = "Raise a ticket.", **kw: Any) -> Article:
    fields = {"title": slug.title(), "category": "Support", "status": "published", **kw}
    return Article.objects.create(slug=slug, body=body, **fields)


def test_sla_article_shows_targets_and_the_wednesday_window(client: Client) -> None:
    page = client.get(reverse("help_sla")).content.decode()
    for target in ("4 hours", "12 hours", "2 days", "7 days"):
        assert target in page
    assert "Wednesday 01:00–01:30" in page
    assert "America/Los_Angeles" in page
    assert "Total inability to perform the normal operations" in page
    assert "Release Manager" in page and "99.9%" in page
    assert "Internet Explorer 11+" in page


def test_sla_window_in_the_readers_zone(world: Any) -> None:
    world.acme_reporter.timezone = "Europe/London"
    world.acme_reporter.save()
    client = Client()
    client.force_login(world.acme_reporter)
    page = client.get(reverse("help_sla")).content.decode()
    assert "(Europe/London)" in page
    assert re.search(r"Wednesday 0[89]:00–0[89]:30 (GMT|BST) \(Europe/London\)", page)
    assert "01:00–01:30 P" in page  # and in the policy's own zone


def test_a_changed_policy_publishes_a_new_version_and_keeps_the_old(client: Client) -> None:
    first = sla.publish()
    assert sla.publish().pk == first.pk  # unchanged policy: same version
    changed = copy.deepcopy(first.policy_data)
    changed["severities"][0]["target"]["hours"] = 6
    second = sla.publish(changed)
    assert second.number == first.number + 1
    assert SlaVersion.objects.count() == 2
    old = client.get(reverse("help_sla_version", args=[first.number])).content.decode()
    new = client.get(reverse("help_sla_version", args=[second.number])).content.decode()
    assert "| 4 hours" not in old  # rendered as a table, so check the cell
    assert "<td>4 hours</td>" in old and "<td>6 hours</td>" not in old
    assert "<td>6 hours</td>" in new and "an earlier version" in old


def test_votes_are_counted_once(client: Client) -> None:
    make()
    url = reverse("help_vote", args=["how-to"])
    for _ in range(3):
        client.post(url, {"helpful": "yes"})
    other = Client()
    other.post(url, {"helpful": "yes", "comment": "clear"})
    assert Vote.objects.count() == 2
    page = client.get(reverse("help_article", args=["how-to"])).content.decode()
    assert "2 found this helpful" in page
    assert Vote.objects.filter(comment="clear").exists()


def test_least_helpful_is_for_staff_only(world: Any) -> None:
    make()
    Client().post(reverse("help_vote", args=["how-to"]), {"helpful": "no", "comment": "ZZCOMMENT"})
    staff = Client()
    staff.force_login(world.agent)
    page = staff.get(reverse("help_least_helpful"))
    assert page.status_code == 200 and "ZZCOMMENT" in page.content.decode()
    customer = Client()
    customer.force_login(world.acme_reporter)
    assert customer.get(reverse("help_least_helpful")).status_code == 404


def test_script_in_markdown_renders_inert(client: Client) -> None:
    make(body="Hello <script>alert('x')</script>\n\n[bad](javascript:alert(1)) [ok](/help/)")
    page = client.get(reverse("help_article", args=["how-to"])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="/help/"' in page


def test_search_finds_an_article_by_a_word_in_its_body(client: Client) -> None:
    make(body="The zeppelin console explains severity.")
    make("other", body="Nothing here.")
    assert [a.slug for a in search("zeppelin", Article.objects.all())] == ["how-to"]
    page = client.get(reverse("help_index"), {"q": "zeppelin"}).content.decode()
    assert reverse("help_article", args=["how-to"]) in page


def test_organisation_only_and_drafts(client: Client, world: Any) -> None:
    make("private", visibility="organisation")
    make("draft", status="draft")
    assert client.get(reverse("help_article", args=["private"])).status_code == 404
    assert client.get(reverse("help_article", args=["draft"])).status_code == 404
    signed_in = Client()
    signed_in.force_login(world.globex_reporter)
    assert signed_in.get(reverse("help_article", args=["private"])).status_code == 200


def test_every_published_version_is_kept() -> None:
    article = make()
    article.body = "Second text."
    article.save()
    article.save()
    assert [v.body for v in article.versions.all()] == ["Raise a ticket.", "Second text."]


def test_pages_work_without_javascript(client: Client) -> None:
    make()
    for url in (
        reverse("help_index"),
        reverse("help_sla"),
        reverse("help_article", args=["how-to"]),
    ):
        page = client.get(url).content.decode()
        assert "<script" not in page
    page = client.get(reverse("help_article", args=["how-to"])).content.decode()
    assert 'method="post"' in page and 'name="helpful" value="yes"' in page
    assert 'href="#top"' in page and "Last updated" in page


def test_search_is_full_text_on_this_database() -> None:
    """FTS5 on SQLite, to_tsvector on PostgreSQL: stemmed words match, punctuation is safe."""
    make(body="Our engineers are restarting the deployment servers.")
    make("unrelated", body="Invoices and credits.")
    assert [a.slug for a in search("restart server")] == ["how-to"]
    assert [a.slug for a in search('deployment "OR* NEAR(')] == []  # no syntax from readers
    make("after", body="A later article about restarting.")
    Article.objects.filter(slug="after").update(body="Now about invoices.")  # trigger kept
    assert sorted(a.slug for a in search("invoices")) == ["after", "unrelated"]


def test_an_article_cannot_take_the_sla_pages_address() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Article(slug="sla", title="SLA", body="x").full_clean()


def test_staff_preview_drafts_on_the_page(world: Any) -> None:
    make("draft", status="draft", body="DRAFT-TEXT")
    staff = Client()
    staff.force_login(world.agent)
    page = staff.get(reverse("help_article", args=["draft"])).content.decode()
    assert "DRAFT-TEXT" in page and "Draft" in page
    customer = Client()
    customer.force_login(world.acme_reporter)
    assert customer.get(reverse("help_article", args=["draft"])).status_code == 404
    assert (
        Client().post(reverse("help_vote", args=["draft"]), {"helpful": "yes"}).status_code == 404
    )
