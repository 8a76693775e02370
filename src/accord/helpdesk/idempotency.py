"""Idempotency keys of ticket creation: a client that retries a create with the same key gets
the ticket of the first attempt, never a second ticket (docs/api.md, "Retries").

A key belongs to one person and names one request: its digest is the canonical JSON of the
request's body. The table's unique constraint on (user, key) decides two retries that race
past `earlier_use`: the second insert fails with an IntegrityError and rolls its transaction,
ticket and all, back. The API's `create_ticket` runs the protocol; this module holds its SQL.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from accord.accounts.models import User
from accord.core.prepared import Prepared, PreparedInsert
from accord.helpdesk.models import IdempotencyKey, Ticket

# Compiled once per process (accord.core.prepared): every create reads the key, and writes it.
_key_of = Prepared(
    lambda user_id, key: IdempotencyKey.objects.filter(user_id=user_id, key=key).order_by(),
    -1_000_000_001,
    "stand-in: key",
)
_insert_key = PreparedInsert(IdempotencyKey)


def request_digest(body: dict[str, Any]) -> str:
    """The request a key names: SHA-256 of its body as canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier_use(user: User, key: str) -> IdempotencyKey | None:
    """The earlier create this person made with this key, if any."""
    found = _key_of(user.pk, key)  # (user, key) is unique
    return found[0] if found else None


def remember(user: User, key: str, digest: str, ticket: Ticket) -> None:
    """Record the key with the ticket it opened, in the create's transaction (IntegrityError:
    a concurrent create with the same key was first)."""
    _insert_key.insert(IdempotencyKey(user=user, key=key, request_digest=digest, ticket=ticket))
