"""Search through one interface.

Full-text search (SQLite FTS5 / PostgreSQL to_tsvector) is NOT done yet: `search` matches
every word of the query against title and body with `icontains` on both databases.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accord.helpcentre.models import Article


def search(query: str, articles: QuerySet[Article]) -> QuerySet[Article]:
    words = [w for w in query.split() if w][:10]
    if not words:
        return articles.none()
    for word in words:
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return articles
