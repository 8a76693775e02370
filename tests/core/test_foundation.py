"""The foundation a user notices first: migrations, /healthz, SQLite WAL, the CLI, settings."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

# --- database -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_migration_is_applied_and_none_is_missing() -> None:
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    out = io.StringIO()
    # Exits with status 1 (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_healthz_reports_ok_and_the_database_vendor(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": connection.vendor}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_rejects_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_sqlite_database_runs_in_wal_mode(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(f"WAL is a SQLite setting; this run uses {connection.vendor}")
    # The test database is in memory, where WAL does not apply, so open a file database
    # with exactly the settings of the default alias.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "wal.sqlite3")}
    probe = DatabaseWrapper(settings_dict, alias="wal_probe")
    try:
        with probe.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
        assert probe.transaction_mode == "IMMEDIATE"
    finally:
        probe.close()


# --- the accord command -------------------------------------------------------------------


def test_accord_help_lists_django_and_accord_commands(run_accord) -> None:
    result = run_accord("--help")
    assert result.returncode == 0, result.stderr
    assert "accord help <subcommand>" in result.stdout
    assert "migrate" in result.stdout
    assert "demo" in result.stdout  # Accord's own command, from accord.core


def test_accord_migrate_creates_a_wal_sqlite_database_and_check_passes(
    run_accord, tmp_path: Path
) -> None:
    migrate = run_accord("migrate", "--no-input")
    assert migrate.returncode == 0, migrate.stderr
    database = tmp_path / "accord-data" / "accord.sqlite3"
    with sqlite3.connect(database) as db:  # journal_mode=WAL is stored in the file
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    check = run_accord("check")
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout


def test_accord_refuses_to_start_without_a_secret_key(run_accord) -> None:
    result = run_accord(
        "check",
        env={"ACCORD_DEBUG": "0", "ACCORD_SECRET_KEY": None, "ACCORD_SECRET_KEY_FILE": None},
    )
    assert result.returncode == 2
    assert "ACCORD_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


# --- settings -----------------------------------------------------------------------------


# load_settings: tests/core/conftest.py


def test_settings_refuse_to_load_without_a_secret_when_debug_is_off(load_settings) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_SECRET_KEY is not set"):
        load_settings()


def test_settings_read_the_secret_from_a_file(load_settings, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-from-file\n")
    module = load_settings(ACCORD_SECRET_KEY_FILE=str(secret_file))
    assert module.SECRET_KEY == "s3cret-from-file"
    assert module.DEBUG is False


def test_settings_refuse_an_ambiguous_or_unreadable_secret(load_settings, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_settings(ACCORD_SECRET_KEY_FILE=str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="only one of"):
        load_settings(ACCORD_SECRET_KEY="x", ACCORD_SECRET_KEY_FILE=str(tmp_path / "missing"))


def test_debug_gives_a_development_key_that_deploy_checks_flag(load_settings) -> None:
    module = load_settings(ACCORD_DEBUG="1")
    assert module.DEBUG is True
    assert module.SECRET_KEY.startswith("django-insecure-")


def test_a_malformed_variable_is_named_in_the_error(load_settings) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_DEBUG='maybe' is not a boolean"):
        load_settings(ACCORD_DEBUG="maybe")
    with pytest.raises(ImproperlyConfigured, match="ACCORD_DB_CONN_MAX_AGE='soon'"):
        load_settings(
            ACCORD_SECRET_KEY="x",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/accord",
            ACCORD_DB_CONN_MAX_AGE="soon",
        )


def test_database_url_selects_postgresql_and_default_is_wal_sqlite(
    load_settings, tmp_path: Path
) -> None:
    default = load_settings(ACCORD_SECRET_KEY="x").DATABASES["default"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(tmp_path / "data" / "accord.sqlite3")
    assert "journal_mode=WAL" in default["OPTIONS"]["init_command"]
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

    pg = load_settings(
        ACCORD_SECRET_KEY="x", DATABASE_URL="postgres://postgres@db.example:5432/accord"
    ).DATABASES["default"]
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["HOST"], pg["PORT"], pg["NAME"], pg["USER"]) == (
        "db.example",
        5432,
        "accord",
        "postgres",
    )
    assert "init_command" not in pg.get("OPTIONS", {})


def test_installed_apps_include_accord_core() -> None:
    assert "accord.core" in settings.INSTALLED_APPS


# --- behind a proxy, over HTTPS -------------------------------------------------------------


def test_an_https_base_url_makes_accord_https_only(load_settings) -> None:
    plain = load_settings(ACCORD_SECRET_KEY="x")
    assert not getattr(plain, "SESSION_COOKIE_SECURE", False)
    assert not getattr(plain, "SECURE_SSL_REDIRECT", False)

    https = load_settings(ACCORD_SECRET_KEY="x", ACCORD_BASE_URL="https://sla.example.com")
    assert https.SESSION_COOKIE_SECURE and https.CSRF_COOKIE_SECURE
    assert https.SECURE_SSL_REDIRECT and https.SECURE_HSTS_SECONDS == 86_400
    assert https.SECURE_REDIRECT_EXEMPT == [r"^healthz$"]
    # X-Forwarded-Proto is believed only from a trusted proxy: anyone can send it.
    assert not hasattr(https, "SECURE_PROXY_SSL_HEADER")
    proxied = load_settings(
        ACCORD_SECRET_KEY="x", ACCORD_BASE_URL="https://sla.example.com", ACCORD_TRUSTED_PROXIES="1"
    )
    assert proxied.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_proxy_and_base_url_mistakes_are_named(load_settings) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_BASE_URL='sla.example.com'"):
        load_settings(ACCORD_SECRET_KEY="x", ACCORD_BASE_URL="sla.example.com")
    with pytest.raises(ImproperlyConfigured, match="ACCORD_TRUSTED_PROXIES: must be 0 or more"):
        load_settings(ACCORD_SECRET_KEY="x", ACCORD_TRUSTED_PROXIES="-1")
    with pytest.raises(ImproperlyConfigured, match="ACCORD_TRUSTED_PROXIES='one'"):
        load_settings(ACCORD_SECRET_KEY="x", ACCORD_TRUSTED_PROXIES="one")


def test_a_production_configuration_passes_djangos_deploy_checks(run_accord) -> None:
    """docs/deployment.md's production settings: `accord check --deploy` finds nothing but the
    two HSTS choices left to the vendor, and nothing once they are made."""
    production = {
        "ACCORD_DEBUG": "0",
        "ACCORD_SECRET_KEY": "k" * 20 + "-Accord-deploy-check-" + "z" * 30,
        "ACCORD_ALLOWED_HOSTS": "sla.example.com",
        "ACCORD_BASE_URL": "https://sla.example.com",
        "ACCORD_TRUSTED_PROXIES": "1",
    }
    result = run_accord("check", "--deploy", env=production)
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r"\(security\.(W\d+)\)", result.stderr)) == {"W005", "W021"}

    decided = production | {"ACCORD_HSTS_INCLUDE_SUBDOMAINS": "1", "ACCORD_HSTS_PRELOAD": "1"}
    result = run_accord("check", "--deploy", "--fail-level", "WARNING", env=decided)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
