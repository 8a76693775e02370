"""SQLite: an FTS5 index over the SLA's published versions, so the help centre's search finds
the SLA article like any other (issue 21). Versions are only ever added, so one trigger keeps
it; PostgreSQL builds to_tsvector(body) in the query, as for articles."""

from django.db import migrations

FTS = "helpcentre_slaversion_fts"
CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='helpcentre_slaversion', "
    "content_rowid='id', tokenize='porter unicode61')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON helpcentre_slaversion BEGIN "
    f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON helpcentre_slaversion BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
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
    dependencies = [("helpcentre", "0005_starter_articles")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
