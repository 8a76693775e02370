"""Absolute links for emails, webhooks and feeds."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on the configured base URL (ACCORD_BASE_URL), never on a request's Host header,
    which the client chooses."""
    return str(settings.ACCORD_BASE_URL).rstrip("/") + path
