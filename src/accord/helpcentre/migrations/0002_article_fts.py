"""SQLite: an FTS5 index over articles' title and body, kept by triggers.

PostgreSQL needs no table: `accord.helpcentre.search` builds to_tsvector(title || body) in
the query. Other databases get nothing and the search falls back to icontains.
"""

from django.db import migrations

FTS = "helpcentre_article_fts"
CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, body, content='helpcentre_article', "
    "content_rowid='id', tokenize='porter unicode61')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON helpcentre_article BEGIN "
    f"INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON helpcentre_article BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON helpcentre_article BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    f"INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(statements: list[str]):  # noqa: ANN202
    def run(apps, schema_editor):  # noqa: ANN001, ANN202
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("helpcentre", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
