"""PostgreSQL's connection pool, on by default (docs/deployment.md, "Connection pool").

Opening a PostgreSQL connection costs several milliseconds of both processes' CPU; a request
that opens and closes its own connection pays it every time. Django 5.2 keeps a psycopg pool
per process (`OPTIONS["pool"]`): a request borrows a connection and gives it back when it ends.
Each process holds its own pool, so PostgreSQL sees at most processes x ACCORD_DB_POOL_SIZE
connections. Read by settings.py, so it imports nothing of Accord's apps (only Django's
exception and accord.env).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from accord.env import env_bool, env_int

# A gunicorn sync worker (one thread) needs one connection; `accord worker` two (its job loop
# and the probe thread's database executor); four leave room for gthread's `--threads 4`.
DEFAULT_POOL_SIZE = 4
DEFAULT_POOL_TIMEOUT = 10


def db_pool_options(conn_max_age: int) -> dict[str, Any]:
    """The OPTIONS entries for the PostgreSQL backend: `{"pool": {...}}`, or none when
    ACCORD_DB_POOL=0 (then ACCORD_DB_CONN_MAX_AGE decides, as before)."""
    if not env_bool("ACCORD_DB_POOL", True):
        return {}
    if conn_max_age:
        # Django refuses persistent connections with a pool; say which variable to change.
        raise ImproperlyConfigured(
            f"ACCORD_DB_CONN_MAX_AGE={conn_max_age} with the PostgreSQL connection pool: "
            "leave ACCORD_DB_CONN_MAX_AGE at 0 (the pool keeps the connections), or set "
            "ACCORD_DB_POOL=0 to use persistent connections instead"
        )
    size = env_int("ACCORD_DB_POOL_SIZE", DEFAULT_POOL_SIZE)
    if size < 1:
        raise ImproperlyConfigured(f"ACCORD_DB_POOL_SIZE={size}: must be at least 1")
    timeout = env_int("ACCORD_DB_POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT)
    if timeout < 1:
        raise ImproperlyConfigured(f"ACCORD_DB_POOL_TIMEOUT={timeout}: must be at least 1 (s)")
    # Django checks each connection before handing it out (CONN_HEALTH_CHECKS, set by the
    # settings): one the server dropped (a restart, a failover) is replaced, not used.
    return {
        "pool": {
            # One connection opened at start, more (up to `size`) as threads ask for them.
            "min_size": 1,
            "max_size": size,
            # How long a request waits for a free connection before failing.
            "timeout": timeout,
        }
    }
