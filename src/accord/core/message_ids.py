"""The Message-IDs of Accord's ticket emails, and the line a reply is cut at.

Notification emails carry `Message-ID: <ticket-{id}.{event}@{domain}>` (the domain is the
support address's), so a reply's `In-Reply-To` names its ticket: `accord mail-ingest` reads it
back with `ticket_of_message_id`, and cuts the quoted notification at `REPLY_MARKER`. Shared by
the help desk's notices (which write them), its mail ingest (which reads them) and the monthly
reports' emails (which use the domain); they import no app.
"""

from __future__ import annotations

import re

from django.conf import settings

REPLY_MARKER = "Reply above this line"

_OWN_MESSAGE_ID = re.compile(r"^<ticket-(\d+)\.[^@<>\s]+@([^<>\s]+)>$")


def mail_domain() -> str:
    """The domain of Accord's Message-IDs: the support address's."""
    return settings.ACCORD_SUPPORT_ADDRESS.rpartition("@")[2].strip().lower() or "accord.localhost"


def message_id(ticket_id: int, event: str) -> str:
    return f"<ticket-{ticket_id}.{event}@{mail_domain()}>"


def ticket_of_message_id(value: str) -> int | None:
    """The ticket id of one of Accord's own Message-IDs (a reply's In-Reply-To), else None."""
    match = _OWN_MESSAGE_ID.match(value.strip())
    if match is None or match.group(2).lower() != mail_domain():
        return None
    return int(match.group(1))
