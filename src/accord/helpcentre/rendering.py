"""Safe Markdown: raw HTML is escaped, links only http, https, mailto or relative.

markdown-it-py is a direct dependency (pyproject.toml), pinned in requirements.lock.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def _validate_link(url: str) -> bool:
    lowered = url.strip().lower()
    if ":" not in lowered.split("/")[0].split("?")[0].split("#")[0]:
        return True  # relative, fragment or path
    return lowered.startswith(_SAFE_SCHEMES)


_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_md.validateLink = _validate_link  # type: ignore[method-assign]


def render_markdown(text: str) -> SafeString:
    return mark_safe(_md.render(text))  # noqa: S308 - html=False escapes authors' HTML
