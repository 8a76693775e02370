"""`make bench`: the engine measured against its peers and its targets (docs/performance.md).

The process is pinned to one core and BLAS/OpenMP pools to one thread before NumPy is
imported; then bench/suite.py runs every measurement and prints the tables. `--quick` runs a
tenth of every size, to try the script out (its figures are not the ones to report).
"""

from __future__ import annotations

import os
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

    return run(pinning, quick="--quick" in sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
