"""Articles, their drafts (revisions) and published versions, the SLA's versions, and votes.

An article's row holds what the public reads (its published title and text), or for an article
never published, its first draft. Everything staff write is a row of its own and is never
overwritten: each saved draft is an `ArticleRevision`, each publication an `ArticleVersion`.
`accord.helpcentre.services` is the only writer of those rows for the editor; saving a
published `Article` directly (code, fixtures) still keeps a version of what it published.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Slugs the help centre's own pages use under /help/.
RESERVED_SLUGS = frozenset({"sla", "staff"})


def not_reserved(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"{slug!r} is the address of a help-centre page: choose another")


class Article(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        ORGANISATION = "organisation", _("Organisation-only (signed-in customers and staff)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(unique=True, validators=[not_reserved])
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, default="General")
    body = models.TextField(help_text=_("Markdown. Raw HTML is shown as text, never run."))
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if self.status == self.Status.PUBLISHED:
            latest = self.versions.order_by("-number").first()
            if latest is None or (latest.title, latest.body) != (self.title, self.body):
                ArticleVersion.objects.create(
                    article=self,
                    number=(latest.number + 1) if latest else 1,
                    title=self.title,
                    body=self.body,
                    category=self.category,
                    visibility=self.visibility,
                )


class ArticleRevision(models.Model):
    """A saved draft of an article (`draft`), or the pending draft dropped (`discarded`).

    The article's pending draft is its latest revision when that is a draft no version
    published. Rows are only ever added.
    """

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft saved")
        DISCARDED = "discarded", _("Pending draft discarded")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DRAFT)
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, default="General")
    visibility = models.CharField(
        max_length=20, choices=Article.Visibility.choices, default=Article.Visibility.PUBLIC
    )
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number}, {self.get_kind_display().lower()})"


class ArticleVersion(models.Model):
    """One published version of an article, kept for good."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    category = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(max_length=20, choices=Article.Visibility.choices, blank=True)
    # The draft it published (none for an article saved directly, as code and fixtures do).
    revision = models.OneToOneField(
        ArticleRevision, null=True, blank=True, on_delete=models.CASCADE, related_name="version"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class SlaVersion(models.Model):
    """One published rendering of the SLA from a policy; a changed policy adds a new one."""

    number = models.PositiveIntegerField(unique=True)
    policy_id = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)
    body = models.TextField()  # the Markdown rendered from the policy
    policy_data = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"SLA version {self.number}"


class Vote(models.Model):
    """ "Was this article helpful?": one per reader (user, else session) and article."""

    article_slug = models.SlugField()  # an Article's slug, or "sla"
    reader = models.CharField(max_length=100)  # "user:<id>" or "session:<key>"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article_slug", "reader"], name="one_vote_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.article_slug}: {'yes' if self.helpful else 'no'}"
