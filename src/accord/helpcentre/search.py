"""Search through one interface: `search(query, articles)`, and `sla_matches(query, version)`
for the SLA article (rendered from the policy, kept as `SlaVersion` rows), searched the same
way so the help centre finds every published article, the SLA included.

SQLite: the FTS5 table `helpcentre_article_fts` (migration 0002, kept by triggers), words
stemmed (porter). PostgreSQL: to_tsvector('english', title || body) against
plainto_tsquery, ranked. Any other database, or an SQLite without FTS5: every word must
appear in the title or body (icontains).
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.models import Q, QuerySet

from accord.helpcentre.models import Article, SlaVersion

MAX_WORDS = 10


def _words(query: str) -> list[str]:
    return [w for w in query.split() if w][:MAX_WORDS]


def _contains(words: list[str], articles: QuerySet[Article]) -> QuerySet[Article]:
    for word in words:
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return articles


def _sqlite(words: list[str], articles: QuerySet[Article]) -> QuerySet[Article]:
    # Each word a quoted phrase, so no reader's text is read as FTS5 syntax.
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM helpcentre_article_fts WHERE helpcentre_article_fts MATCH %s "
            "ORDER BY rank",
            [match],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return articles.filter(pk__in=ids)


def _postgresql(query: str, articles: QuerySet[Article]) -> QuerySet[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    search_vector = SearchVector("title", weight="A", config="english") + SearchVector(
        "body", weight="B", config="english"
    )
    wanted = SearchQuery(query, config="english", search_type="plain")
    return (
        articles.annotate(search_vector=search_vector, rank=SearchRank(search_vector, wanted))
        .filter(search_vector=wanted)
        .order_by("-rank", "title")
    )


def search(query: str, articles: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """The articles (of `articles`, default all) that match every word of `query`."""
    articles = articles if articles is not None else Article.objects.all()
    words = _words(query)
    if not words:
        return articles.none()
    if connection.vendor == "postgresql":
        return _postgresql(" ".join(words), articles)
    if connection.vendor == "sqlite":
        try:
            return _sqlite(words, articles)
        except DatabaseError:
            pass  # no FTS5 in this SQLite build
    return _contains(words, articles)


def sla_matches(query: str, version: SlaVersion) -> bool:
    """Whether the SLA article's text (that version) matches every word of `query`."""
    words = _words(query)
    if not words:
        return False
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        wanted = SearchQuery(" ".join(words), config="english", search_type="plain")
        return (
            SlaVersion.objects.filter(pk=version.pk)
            .annotate(search_vector=SearchVector("body", config="english"))
            .filter(search_vector=wanted)
            .exists()
        )
    if connection.vendor == "sqlite":
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM helpcentre_slaversion_fts WHERE rowid = %s AND "
                    "helpcentre_slaversion_fts MATCH %s",
                    [version.pk, match],
                )
                return cursor.fetchone() is not None
        except DatabaseError:
            pass  # no FTS5 in this SQLite build
    body = version.body.lower()
    return all(word.lower() in body for word in words)
