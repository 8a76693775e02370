"""Check that the PostgreSQL server named by DATABASE_URL answers; create its database if absent.

Used by `make test-postgres` (ACCORD_TEST_POSTGRES=1 make test) so that an unreachable server is
a loud failure with a hint, not a pile of test errors. Exit status 0 when ready, 1 otherwise.
"""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("check_postgres: DATABASE_URL is not set", file=sys.stderr)
        return 1
    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        print(f"check_postgres: DATABASE_URL is not a PostgreSQL URL: {url}", file=sys.stderr)
        return 1
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    where = f"{params['host'] or 'local socket'}:{params['port'] or 5432}"
    try:
        # The maintenance database always exists; the test database is created from it.
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            name = cfg["NAME"]
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"check_postgres: created database {name!r}")
    except psycopg.Error as exc:
        print(
            f"check_postgres: PostgreSQL at {where} is unreachable: {exc}\n"
            "Start it (on the dev machines: pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start) or run without ACCORD_TEST_POSTGRES=1.",
            file=sys.stderr,
        )
        return 1
    print(f"check_postgres: PostgreSQL at {where} is ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
