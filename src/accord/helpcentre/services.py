"""The article editor's writes: save a draft, publish, discard the pending draft.

Every call adds rows and never rewrites one, except the article's own row, which holds what
readers see and changes only when a version is published. The functions run inside the
caller's transaction; `publish` is one atomic step (the article row locked, the revision, the
version and the live text written together, or nothing).

`base` is the number of the latest revision the editor's form was loaded from (0 for none).
When someone saved a newer revision meanwhile, the call refuses with `StaleEdit` rather than
silently replacing their text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import StateConflict
from accord.helpcentre.models import Article, ArticleRevision, ArticleVersion


@dataclass(frozen=True)
class Content:
    title: str
    category: str
    visibility: str
    body: str

    @classmethod
    def of(cls, item: Article | ArticleRevision) -> Content:
        return cls(
            title=item.title, category=item.category, visibility=item.visibility, body=item.body
        )


class StaleEdit(StateConflict):
    """Someone saved a newer revision since the form was loaded (a core state conflict, 409);
    `latest` is that revision."""

    def __init__(self, latest: ArticleRevision) -> None:
        who = latest.author.email if latest.author else "someone"
        super().__init__(
            f"{who} saved revision {latest.number} of this article while you were editing. "
            "Your text is below, not saved: compare it with theirs, then save or publish again."
        )
        self.latest = latest


def latest_revision(article: Article) -> ArticleRevision | None:
    return article.revisions.order_by("-number").first()


def pending_draft(article: Article) -> ArticleRevision | None:
    """The draft waiting to be published, if any: the latest revision, when it is a draft that
    no version published."""
    latest = latest_revision(article)
    if latest is None or latest.kind != ArticleRevision.Kind.DRAFT:
        return None
    if ArticleVersion.objects.filter(revision=latest).exists():
        return None
    return latest


@dataclass(frozen=True)
class ChangedLine:
    """One line of a comparison: `kind` is "same", "removed", "added", or "gap" for unchanged
    lines left out (`text` then says how many)."""

    kind: str
    text: str


def _lines(content: Content) -> list[str]:
    return [
        f"Title: {content.title}",
        f"Category: {content.category}",
        f"Visibility: {content.visibility}",
        "",
        *content.body.splitlines(),
    ]


def _gap(count: int) -> ChangedLine:
    return ChangedLine("gap", f"{count} unchanged line{'s' if count > 1 else ''}")


def compare(old: Content, new: Content, *, context: int = 2) -> list[ChangedLine]:
    """What `new` changes in `old`, line by line (the title, category and visibility as lines
    of their own), with `context` unchanged lines around each change; empty when the two are
    the same."""
    before, after = _lines(old), _lines(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    changes: list[ChangedLine] = []
    shown_to = 0  # the lines of `before` up to here are shown or counted in a gap
    for group in matcher.get_grouped_opcodes(context):
        if group[0][1] > shown_to:
            changes.append(_gap(group[0][1] - shown_to))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                changes += [ChangedLine("same", line) for line in before[i1:i2]]
            else:
                changes += [ChangedLine("removed", line) for line in before[i1:i2]]
                changes += [ChangedLine("added", line) for line in after[j1:j2]]
        shown_to = group[-1][2]
    if changes and shown_to < len(before):
        changes.append(_gap(len(before) - shown_to))
    return changes


def is_published(article: Article) -> bool:
    return article.status == Article.Status.PUBLISHED


def _check_base(article: Article, base: int | None) -> ArticleRevision | None:
    latest = latest_revision(article)
    if base is not None and (latest.number if latest else 0) != base:
        assert latest is not None  # base > 0 with no revision at all cannot be a stale edit
        raise StaleEdit(latest)
    return latest


def _add_revision(
    article: Article,
    content: Content,
    author: User | None,
    latest: ArticleRevision | None,
    kind: str = ArticleRevision.Kind.DRAFT,
) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article,
        number=(latest.number + 1) if latest else 1,
        kind=kind,
        author=author,
        title=content.title,
        category=content.category,
        visibility=content.visibility,
        body=content.body,
    )


def create_article(*, slug: str, content: Content, author: User | None) -> Article:
    """A new, unpublished article with its first draft as revision 1."""
    article = Article(slug=slug, status=Article.Status.DRAFT, **vars(content))
    article.full_clean()
    article.save()
    _add_revision(article, content, author, None)
    return article


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


@transaction.atomic
def save_draft(
    *, article: Article, content: Content, author: User | None, base: int | None = None
) -> ArticleRevision:
    """Keep `content` as the article's pending draft. The live page does not change."""
    article = _locked(article)
    latest = _check_base(article, base)
    pending = pending_draft(article)
    if pending is not None and Content.of(pending) == content:
        return pending  # saved twice: nothing new to keep
    return _add_revision(article, content, author, latest)


@transaction.atomic
def discard_draft(*, article: Article, author: User | None, base: int | None = None) -> None:
    """Drop the pending draft (a `discarded` revision holding the live text); the drafts
    themselves stay in the history."""
    article = _locked(article)
    latest = _check_base(article, base)
    if pending_draft(article) is None:
        return
    _add_revision(article, Content.of(article), author, latest, ArticleRevision.Kind.DISCARDED)


@transaction.atomic
def publish(
    *, article: Article, content: Content, author: User | None, base: int | None = None
) -> ArticleVersion:
    """Make `content` the live article in one step: the draft is kept as a revision, the
    published text as a new version, and the article row shows it, with its new date."""
    article = _locked(article)
    latest = _check_base(article, base)
    pending = pending_draft(article)
    last = article.versions.order_by("-number").first()
    live = is_published(article) and Content.of(article) == content
    if pending is None and last is not None and live:
        return last  # already live: nothing to publish
    if pending is not None and Content.of(pending) == content:
        revision = pending
    else:
        revision = _add_revision(article, content, author, latest)
    now = timezone.now()
    version = ArticleVersion.objects.create(
        article=article,
        number=(last.number + 1) if last else 1,
        revision=revision,
        published_by=author,
        **vars(content),
    )
    # An update, not save(): Article.save() would record a second version of the same text.
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, updated_at=now, **vars(content)
    )
    return version


def last_published(article: Article) -> ArticleVersion | None:
    return article.versions.order_by("-number").first()
