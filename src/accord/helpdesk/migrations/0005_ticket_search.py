"""The full-text index of tickets and comments on SQLite (FTS5, kept in step by triggers).
PostgreSQL needs no table: it matches tsvectors at query time (accord.helpdesk.search)."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE helpdesk_search USING fts5("
    "ticket_id UNINDEXED, comment_id UNINDEXED, source UNINDEXED, body, tokenize='unicode61')",
    "CREATE TRIGGER helpdesk_search_ticket_added AFTER INSERT ON helpdesk_ticket BEGIN "
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "VALUES (new.id, NULL, 't', new.summary || ' ' || new.description); END",
    "CREATE TRIGGER helpdesk_search_ticket_changed AFTER UPDATE OF summary, description "
    "ON helpdesk_ticket BEGIN "
    "DELETE FROM helpdesk_search WHERE ticket_id = old.id AND source = 't'; "
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "VALUES (new.id, NULL, 't', new.summary || ' ' || new.description); END",
    "CREATE TRIGGER helpdesk_search_ticket_removed AFTER DELETE ON helpdesk_ticket BEGIN "
    "DELETE FROM helpdesk_search WHERE ticket_id = old.id; END",
    "CREATE TRIGGER helpdesk_search_comment_added AFTER INSERT ON helpdesk_comment BEGIN "
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "VALUES (new.ticket_id, new.id, CASE WHEN new.internal THEN 'i' ELSE 'c' END, new.body); END",
    "CREATE TRIGGER helpdesk_search_comment_changed AFTER UPDATE OF body, internal "
    "ON helpdesk_comment BEGIN "
    "DELETE FROM helpdesk_search WHERE comment_id = old.id; "
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "VALUES (new.ticket_id, new.id, CASE WHEN new.internal THEN 'i' ELSE 'c' END, new.body); END",
    "CREATE TRIGGER helpdesk_search_comment_removed AFTER DELETE ON helpdesk_comment BEGIN "
    "DELETE FROM helpdesk_search WHERE comment_id = old.id; END",
    # What is there already.
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "SELECT id, NULL, 't', summary || ' ' || description FROM helpdesk_ticket",
    "INSERT INTO helpdesk_search (ticket_id, comment_id, source, body) "
    "SELECT ticket_id, id, CASE WHEN internal THEN 'i' ELSE 'c' END, body FROM helpdesk_comment",
]
SQLITE_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS helpdesk_search_{name}"
        for name in (
            "ticket_added",
            "ticket_changed",
            "ticket_removed",
            "comment_added",
            "comment_changed",
            "comment_removed",
        )
    ),
    "DROP TABLE IF EXISTS helpdesk_search",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0004_ticket_assignment")]

    operations = [migrations.RunPython(forward, backward)]
