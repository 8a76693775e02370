"""Return-to-service clocks: `clocks.evaluate_many` over 5,000 tickets in one call, and the
same tickets one call each (as a single API create reads its clock), on one core.

The tickets are seeded: reported at random over 30 days of March 2026 (DST begins on the 8th)
on office hours in Pacific time (24x7 for Severity 1), targets of 4 and 12 hours and 2 and 7
support days, four in five restored within three days. Best of 3 runs of each.

    .venv/bin/python bench/clocks.py [--module PATH]

`--module` times another copy of `accord/engine/clocks.py` (e.g. one from an older commit,
`git show 00dcbc7:src/accord/engine/clocks.py > /tmp/old.py`) against the same tickets.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import host

from accord.engine import clocks as engine_clocks
from accord.engine.calendar import Duration, SupportCalendar

TICKETS = 5_000
ONE_BY_ONE = 1_000
REPEATS = 3
START = 1_772_870_400  # Saturday 7 March 2026 08:00 UTC


def load(path: str | None) -> ModuleType:
    if path is None:
        return engine_clocks
    spec = importlib.util.spec_from_file_location("clocks_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def best(action: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", help="another copy of clocks.py to time")
    clocks = load(parser.parse_args().module)
    office = SupportCalendar.from_dict(
        {
            "timezone": "America/Los_Angeles",
            "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    always = SupportCalendar.twenty_four_seven("America/Los_Angeles")
    targets = {
        1: Duration(seconds=4 * 3600),
        2: Duration(seconds=12 * 3600),
        3: Duration(days=2),
        4: Duration(days=7),
    }
    rules = clocks.ClockRules(
        targets=targets, calendars={1: always, 2: office, 3: office, 4: office}
    )
    rng = random.Random(20261127)
    tickets = []
    for _ in range(TICKETS):
        at = START + rng.randrange(30 * 86_400)
        events = [clocks.ClockEvent(clocks.EventKind.REPORTED, at, rng.choice([1, 2, 3, 4]))]
        if rng.random() < 0.8:
            restored = at + rng.randrange(3 * 86_400)
            events.append(clocks.ClockEvent(clocks.EventKind.RESTORED, restored))
        tickets.append(events)
    now = START + 31 * 86_400
    clocks.evaluate_many(tickets[:10], rules, now)  # warm-up: compiles the calendars
    batch = best(lambda: clocks.evaluate_many(tickets, rules, now))
    alone = best(lambda: [clocks.evaluate_many([t], rules, now) for t in tickets[:ONE_BY_ONE]])
    print(
        f"{clocks.__file__}\n"
        f"  {TICKETS:,} tickets in one call: {batch * 1000:.0f} ms, "
        f"{batch / TICKETS * 1e6:.0f} µs a ticket\n"
        f"  one ticket a call ({ONE_BY_ONE:,} calls): {alone / ONE_BY_ONE * 1e6:.0f} µs a ticket\n"
        f"  speed index of this machine {host.speed_index_ms():.1f} ms (bench/host.py)"
    )


if __name__ == "__main__":
    main()
