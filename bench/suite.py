"""The measurements behind `make bench` (see docs/performance.md for what they mean).

1. The engine against businesstimedelta and pandas for `elapsed` and `add` on the same random
   cases; every disagreement is settled by the naive reference (bench/reference.py), which
   also checks every engine answer on the peers' cases.
2. The throughput targets: 1,000,000 `elapsed_epoch` and `add_epoch` on one core.
3. A month of uptime for 10,000 module-regions x 200 outages, `uptime_batch` against a plain
   Python merge; the results must agree exactly.

Everything is seeded: two runs measure the same cases. Figures go to the terminal (rich) and
to var/bench-results.json.

This file runs the parts in turn and writes the figures; beside it: suite_cases.py (sizes,
targets, timers, the calendar, the random cases), suite_judge.py (verdicts and reference
checks), suite_calendars.py (parts 1, 1b and 2), suite_uptime.py (part 3) and suite_report.py
(the tables).
"""

from __future__ import annotations

import json
import sys
import time as clock

import host
import numpy as np
import suite_cases as cases
from rich.console import Console
from suite_calendars import part_one, part_one_night, part_two
from suite_cases import QUICK_RESULTS, RESULTS, SEED, CaseMaker, us_holidays
from suite_report import print_report
from suite_uptime import part_three


def run(pinning: str, quick: bool = False) -> int:
    if quick:
        cases.scale_down()
    console = Console(width=None if sys.stdout.isatty() else 150)
    began = clock.perf_counter()
    rng = np.random.default_rng(SEED)
    closed = us_holidays()
    maker = CaseMaker(rng)
    env = host.describe(pinning, ["numpy", "pandas", "businesstimedelta", "pytz", "holidays"])

    comparisons, one = part_one(console, closed, maker)
    btd_elapsed = next(
        c for c in comparisons if c.peer == "businesstimedelta" and c.operation == "elapsed"
    )
    two = part_two(console, closed, maker, btd_elapsed.peer_seconds / btd_elapsed.cases)
    three = part_three(console, rng)
    night = part_one_night(console, maker)  # last, so parts 1-3 draw the same cases as before
    print_report(console, env, comparisons, one, two, three, night)

    total = clock.perf_counter() - began
    host.finish(env)
    console.print(
        host.summary(env) + " A load average above 1 means other jobs shared the machine, and"
        " wall-clock figures are pessimistic."
    )
    path = QUICK_RESULTS if quick else RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "quick": quick,
        "machine": env,
        "seed": SEED,
        "total_seconds": total,
        "peers": [vars(c) for c in comparisons],
        "part1": one,
        "throughput": two,
        "uptime": three,
        "night_calendar": night,
    }
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    console.print(f"\nFigures written to {path}; whole run {total:.0f} s.")
    if quick:
        console.print("[yellow]--quick: a tenth of every size; targets do not apply.[/]")
    failed = not three["agree_exactly"] or not three["engine_presorted_same_results"]
    check = one["reference_check"]
    failed = failed or check["elapsed_wrong"] > 0 or check["add_wrong"] > 0
    failed = failed or night["engine_wrong_vs_reference"] > 0
    if failed:
        console.print("[red]The engine disagreed with a reference: see above.[/]")
    return 1 if failed else 0
