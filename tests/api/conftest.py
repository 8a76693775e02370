"""Calling the JSON API as the people of the `world` fixture, each with a personal token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accord.engine.timeutil import from_epoch, parse_instant


def pacific(text: str) -> datetime:
    """A Pacific daylight time in the week of Monday 9 March 2026, e.g. "09T09:00"."""
    return from_epoch(parse_instant(f"2026-03-{text}:00-07:00", "at"))


class Api:
    """`api.get(user, path)`, `api.post(user, path, body)`: JSON in, the response out."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._tokens: dict[int, str] = {}
        self._keys = count(1)

    def token(self, user: Any) -> str:
        from accord.accounts.models import ApiToken

        if user.pk not in self._tokens:
            self._tokens[user.pk] = ApiToken.issue(user, "tests")[1]
        return self._tokens[user.pk]

    def _auth(self, user: Any | None, headers: dict[str, str]) -> dict[str, str]:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if user is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.token(user)}"
        return extra

    def get(self, user: Any | None, path: str, **headers: str) -> Any:
        return self.client.get(path, **self._auth(user, headers))

    def post(self, user: Any | None, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._auth(user, headers),
        )

    def upload(self, user: Any | None, path: str, data: dict[str, Any], **headers: str) -> Any:
        return self.client.post(path, data, **self._auth(user, headers))

    def delete(self, user: Any | None, path: str, **headers: str) -> Any:
        return self.client.delete(path, **self._auth(user, headers))

    def report(self, user: Any, organisation: str | None = None, **fields: Any) -> Any:
        """Create a ticket (a fresh Idempotency-Key each call); the response."""
        body = {"module": "release-manager", "summary": "Release page is down", "severity": 1}
        body.update(fields)
        if organisation is not None:
            body["organisation"] = organisation
        return self.post(user, "/api/tickets", body, idempotency_key=f"key-{next(self._keys)}")


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


class Clock:
    """The time every part of Accord reads (django.utils.timezone.now), set by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, text: str) -> None:
        self.at = pacific(text)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    frozen = Clock(pacific("09T09:00"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: frozen.at)
    yield frozen


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Attachments go to a private directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
