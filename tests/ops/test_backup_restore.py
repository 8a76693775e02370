"""`accord backup` of a seeded database, `accord restore` into an empty one: the month's SLA
report is the same, hash for hash (docs/deployment.md, "Backup and restore")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Seeds the demo (when asked), then prints the content hash of each customer's March report,
# built at one fixed instant so that both databases are asked the same question.
SCRIPT = """
import sys
from datetime import UTC, datetime
import django
django.setup()
from accord.accounts.models import Organisation
from accord.reports.build import build_report
from accord.reports.services import content_hash
now = datetime(2026, 4, 10, 12, tzinfo=UTC)
if sys.argv[1] == "seed":
    from accord.demo import data
    data.seed(now, tickets_per_customer=4, history=False)
for org in Organisation.objects.filter(contract__isnull=False).order_by("slug"):
    print(org.slug, content_hash(build_report(org, "2026-03", now=now)))
"""


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _env(database: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.pop("DATABASE_URL", None)
    env.update(
        database, ACCORD_DEBUG="1", PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="accord.settings"
    )
    return env


def _postgres_pair() -> tuple[dict[str, str], dict[str, str]]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("PostgreSQL: set DATABASE_URL to a postgres:// URL")
    server, name = url.rsplit("/", 1)
    pair = []
    for suffix in ("_backup_from", "_backup_into"):
        db = f"{name}{suffix}"
        admin = f"{server}/postgres"
        for sql in (f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}"):
            subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
        pair.append({"DATABASE_URL": f"{server}/{db}"})
    return pair[0], pair[1]


@pytest.mark.slow
# The PostgreSQL case is marked django_db so that `make test-postgres` (which selects those
# tests, with DATABASE_URL set) runs it; the SQLite run skips it, naming why.
@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.django_db)]
)
def test_a_restored_backup_gives_the_same_report_hashes(kind: str, tmp_path: Path) -> None:
    if kind == "sqlite":
        origin = {"ACCORD_DATA_DIR": str(tmp_path / "from")}
        empty = {"ACCORD_DATA_DIR": str(tmp_path / "into")}
    else:
        origin, empty = _postgres_pair()
    origin_env, empty_env = _env(origin), _env(empty)
    _run(origin_env, "-m", "accord", "migrate", "--no-input", "-v0")
    before = _run(origin_env, "-c", SCRIPT, "seed")
    assert len(before.splitlines()) >= 2  # the demo's customers, each with a hash

    backup = tmp_path / "accord.backup"
    _run(origin_env, "-m", "accord", "backup", str(backup))
    # A backup goes only into an empty database: never over one that holds rows.
    refused = subprocess.run(
        [sys.executable, "-m", "accord", "restore", str(backup)],
        env=origin_env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "not empty" in refused.stderr

    _run(empty_env, "-m", "accord", "restore", str(backup))
    _run(empty_env, "-m", "accord", "migrate", "--no-input", "-v0")  # nothing left to apply
    assert _run(empty_env, "-c", SCRIPT, "read") == before
