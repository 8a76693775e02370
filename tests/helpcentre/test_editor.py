"""The staff's article editor: drafts of published articles, publishing, the unsaved preview.

Everything goes through Django's test client with plain form posts, as a browser with
JavaScript off sends them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.helpcentre.models import Article, ArticleRevision, ArticleVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world: Any) -> Client:
    client = Client()
    client.force_login(world.manager)
    return client


def fields(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Resetting your password",
        "category": "Accounts",
        "visibility": "public",
        "body": "Use the *Forgot password* link.",
        "base": 0,
        **overrides,
    }


def new_article(staff: Client, action: str = "publish", **overrides: Any) -> Article:
    response = staff.post(
        reverse("help_staff_article_new"),
        fields(slug="reset-password", action=action, **overrides),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Article.objects.get(slug="reset-password")


def edit(staff: Client, article: Article, action: str, **overrides: Any) -> Any:
    latest = article.revisions.order_by("-number").first()
    data = fields(base=latest.number if latest else 0, action=action, **overrides)
    return staff.post(reverse("help_staff_article", args=[article.pk]), data)


def public_page(article: Article) -> str:
    return Client().get(reverse("help_article", args=[article.slug])).content.decode()


def test_a_draft_of_a_published_article_leaves_the_public_page_alone(staff: Client) -> None:
    article = new_article(staff)
    published_on = Article.objects.get(pk=article.pk).updated_at
    assert "Forgot password" in public_page(article)

    response = edit(staff, article, "save", body="Ask your *customer admin* instead.")
    assert response.status_code == 302
    page = public_page(article)
    assert "Forgot password" in page and "customer admin" not in page
    assert Article.objects.get(pk=article.pk).updated_at == published_on  # the date too
    assert Article.objects.get(pk=article.pk).body == "Use the *Forgot password* link."

    # The editor reopens on the pending draft, and says so.
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "A draft is pending" in editor and "Ask your *customer admin* instead." in editor
    # The staff's view of the page says a draft is waiting, and still shows the live text.
    staff_page = staff.get(reverse("help_article", args=[article.slug])).content.decode()
    assert "waiting to be published" in staff_page and "Forgot password" in staff_page

    assert edit(staff, article, "publish", body="Ask your *customer admin* instead.").status_code
    page = public_page(article)
    assert "customer admin" in page and "Forgot password" not in page
    assert Article.objects.get(pk=article.pk).updated_at > published_on
    assert [v.body for v in article.versions.order_by("number")] == [
        "Use the *Forgot password* link.",
        "Ask your *customer admin* instead.",
    ]
    # Publishing the saved draft reused it: one revision per text, each kept.
    assert [r.number for r in article.revisions.order_by("number")] == [1, 2]
    assert article.versions.get(number=2).revision.number == 2


def test_published_versions_are_for_staff_only(staff: Client, world: Any) -> None:
    article = new_article(staff)
    edit(staff, article, "publish", body="Second text.")
    url = reverse("help_staff_article_version", args=[article.pk, 1])
    page = staff.get(url).content.decode()
    assert "Forgot password" in page and "an earlier version" in page
    assert "Second text" not in page
    assert Client().get(url).status_code == 302  # sign in first
    customer = Client()
    customer.force_login(world.acme_reporter)
    assert customer.get(url).status_code == 404
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert url in editor and reverse("help_staff_article_version", args=[article.pk, 2]) in editor


def test_preview_renders_the_unsaved_text_and_saves_nothing(staff: Client) -> None:
    article = new_article(staff)
    revisions, versions = ArticleRevision.objects.count(), ArticleVersion.objects.count()
    response = edit(
        staff,
        article,
        "preview",
        body="## Unsaved heading\n\nHello <script>alert(1)</script> [x](javascript:alert(1))",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview (not saved)" in page
    assert "<h2>Unsaved heading</h2>" in page  # rendered, not the saved text
    assert "&lt;script&gt;" in page and "<script>alert" not in page  # the safe renderer
    assert 'href="javascript:' not in page
    # The form still holds the text being edited.
    assert "## Unsaved heading" in page
    assert (ArticleRevision.objects.count(), ArticleVersion.objects.count()) == (
        revisions,
        versions,
    )
    assert "Forgot password" in public_page(article)


def test_preview_of_a_new_article_creates_nothing(staff: Client) -> None:
    response = staff.post(
        reverse("help_staff_article_new"),
        fields(slug="brand-new", action="preview", body="*Fresh* words"),
    )
    assert response.status_code == 200
    assert "<em>Fresh</em>" in response.content.decode()
    assert not Article.objects.filter(slug="brand-new").exists()


def test_a_new_article_saved_as_draft_is_not_public(staff: Client) -> None:
    article = new_article(staff, action="save")
    assert article.status == "draft"
    assert Client().get(reverse("help_article", args=[article.slug])).status_code == 404
    edit(staff, article, "save", body="Second draft, for staff.")
    assert (
        "Second draft" in staff.get(reverse("help_article", args=[article.slug])).content.decode()
    )
    edit(staff, article, "publish", body="Second draft, for staff.")
    assert "Second draft" in public_page(article)


def test_discarding_a_draft_keeps_the_published_text(staff: Client) -> None:
    article = new_article(staff)
    edit(staff, article, "save", body="A change we regret.")
    pending = article.revisions.order_by("-number").first()
    staff.post(
        reverse("help_staff_article", args=[article.pk]),
        {"action": "discard", "base": pending.number},
    )
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "A draft is pending" not in editor and "Forgot password" in editor
    kinds = list(article.revisions.order_by("number").values_list("kind", flat=True))
    assert kinds == ["draft", "draft", "discarded"]  # the regretted draft is still kept


def test_a_stale_form_does_not_overwrite_a_newer_draft(staff: Client, world: Any) -> None:
    article = new_article(staff)
    other = Client()
    other.force_login(world.agent)
    edit(other, article, "save", body="The agent's draft.")
    response = staff.post(
        reverse("help_staff_article", args=[article.pk]),
        fields(base=1, action="publish", body="The manager's text."),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "while you were editing" in page
    assert "Their revision 2" in page and "The agent's draft." in page  # theirs, rendered
    assert "The manager&#x27;s text." in page  # and mine, still in the form
    assert 'name="base" value="2"' in page  # a second Publish, having compared, goes through
    assert "Forgot password" in public_page(article)
    assert article.revisions.count() == 2


def test_the_editor_is_for_staff_only(world: Any) -> None:
    for role in ("acme_reporter", "acme_admin"):
        customer = Client()
        customer.force_login(getattr(world, role))
        assert customer.get(reverse("help_staff_articles")).status_code == 404
        post = customer.post(reverse("help_staff_article_new"), fields(slug="x", action="publish"))
        assert post.status_code == 404
    assert not Article.objects.filter(slug="x").exists()
    assert Client().get(reverse("help_staff_articles")).status_code == 302


def test_the_editor_works_without_javascript(staff: Client) -> None:
    article = new_article(staff)
    for url in (
        reverse("help_staff_articles"),
        reverse("help_staff_article_new"),
        reverse("help_staff_article", args=[article.pk]),
    ):
        page = staff.get(url).content.decode()
        assert "<script" not in page
    page = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    for action in ("preview", "save", "publish"):
        assert f'name="action" value="{action}"' in page


def test_the_editor_shows_what_a_pending_draft_changes(staff: Client) -> None:
    body = "\n".join(f"Step {n}." for n in range(1, 13))
    article = new_article(staff, body=body)
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "What the pending draft changes" not in editor  # nothing pending

    draft = body.replace("Step 7.", "Step 7, from the *Security* tab.")
    assert edit(staff, article, "save", title="Resetting a password", body=draft).status_code == 302
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "What the pending draft changes" in editor
    changes = editor[editor.index('<div class="line-changes">') :]
    changes = changes[: changes.index("</div>")]
    removed = '<del><span aria-hidden="true">− </span>'
    added = '<ins><span aria-hidden="true">+ </span>'
    assert f"{removed}Title: Resetting your password</del>" in changes
    assert f"{added}Title: Resetting a password</ins>" in changes
    assert f"{removed}Step 7.</del>" in changes
    assert f"{added}Step 7, from the *Security* tab.</ins>" in changes
    # Two unchanged lines around each change; the rest counted, not shown.
    assert "Step 5." in changes and "Step 4." not in changes and "Step 10." not in changes
    assert "… 5 unchanged lines …" in changes and "… 3 unchanged lines …" in changes

    # Once published there is nothing pending to compare.
    edit(staff, article, "publish", title="Resetting a password", body=draft)
    editor = staff.get(reverse("help_staff_article", args=[article.pk])).content.decode()
    assert "What the pending draft changes" not in editor
