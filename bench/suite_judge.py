"""The engine suite's verdicts: who is right when the engine and a peer differ (the naive
reference decides), the reference checks, and the peers' cost by span."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import suite_cases as cases
from numpy.typing import NDArray
from reference import MinuteStepper, NaiveCalendar
from suite_cases import CLOSING_CONVENTION, EXAMPLES, TIMEZONE, CaseMaker, Ints


@dataclass
class Comparison:
    operation: str
    peer: str
    cases: int
    peer_seconds: float
    engine_seconds: float  # for the same number of cases, array API
    disagreements: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)


def local_text(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, ZoneInfo(TIMEZONE))
    return moment.strftime("%Y-%m-%d %a %H:%M:%S %Z")


def judge_elapsed(
    reference: NaiveCalendar, starts: Ints, ends: Ints, engine: Ints, peer: Sequence[int]
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    verdicts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    differing = np.flatnonzero(engine != np.asarray(peer, dtype=np.int64))
    for index in differing.tolist():
        start, end = int(starts[index]), int(ends[index])
        truth = reference.elapsed(start, end)
        ours, theirs = int(engine[index]), int(peer[index])
        verdict = "engine" if ours == truth else "peer" if theirs == truth else "neither"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if len(examples) < EXAMPLES:
            examples.append(
                {
                    "start": local_text(start),
                    "end": local_text(end),
                    "engine": ours,
                    "peer": theirs,
                    "reference": truth,
                    "right": verdict,
                }
            )
    return int(differing.size), verdicts, examples


def judge_add(
    reference: NaiveCalendar, starts: Ints, seconds: Ints, engine: Ints, peer: Sequence[int]
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    """Right = the last instant at which the support time since the start is still within the
    duration (docs/calc.md, convention 2), checked with the reference's `elapsed`."""
    verdicts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    differing = np.flatnonzero(engine != np.asarray(peer, dtype=np.int64))
    for index in differing.tolist():
        start, amount = int(starts[index]), int(seconds[index])
        ours, theirs = int(engine[index]), int(peer[index])
        engine_right = reference.is_last_within(start, amount, ours)
        peer_right = reference.is_last_within(start, amount, theirs)
        if engine_right and not peer_right:
            verdict = "engine"
            if reference.is_first_reaching(start, amount, theirs):
                verdict = CLOSING_CONVENTION
        elif peer_right and not engine_right:
            verdict = "peer"
        else:
            verdict = "neither"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if len(examples) < EXAMPLES:
            examples.append(
                {
                    "start": local_text(start),
                    "duration_seconds": amount,
                    "engine": local_text(ours),
                    "peer": local_text(theirs),
                    "right": verdict,
                }
            )
    return int(differing.size), verdicts, examples


def reference_check(
    reference: NaiveCalendar,
    starts: Ints,
    ends: Ints,
    add_starts: Ints,
    add_seconds: Sequence[Ints],
    engine_elapsed: Ints,
    engine_adds: Sequence[Ints],
) -> dict[str, Any]:
    """Every engine answer on the peers' cases against the naive reference."""
    wrong_elapsed = [
        index
        for index in range(starts.size)
        if reference.elapsed(int(starts[index]), int(ends[index])) != int(engine_elapsed[index])
    ]
    wrong_add = []
    for seconds, answers in zip(add_seconds, engine_adds, strict=True):
        for index in range(add_starts.size):
            if reference.add(int(add_starts[index]), int(seconds[index])) != int(answers[index]):
                wrong_add.append(index)
    return {
        "elapsed_cases": int(starts.size),
        "elapsed_wrong": len(wrong_elapsed),
        "add_cases": int(add_starts.size) * len(add_seconds),
        "add_wrong": len(wrong_add),
        "elapsed_wrong_examples": [
            {
                "start": local_text(int(starts[i])),
                "end": local_text(int(ends[i])),
                "engine": int(engine_elapsed[i]),
                "reference": reference.elapsed(int(starts[i]), int(ends[i])),
            }
            for i in wrong_elapsed[:EXAMPLES]
        ],
        "add_wrong_indexes": wrong_add[:EXAMPLES],
    }


def minute_self_check(reference: NaiveCalendar, maker: CaseMaker) -> dict[str, int]:
    """The day-by-day reference against the minute stepper on short minute-aligned spans
    around DST changes, holidays and boundaries."""
    stepper = MinuteStepper(reference)
    rng = maker.rng
    starts = maker.boundary(cases.N_MINUTE_CHECK)
    starts = starts - starts % 60 - 60 * rng.integers(0, 600, cases.N_MINUTE_CHECK)
    ends = starts + 60 * rng.integers(0, 3 * 1440, cases.N_MINUTE_CHECK)
    wrong = sum(
        reference.elapsed(int(a), int(b)) != stepper.elapsed(int(a), int(b))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    )
    return {"cases": cases.N_MINUTE_CHECK, "disagreements": int(wrong)}


SPAN_BUCKETS = (
    (0, 86_400, "under 1 day"),
    (86_400, 7 * 86_400, "1-7 days"),
    (7 * 86_400, 10**9, "7-40 days"),
)


def by_span(
    spans: Ints, times: dict[str, NDArray[np.float64]], engine_per_case: float
) -> list[dict[str, Any]]:
    """Mean time per case of each peer by span length, and the engine's advantage there."""
    rows = []
    for low, high, label in SPAN_BUCKETS:
        chosen = (spans >= low) & (spans < high)
        row: dict[str, Any] = {"spans": label, "cases": int(chosen.sum())}
        for peer, peer_times in times.items():
            mean = float(peer_times[chosen].mean()) if chosen.any() else 0.0
            row[f"{peer}_per_case_seconds"] = mean
            row[f"{peer}_vs_engine"] = mean / engine_per_case
        rows.append(row)
    return rows
