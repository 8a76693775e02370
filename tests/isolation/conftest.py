"""The `scene` fixture: Acme's ticket, files and token in the world of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from .harness import ACME_SUMMARY, ROLES, Scene, png


@pytest.fixture
def scene(world: Any, settings: Any, tmp_path: Path) -> Scene:
    settings.ACCORD_STATUS_DEMO = True  # the status page's demo switch, for the staff
    from accord.accounts.models import ApiToken
    from accord.helpdesk import services
    from accord.helpdesk.attachments import attach

    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(
            module=world.module,
            summary=ACME_SUMMARY,
            description="ZEPPELIN-DESCRIPTION",
            severity=2,
        ),
    )
    services.add_comment(ticket, author=world.acme_reporter, body="ZEPPELIN-PUBLIC-COMMENT")
    services.add_comment(ticket, author=world.agent, body="ZEPPELIN-STAFF-NOTE", internal=True)
    public_file = attach(ticket, uploaded_by=world.acme_reporter, upload=png("zeppelin-screen.png"))
    internal_file = attach(
        ticket, uploaded_by=world.agent, upload=png("zeppelin-trace.png"), internal=True
    )
    globex_ticket = services.report(
        reporter=world.globex_reporter,
        organisation=world.globex,
        new=services.NewTicket(module=world.module, summary="Globex fault", severity=3),
    )
    token, _ = ApiToken.issue(world.acme_reporter, "zeppelin-token")
    scene = Scene(world, ticket, globex_ticket, public_file, internal_file, token, tmp_path)
    for role in ROLES:
        user = getattr(world, role)
        scene.tokens[role] = ApiToken.issue(user, "matrix")[1]
        scene.sessions[role] = Client()
        scene.sessions[role].force_login(user)
    return scene
