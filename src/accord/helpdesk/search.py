"""Free-text search over tickets: summary and description, public comments, and for the
vendor's staff also staff-only notes (docs/search.md).

Every word typed must appear (as a word or the start of one) in the ticket's summary and
description together, or in one comment. Words are letters and digits; everything else
separates them, so quotes, `*`, `-`, `NEAR` or `:` are never query syntax and never an error.

SQLite searches the FTS5 table `helpdesk_search`, which triggers keep in step with tickets
and comments (migration 0005); PostgreSQL matches `to_tsvector('simple', ...)` with a prefix
query. Both fold case and neither folds accents, so both answer the same.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from accord.helpdesk.models import Comment, Ticket

MAX_WORDS = 12
_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The words searched for: letters and digits, lower case, at most MAX_WORDS."""
    return [word.lower() for word in _WORD.findall(text or "")][:MAX_WORDS]


def matching(tickets: QuerySet[Ticket], text: str, *, notes: bool) -> QuerySet[Ticket]:
    """The tickets of `tickets` that match `text` (all of them when it has no word);
    `notes`: staff-only notes count too (only ever for the vendor's staff)."""
    words = words_of(text)
    if not words:
        return tickets
    if connection.vendor == "postgresql":
        return _postgresql(tickets, words, notes=notes)
    sources = ["t", "c", "i"] if notes else ["t", "c"]
    phrase = " ".join(f'"{word}"*' for word in words)
    found = RawSQL(
        "SELECT ticket_id FROM helpdesk_search WHERE helpdesk_search MATCH %s"
        f" AND source IN ({', '.join(['%s'] * len(sources))})",
        [phrase, *sources],
    )
    return tickets.filter(pk__in=found)


def _postgresql(tickets: QuerySet[Ticket], words: list[str], *, notes: bool) -> QuerySet[Ticket]:
    query = SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config="simple"
    )
    comments = Comment.objects.filter(ticket=OuterRef("pk"))
    if not notes:
        comments = comments.filter(internal=False)
    in_comments = comments.annotate(found=SearchVector("body", config="simple")).filter(found=query)
    return tickets.annotate(found=SearchVector("summary", "description", config="simple")).filter(
        Q(found=query) | Exists(in_comments)
    )
