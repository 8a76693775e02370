"""The world the isolation matrix runs in, and how it calls Accord and judges the answers.

The matrix (tests/isolation/, issue 3) checks tenant isolation over every URL Accord serves:
the patterns that name an object (test_objects.py, the cases in cases_objects.py), those without
an id: lists, forms and creates (test_lists.py, cases_lists.py), the public pages
(test_public.py, cases_public.py), and that every URL pattern has an entry in one of those
tables or a reason in the short allow-list of things that are not tenant data
(test_every_url.py). A new page, endpoint, export or download therefore fails the matrix until
someone says who may reach it.

The world (tests/conftest.py): Acme and Globex, a reporter and an admin in each, three staff.
The `scene` fixture (conftest.py here) adds to it: Acme has a ticket with a public comment, a
staff-only note, a public and a staff-only file, and Acme's reporter has an API token. Every
piece of it carries a marker (`ACME_MARKERS`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

ACME_SUMMARY = "Zeppelin console is down at Acme"
ACME_MARKERS = (
    ACME_SUMMARY,
    "ZEPPELIN-DESCRIPTION",
    "ZEPPELIN-PUBLIC-COMMENT",
    "ZEPPELIN-STAFF-NOTE",
    "zeppelin-screen",
    "zeppelin-trace",
    "zeppelin-token",
    "Acme Corp",
    "rita@acme.test",
    "adam@acme.test",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

CUSTOMERS = ("acme_reporter", "acme_admin", "globex_reporter", "globex_admin")
STAFF = ("agent", "manager", "vendor_admin")
GLOBEX = ("globex_reporter", "globex_admin")
ROLES = CUSTOMERS + STAFF


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# ---------------------------------------------------------------------------------------------
# The scene (made by the `scene` fixture in conftest.py)


@dataclass
class Scene:
    world: Any
    ticket: Any  # Acme's
    globex_ticket: Any
    public_file: Any
    internal_file: Any
    token: Any  # Acme's reporter's
    media: Path
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer secret
    sessions: dict[str, Client] = field(default_factory=dict)  # role -> signed-in client

    def user(self, role: str) -> Any:
        return getattr(self.world, role)


# ---------------------------------------------------------------------------------------------
# Calling Accord

Body = Callable[[Scene], Any] | None


def call(
    scene: Scene,
    role: str | None,
    method: str,
    url: str,
    body: Body = None,
    *,
    api: bool,
    via: str = "session",
    headers: Mapping[str, str] | None = None,
) -> Any:
    """One request as `role` (None: anonymous). Portal bodies are form data, API bodies JSON
    (a body holding a file is sent as a multipart form, as uploads are)."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    if role is None:
        client = Client()
    elif api and via == "token":
        client = Client()
        extra["HTTP_AUTHORIZATION"] = f"Bearer {scene.tokens[role]}"
    else:
        client = scene.sessions[role]
    data = body(scene) if body is not None else None
    if method == "get":
        return client.get(url, **extra)
    if api and not (isinstance(data, dict) and any(hasattr(v, "read") for v in data.values())):
        payload = json.dumps(data if data is not None else {})
        return client.generic(method.upper(), url, payload, "application/json", **extra)
    if method == "post":
        return client.post(url, data or {}, **extra)
    return client.generic(method.upper(), url, "", **extra)


def text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def peek(response: Any) -> Any:
    """The start of a response, for an assertion's message (a file is not read)."""
    return "<a file>" if getattr(response, "streaming", False) else response.content[:300]


def snapshot(scene: Scene) -> dict[str, Any]:
    """Every row of every Accord table, and the stored files. `last_login` and an API token's
    `last_used_at` change whenever someone signs in or calls the API, and are left out."""
    volatile = {"last_login", "last_used_at"}
    rows: dict[str, Any] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("accord."):
            continue
        rows[model._meta.label] = [
            {k: v for k, v in row.items() if k not in volatile}
            for row in model._base_manager.order_by("pk").values()
        ]
    media = scene.media / "media"
    rows["files"] = sorted(str(p) for p in media.rglob("*")) if media.exists() else []
    return rows


def acme_rows_touched(scene: Scene, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a create by an outsider did to Acme: changed or deleted rows anywhere, and new rows
    that belong to Acme (its organisation, its tickets, its people)."""
    from accord.accounts.models import User
    from accord.helpdesk.models import Ticket

    acme = scene.world.acme.pk
    acme_tickets = set(Ticket.objects.filter(organisation_id=acme).values_list("pk", flat=True))
    acme_people = set(User.objects.filter(organisation_id=acme).values_list("pk", flat=True))
    problems = []
    for label, old_rows in before.items():
        if label == "files":
            continue
        new_by_pk = {row["id"]: row for row in after[label]}
        for row in old_rows:
            new = new_by_pk.get(row["id"])
            if new == row:
                continue
            # An outsider's own settings (account_settings/post) are theirs to change.
            own_settings = (
                label == "accounts.User"
                and new is not None
                and row["organisation_id"] != acme
                and {key for key in row if row[key] != new[key]} <= {"timezone"}
            )
            if own_settings:
                continue
            problems.append(f"{label} #{row['id']} changed or deleted")
        old_pks = {row["id"] for row in old_rows}
        for row in after[label]:
            if row["id"] in old_pks:
                continue
            if (
                row.get("organisation_id") == acme
                or row.get("ticket_id") in acme_tickets
                or row.get("user_id") in acme_people
                or (label == "accounts.User" and row["organisation_id"] == acme)
            ):
                problems.append(f"new {label} #{row['id']} belongs to Acme")
    return problems


def assert_sent_to_sign_in(response: Any, *, api: bool) -> None:
    if api:
        assert response.status_code == 401, peek(response)
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login")), response.url


def assert_no_acme(response: Any, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code)
    body = text(response)
    leaked = [marker for marker in ACME_MARKERS if marker in body]
    assert not leaked, (where, leaked)


# ---------------------------------------------------------------------------------------------
# Request bodies for the case tables


def form(**fields: Any) -> Body:
    return lambda scene: dict(fields)


def upload(prefix: str = "") -> Body:
    return lambda scene: {f"{prefix}file": png("matrix.png")}
