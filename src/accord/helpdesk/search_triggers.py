"""The SQLite triggers that keep the full-text table `helpdesk_search` in step with tickets
(migration 0005 made the table and the triggers).

SQLite cannot add most columns in place: Django's migrations rebuild `helpdesk_ticket` (a
new table, the rows copied, the old one dropped), and the old table's triggers go with it.
So every migration that changes the ticket table ends with `RunPython(restore_ticket_triggers)`
(tests/helpdesk/test_search.py fails when search stops finding new tickets).
"""

from __future__ import annotations

from typing import Any

_ROW = "VALUES (new.id, NULL, 't', new.summary || ' ' || new.description)"
_INSERT = "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
TICKET_TRIGGERS = {
    "helpdesk_search_ticket_added": (f"AFTER INSERT ON helpdesk_ticket BEGIN {_INSERT}{_ROW}; END"),
    "helpdesk_search_ticket_changed": (
        "AFTER UPDATE OF summary, description ON helpdesk_ticket BEGIN "
        "DELETE FROM helpdesk_search WHERE ticket_id = old.id AND source = 't'; "
        f"{_INSERT}{_ROW}; END"
    ),
    "helpdesk_search_ticket_removed": (
        "AFTER DELETE ON helpdesk_ticket BEGIN "
        "DELETE FROM helpdesk_search WHERE ticket_id = old.id; END"
    ),
}


def restore_ticket_triggers(apps: Any, schema_editor: Any) -> None:
    """Re-create the ticket table's search triggers on SQLite (PostgreSQL has none)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, body in TICKET_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"CREATE TRIGGER {name} {body}")
