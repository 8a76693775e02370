"""PostgreSQL's connection pool is on by default, sized by ACCORD_DB_POOL_SIZE, and refuses
persistent connections with a message naming the variables (docs/deployment.md)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

PG = "postgres://postgres@db.example:5432/accord"


def test_postgresql_pools_connections_by_default(load_settings) -> None:
    db = load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG).DATABASES["default"]
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10}
    assert db["CONN_MAX_AGE"] == 0
    assert db["CONN_HEALTH_CHECKS"] is True  # Django then checks each pooled connection


def test_the_pool_size_and_timeout_can_be_set_and_the_pool_turned_off(load_settings) -> None:
    db = load_settings(
        ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_POOL_SIZE="8", ACCORD_DB_POOL_TIMEOUT="3"
    ).DATABASES["default"]
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 3}
    off = load_settings(
        ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_POOL="0", ACCORD_DB_CONN_MAX_AGE="60"
    ).DATABASES["default"]
    assert "pool" not in off["OPTIONS"] and off["CONN_MAX_AGE"] == 60


def test_sqlite_has_no_pool_and_keeps_its_connection(load_settings) -> None:
    db = load_settings(ACCORD_SECRET_KEY="x").DATABASES["default"]
    assert "pool" not in db["OPTIONS"]
    # A connection per request (and the WAL checkpoint as it closes) doubled a request's CPU.
    assert db["CONN_MAX_AGE"] == 600 and db["CONN_HEALTH_CHECKS"] is True
    per_request = load_settings(ACCORD_SECRET_KEY="x", ACCORD_DB_CONN_MAX_AGE="0")
    assert per_request.DATABASES["default"]["CONN_MAX_AGE"] == 0


def test_bad_pool_settings_are_named(load_settings) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_DB_POOL=0"):
        load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_CONN_MAX_AGE="60")
    with pytest.raises(ImproperlyConfigured, match="ACCORD_DB_POOL_SIZE=0"):
        load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_POOL_SIZE="0")
    with pytest.raises(ImproperlyConfigured, match="ACCORD_DB_POOL_TIMEOUT='soon'"):
        load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_POOL_TIMEOUT="soon")


def test_postgresql_prepares_the_hot_statements_unless_told_not_to(load_settings) -> None:
    db = load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG).DATABASES["default"]
    assert db["OPTIONS"]["prepare_threshold"] == 5  # accord.core.prepared binds on the server
    off = load_settings(ACCORD_SECRET_KEY="x", DATABASE_URL=PG, ACCORD_DB_PREPARE="0")
    assert "prepare_threshold" not in off.DATABASES["default"]["OPTIONS"]  # e.g. PgBouncer
    sqlite = load_settings(ACCORD_SECRET_KEY="x").DATABASES["default"]
    assert "prepare_threshold" not in sqlite["OPTIONS"]
