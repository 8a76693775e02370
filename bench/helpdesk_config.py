"""The help desk bench's sizes, targets and settings (bench/helpdesk.py). `main` sets the
settings from the command line (CLIENT, SERVER, WORKER_CLASS, THREADS, CONCURRENCY,
ACCESS_LOG): the other modules read them as `config.NAME`, when they run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRIPT = Path(__file__).resolve().parent / "helpdesk.py"  # the entry point, also its children
RESULTS = ROOT / "var" / "bench-helpdesk.json"
QUICK_RESULTS = ROOT / "var" / "bench-helpdesk-quick.json"

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
# BENCH_POSTGRES_DB: another name, so that runs beside each other do not drop each other's.
POSTGRES_DB = os.environ.get("BENCH_POSTGRES_DB", "accord_bench")

SEED = 20260311
WORKERS = 2
SERVER = "gunicorn"  # --server: gunicorn or granian, WORKERS processes either way
WORKER_CLASS = "sync"  # --worker-class (gunicorn); gthread with THREADS threads per worker
THREADS = 1  # gunicorn's gthread threads, or granian's blocking threads, per worker
ACCESS_LOG = True  # --no-access-log: the server writes none (and "in Django" is not known)
CLIENT = "raw"  # --client: the raw asyncio generator, or httpx (the earlier one)
CONCURRENCY = 16
OPEN_LOOP_MAX_IN_FLIGHT = 64
WARMUP_REQUESTS = 100
REQUESTS = 3_000
RUN_LIMIT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 10.0

QUEUE_TICKETS = 5_000
QUEUE_WARMUP = 3
QUEUE_RUNS = 20
QUEUE_ORGANISATIONS = 5

TARGET_RPS = 200.0
TARGET_P99_MS = 100.0
TARGET_QUEUE_MS = 200.0
