"""No migration breaks the version still serving while `accord migrate` runs, unless
deploy/migration-allowlist.toml says why (docs/deployment.md, "Safe migrations")."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from django.db import migrations, models

sys.path.insert(0, str(Path(__file__).parent))
from migration_safety import check_operation, findings  # noqa: E402

ALLOWLIST = Path(__file__).resolve().parents[2] / "deploy" / "migration-allowlist.toml"


def _allowed() -> dict[str, str]:
    return tomllib.loads(ALLOWLIST.read_text())["allowed"]


def test_every_unsafe_migration_operation_is_allow_listed_with_a_reason() -> None:
    allowed = _allowed()
    unlisted = [f"{f.key}  ({f.why})" for f in findings() if f.key not in allowed]
    assert not unlisted, (
        "migrations that break the version still serving; make it two deploys (add, then "
        "remove), give the column a db_default, or list it with a reason in "
        f"{ALLOWLIST.name}:\n" + "\n".join(unlisted)
    )


def test_the_allowlist_names_only_real_findings_each_with_a_reason() -> None:
    keys = {f.key for f in findings()}
    allowed = _allowed()
    assert not [key for key in allowed if key not in keys], "stale entries in the allow-list"
    assert all(len(reason.strip()) > 20 for reason in allowed.values())


def test_the_check_flags_drops_renames_and_not_null_columns_without_db_default() -> None:
    flagged = [
        migrations.RemoveField("ticket", "title"),
        migrations.RenameField("ticket", "title", "subject"),
        migrations.DeleteModel("Ticket"),
        migrations.RenameModel("Ticket", "Case"),
        migrations.AddField("ticket", "urgent", models.BooleanField(default=False)),
    ]
    for operation in flagged:
        assert check_operation("helpdesk", set(), operation), operation
    safe = [
        migrations.AddField("ticket", "urgent", models.BooleanField(db_default=False)),
        migrations.AddField("ticket", "note", models.TextField(null=True)),
        # A column of a table made in the same migration: the old version does not know it.
        migrations.AddField("case", "urgent", models.BooleanField(default=False)),
    ]
    for operation in safe:
        assert check_operation("helpdesk", {"case"}, operation) is None, operation


def test_severity_disputed_has_a_database_default_for_the_old_version() -> None:
    from accord.helpdesk.models import Ticket

    assert Ticket._meta.get_field("severity_disputed").db_default is False
