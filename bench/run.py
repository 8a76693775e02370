"""`make bench`: the engine measured against its peers and its targets (docs/performance.md).

The process is pinned to one core and BLAS/OpenMP pools to one thread before NumPy is
imported; then bench/suite.py runs every measurement and prints the tables. `--quick` runs a
tenth of every size, to try the script out (its figures are not the ones to report).
Then bench/helpdesk.py, in a child process on every core, measures the help desk (ticket
creation through the API on SQLite and PostgreSQL, the agent queue).
"""

from __future__ import annotations

import os
import subprocess
import sys

SINGLE_THREAD = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_to_one_core() -> str:
    for name in SINGLE_THREAD:
        os.environ[name] = "1"
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    os.sched_setaffinity(0, {0})
    return f"pinned to CPU {sorted(os.sched_getaffinity(0))}"


def main() -> int:
    pinning = pin_to_one_core()
    # NumPy, pandas and the engine are imported only now, after the pinning above.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from suite import run

    quick = "--quick" in sys.argv[1:]
    engine = run(pinning, quick=quick)
    sys.stdout.flush()
    helpdesk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpdesk.py")
    desk = subprocess.run([sys.executable, helpdesk, *(["--quick"] if quick else [])], check=False)
    return engine or desk.returncode


if __name__ == "__main__":
    sys.exit(main())
