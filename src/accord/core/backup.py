"""`accord backup` and `accord restore` (docs/deployment.md, "Backup and restore").

PostgreSQL through its own tools (`pg_dump -Fc`, `pg_restore`), which must be on PATH and of
the server's major version or newer; SQLite through its online backup API, which copies a
consistent snapshot while the application writes. A restore goes only into an empty
database, so it never mixes a backup with rows already there. Attachments (ACCORD_MEDIA_ROOT)
are files, not rows: back that directory up beside the database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def _database(alias: str) -> dict[str, Any]:
    return connections[alias].settings_dict


def _vendor(alias: str) -> str:
    return connections[alias].vendor


def backup(target: Path, alias: str = "default") -> None:
    if target.exists():
        raise BackupError(f"{target}: already exists; name a new file")
    if _vendor(alias) == "postgresql":
        _pg("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], alias)
    elif _vendor(alias) == "sqlite":
        source = sqlite3.connect(_database(alias)["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError(f"no backup for the {_vendor(alias)} database")


def restore(source: Path, alias: str = "default") -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    tables = connections[alias].introspection.table_names()
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables): restore only into an empty "
            "database (create a new one, or drop this one's tables first)"
        )
    connections[alias].close()
    if _vendor(alias) == "postgresql":
        _pg(
            "pg_restore",
            ["--no-owner", "--exit-on-error", "--single-transaction", str(source)],
            alias,
        )
    elif _vendor(alias) == "sqlite":
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if backup_file.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{source}: not an intact SQLite database")
            target = sqlite3.connect(_database(alias)["NAME"])
            try:
                backup_file.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source}: not a SQLite backup ({error})") from error
        finally:
            backup_file.close()
    else:
        raise BackupError(f"no restore for the {_vendor(alias)} database")


def _pg(tool: str, arguments: list[str], alias: str = "default") -> None:
    db = _database(alias)
    # The password goes through the environment, never the command line (ps shows that).
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    try:
        done = subprocess.run(
            [tool, f"--dbname={db['NAME']}", *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise BackupError(f"{tool} is not installed (PostgreSQL's client tools)") from error
    if done.returncode:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")
