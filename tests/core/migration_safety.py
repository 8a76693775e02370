"""What tests/core/test_migration_safety.py checks: operations that break the version still
serving while `accord migrate` runs (docs/deployment.md, "Safe migrations").

During a deploy the old code keeps serving against the migrated schema. It breaks when a
column or table it reads is dropped or renamed, when a column becomes NOT NULL with no
default in the database, or when a NOT NULL column is added with no database default (the
old code's INSERTs leave it out: a NOT NULL violation on PostgreSQL). Such a change takes two
deploys (add, then remove once no running version uses it); one that cannot goes into
deploy/migration-allowlist.toml with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState


@dataclass(frozen=True)
class Finding:
    migration: str  # "app_label.0006_name"
    operation: str  # "AddField helpdesk.ticket.severity_disputed"
    why: str

    @property
    def key(self) -> str:
        return f"{self.migration}: {self.operation}"


def _not_null_without_db_default(field: models.Field) -> bool:
    return not field.null and field.db_default is models.NOT_PROVIDED and not field.primary_key


def check_operation(
    app: str, created: set[str], operation: object, before: ProjectState | None = None
) -> str | None:
    """Why `operation` (in an app whose models `created` were made in the same migration;
    `before`: the state the migration starts from) is unsafe while the old version serves,
    or None."""
    if isinstance(operation, migrations.RemoveField):
        return "drops a column the old version still reads"
    if isinstance(operation, migrations.RenameField):
        return "renames a column the old version still reads"
    if isinstance(operation, migrations.DeleteModel):
        return "drops a table the old version still uses"
    if isinstance(operation, migrations.RenameModel):
        return "renames a table the old version still uses"
    if isinstance(operation, migrations.AlterField):
        if before is None:
            return None
        old = before.models[app, operation.model_name_lower].fields.get(operation.name)
        if old is not None and old.null and _not_null_without_db_default(operation.field):
            return "makes a column NOT NULL with no db_default: the old version writes NULL"
        return None
    if isinstance(operation, migrations.AddField):
        if operation.model_name_lower in created:
            return None  # a table the old version does not know
        if _not_null_without_db_default(operation.field) and not operation.field.many_to_many:
            return "adds a NOT NULL column with no db_default: the old version's INSERTs fail"
    return None


def findings() -> list[Finding]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    found = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if not app.startswith(tuple(_ACCORD_APPS)):
            continue
        created = {
            op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)
        }
        before = None
        if any(isinstance(op, migrations.AlterField) for op in migration.operations):
            before = loader.project_state((app, name), at_end=False)
        for operation in migration.operations:
            why = check_operation(app, created, operation, before)
            if why:
                found.append(Finding(f"{app}.{name}", _describe(app, operation), why))
    return found


def _describe(app: str, operation: object) -> str:
    model = getattr(operation, "model_name", None) or getattr(operation, "old_name", "")
    field = getattr(operation, "name", None) or getattr(operation, "old_name", "")
    kind = type(operation).__name__
    if isinstance(operation, migrations.RenameModel | migrations.DeleteModel):
        return f"{kind} {app}.{(getattr(operation, 'old_name', None) or operation.name).lower()}"
    return f"{kind} {app}.{str(model).lower()}.{field}"


def _apps() -> list[str]:
    from django.conf import settings

    return [name.rsplit(".", 1)[-1] for name in settings.ACCORD_APPS]


class _Lazy(list[str]):
    def __iter__(self):  # type: ignore[override]
        return iter(_apps())


_ACCORD_APPS = _Lazy()
