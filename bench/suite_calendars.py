"""Parts 1, 1b and 2 of the engine suite: the engine against businesstimedelta and pandas
(with the night calendar whose hours contain the DST changes), and the throughput targets."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import suite_cases as cases
from peers import BusinessTimeDeltaPeer, PandasPeer
from reference import MinuteStepper, NaiveCalendar
from rich.console import Console
from suite_cases import (
    ALL_DAY_NAMES,
    CLOSING,
    ELAPSED_TARGET_SECONDS,
    NIGHT_CASES,
    NIGHT_CLOSING,
    NIGHT_OPENING,
    OPENING,
    REPEATS,
    SPEEDUP_TARGET,
    TIMEZONE,
    WEEKDAYS,
    CaseMaker,
    best_of,
    each_timed,
    engine_calendar,
    seconds_of,
    timed,
)
from suite_judge import (
    Comparison,
    by_span,
    judge_add,
    judge_elapsed,
    minute_self_check,
    reference_check,
)

from accord.engine.calendar import Duration, SupportCalendar


def part_one(
    console: Console, closed: list[date], maker: CaseMaker
) -> tuple[list[Comparison], dict[str, Any]]:
    calendar = engine_calendar(closed)
    reference = NaiveCalendar(
        TIMEZONE, [(seconds_of(OPENING), seconds_of(CLOSING))], WEEKDAYS, closed
    )
    btd = BusinessTimeDeltaPeer(TIMEZONE, OPENING, CLOSING, WEEKDAYS, closed)
    pdp = PandasPeer(TIMEZONE, OPENING, CLOSING, WEEKDAYS, closed)

    starts, ends = maker.elapsed_cases(cases.N_ENGINE)
    add_starts, minutes, hours = maker.add_cases(cases.N_ENGINE)
    seconds, hour_seconds = minutes * 60, hours * 3600
    durations = [Duration(seconds=int(s)) for s in seconds.tolist()]
    hour_durations = [Duration(seconds=int(s)) for s in hour_seconds.tolist()]

    console.print(
        f"part 1: engine on {cases.N_ENGINE:,} cases, peers on the first {cases.N_PEER:,}"
    )
    compile_time, _ = timed(
        lambda: calendar.cumulative(np.array([maker.low - 86_400, maker.high + 86_400 * 60]))
    )
    elapsed_timing = best_of(REPEATS, lambda: calendar.elapsed_epoch(starts, ends))
    elapsed_best, engine_elapsed_all = elapsed_timing.best, elapsed_timing.result
    add_timing = best_of(REPEATS, lambda: calendar.add_epoch(add_starts, durations))
    add_best, engine_add_all = add_timing.best, add_timing.result
    engine_hours_all = calendar.add_epoch(add_starts, hour_durations)
    engine_elapsed = np.asarray(engine_elapsed_all)[: cases.N_PEER]
    engine_add = np.asarray(engine_add_all)[: cases.N_PEER]
    engine_hours = np.asarray(engine_hours_all)[: cases.N_PEER]
    per_case = {"elapsed": elapsed_best / cases.N_ENGINE, "add": add_best / cases.N_ENGINE}

    s, e = starts[: cases.N_PEER].tolist(), ends[: cases.N_PEER].tolist()
    a, sec, hrs = (
        add_starts[: cases.N_PEER].tolist(),
        seconds[: cases.N_PEER].tolist(),
        hours[: cases.N_PEER].tolist(),
    )

    # The engine called once per case through its datetime API, for a like-for-like per-call
    # figure (the peers cannot take arrays).
    utc_s = [btd.instant(x) for x in s]
    utc_e = [btd.instant(x) for x in e]
    utc_a = [btd.instant(x) for x in a]
    scalar_elapsed_time, scalar_elapsed = timed(
        lambda: [calendar.elapsed(x, y) for x, y in zip(utc_s, utc_e, strict=True)]
    )
    scalar_add_time, scalar_add = timed(
        lambda: [calendar.add(x, Duration(seconds=d)) for x, d in zip(utc_a, sec, strict=True)]
    )
    scalar_mismatch = int(np.sum(np.asarray(scalar_elapsed) != engine_elapsed)) + sum(
        int(x.timestamp()) != int(y) for x, y in zip(scalar_add, engine_add.tolist(), strict=True)
    )

    console.print("  businesstimedelta ...")
    btd_elapsed, btd_case_times = each_timed(btd.elapsed, utc_s, utc_e)
    btd_elapsed_time = float(btd_case_times.sum())
    btd_add_time, btd_add_dt = timed(
        lambda: [btd.add(x, d) for x, d in zip(utc_a, sec, strict=True)]
    )
    btd_add = [int(x.timestamp()) for x in btd_add_dt]
    # businesstimedelta's convention is the engine's `reach_epoch` (warnings): compare too.
    reach = calendar.reach_epoch(add_starts[: cases.N_PEER], seconds[: cases.N_PEER])
    reach_differs = np.flatnonzero(reach != np.asarray(btd_add, dtype=np.int64))
    reach_zero = int(np.sum(seconds[: cases.N_PEER][reach_differs] == 0))

    console.print("  pandas ...")
    local_s = [pdp.instant(x) for x in s]
    local_e = [pdp.instant(x) for x in e]
    local_a = [pdp.instant(x) for x in a]
    pdp.prepare_hours(hrs)
    pd_elapsed, pd_case_times = each_timed(pdp.elapsed, local_s, local_e)
    pd_elapsed_time = float(pd_case_times.sum())
    pd_add_time, pd_add_local = timed(
        lambda: [pdp.add_hours(x, h) for x, h in zip(local_a, hrs, strict=True)]
    )
    pd_add = [pdp.epoch(x) for x in pd_add_local]

    console.print("  settling disagreements with the reference ...")
    s_arr, e_arr, a_arr = starts[: cases.N_PEER], ends[: cases.N_PEER], add_starts[: cases.N_PEER]
    engine_time = {op: per_case[op] * cases.N_PEER for op in per_case}
    comparisons = []
    for operation, peer, peer_time, answers in (
        ("elapsed", "businesstimedelta", btd_elapsed_time, btd_elapsed),
        ("elapsed", "pandas", pd_elapsed_time, pd_elapsed),
    ):
        judged = judge_elapsed(reference, s_arr, e_arr, engine_elapsed, answers)
        comparisons.append(
            Comparison(operation, peer, cases.N_PEER, peer_time, engine_time["elapsed"], *judged)
        )
    for operation, peer, peer_time, answers, amounts, ours in (
        ("add (minutes)", "businesstimedelta", btd_add_time, btd_add, seconds, engine_add),
        ("add (whole hours)", "pandas", pd_add_time, pd_add, hour_seconds, engine_hours),
    ):
        judged = judge_add(reference, a_arr, amounts[: cases.N_PEER], ours, answers)
        comparisons.append(
            Comparison(operation, peer, cases.N_PEER, peer_time, engine_time["add"], *judged)
        )

    console.print("  every engine answer on the peers' cases against the reference ...")
    check_time, check = timed(
        lambda: reference_check(
            reference,
            s_arr,
            e_arr,
            a_arr,
            [seconds[: cases.N_PEER], hour_seconds[: cases.N_PEER]],
            engine_elapsed,
            [engine_add, engine_hours],
        )
    )
    check["seconds"] = round(check_time, 2)
    check["minute_stepper_self_check"] = minute_self_check(reference, maker)

    extra = {
        "engine_cases": cases.N_ENGINE,
        "peer_cases": cases.N_PEER,
        "compile_seconds": compile_time,
        "engine_elapsed_best_seconds": elapsed_best,
        "engine_add_best_seconds": add_best,
        "engine_elapsed_per_case_seconds": per_case["elapsed"],
        "engine_add_per_case_seconds": per_case["add"],
        "engine_scalar_elapsed_per_case_seconds": scalar_elapsed_time / cases.N_PEER,
        "engine_scalar_add_per_case_seconds": scalar_add_time / cases.N_PEER,
        "engine_scalar_vs_array_mismatches": scalar_mismatch,
        "reference_check": check,
        "holidays": len(closed),
        "elapsed_per_case_by_span": by_span(
            (e_arr - s_arr),
            {"businesstimedelta": btd_case_times, "pandas": pd_case_times},
            per_case["elapsed"],
        ),
        "businesstimedelta_add_vs_engine_reach_epoch": {
            "disagreements": int(reach_differs.size),
            "of_which_zero_duration": reach_zero,
        },
        "dst_changes": int(maker.transitions.size),
        "elapsed_cases_across_dst": maker.straddling(s_arr, e_arr),
        "add_cases_across_dst": {
            "minutes": maker.straddling(a_arr, engine_add),
            "whole_hours": maker.straddling(a_arr, engine_hours),
        },
    }
    return comparisons, extra


def part_one_night(console: Console, maker: CaseMaker) -> dict[str, Any]:
    """The peers on a calendar whose support hours contain the 02:00 DST changes: every night
    22:00-06:00 local, no holidays. Starts lie from three days before to a day after a DST
    change; durations are whole hours (for pandas)."""
    console.print(f"part 1b: {NIGHT_CASES:,} cases on a night calendar around DST changes")
    calendar = SupportCalendar.from_dict(
        {
            "timezone": TIMEZONE,
            "weekly": {day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in ALL_DAY_NAMES},
        }
    )
    night = [(0, seconds_of(NIGHT_CLOSING)), (seconds_of(NIGHT_OPENING), 86_400)]
    reference = NaiveCalendar(TIMEZONE, night, range(7), [])
    btd = BusinessTimeDeltaPeer(TIMEZONE, NIGHT_OPENING, NIGHT_CLOSING, range(7), [])
    pdp = PandasPeer(TIMEZONE, NIGHT_OPENING, NIGHT_CLOSING, range(7), [])
    rng, n = maker.rng, NIGHT_CASES
    around = rng.choice(maker.transitions, n) + rng.integers(-3 * 86_400, 86_400, n)
    starts = np.where(rng.random(n) < 0.5, around - around % 60, around)
    ends = starts + rng.integers(0, 4 * 86_400, n)
    hours = rng.integers(0, 30, n)
    seconds = hours * 3600
    engine_elapsed = calendar.elapsed_epoch(starts, ends)
    engine_add = calendar.add_epoch(starts, [Duration(seconds=int(x)) for x in seconds.tolist()])

    s, e, h = starts.tolist(), ends.tolist(), hours.tolist()
    utc_s, utc_e = [btd.instant(x) for x in s], [btd.instant(x) for x in e]
    local_s, local_e = [pdp.instant(x) for x in s], [pdp.instant(x) for x in e]
    pdp.prepare_hours(h)
    answers = {
        ("elapsed", "businesstimedelta"): [
            btd.elapsed(x, y) for x, y in zip(utc_s, utc_e, strict=True)
        ],
        ("elapsed", "pandas"): [pdp.elapsed(x, y) for x, y in zip(local_s, local_e, strict=True)],
        ("add (whole hours)", "businesstimedelta"): [
            int(btd.add(x, d * 3600).timestamp()) for x, d in zip(utc_s, h, strict=True)
        ],
        ("add (whole hours)", "pandas"): [
            pdp.epoch(pdp.add_hours(x, d)) for x, d in zip(local_s, h, strict=True)
        ],
    }
    rows = []
    for (operation, peer), theirs in answers.items():
        if operation == "elapsed":
            count, verdicts, examples = judge_elapsed(
                reference, starts, ends, engine_elapsed, theirs
            )
            differing = engine_elapsed != np.asarray(theirs, dtype=np.int64)
            across = maker.straddling(starts[differing], ends[differing])
        else:
            count, verdicts, examples = judge_add(reference, starts, seconds, engine_add, theirs)
            differing = engine_add != np.asarray(theirs, dtype=np.int64)
            later = np.maximum(engine_add, np.asarray(theirs, dtype=np.int64))
            across = maker.straddling(starts[differing], later[differing] + 1)
        inside = int(np.sum(calendar.is_open(starts[differing])))
        rows.append(
            {
                "operation": operation,
                "peer": peer,
                "cases": n,
                "disagreements": count,
                "verdicts": verdicts,
                "disagreements_spanning_dst": across,
                "disagreements_starting_inside_hours": inside,
                "examples": examples[:2],
            }
        )
    wrong = sum(
        reference.elapsed(a, b) != int(x)
        for a, b, x in zip(s, e, engine_elapsed.tolist(), strict=True)
    ) + sum(
        reference.add(a, d * 3600) != int(x)
        for a, d, x in zip(s, h, engine_add.tolist(), strict=True)
    )
    # The reference itself against the minute stepper, on minute-aligned spans across the
    # DST nights.
    stepper = MinuteStepper(reference)
    checks = cases.N_MINUTE_CHECK // 2
    low = rng.choice(maker.transitions, checks) - rng.integers(0, 1440, checks) * 60
    low = low - low % 60
    high = low + rng.integers(0, 2 * 1440, checks) * 60
    self_wrong = sum(
        reference.elapsed(a, b) != stepper.elapsed(a, b)
        for a, b in zip(low.tolist(), high.tolist(), strict=True)
    )
    return {
        "cases": n,
        "reference_vs_minute_stepper": {"cases": checks, "disagreements": int(self_wrong)},
        "calendar": "every night 22:00-06:00 America/Los_Angeles, no holidays",
        "engine_wrong_vs_reference": int(wrong),
        "elapsed_cases_across_dst": maker.straddling(starts, ends),
        "comparisons": rows,
    }


# ---------------------------------------------------------------------------------------------
# Part 2: throughput targets


def part_two(
    console: Console, closed: list[date], maker: CaseMaker, btd_per_case: float
) -> dict[str, Any]:
    console.print(f"part 2: {cases.N_THROUGHPUT:,} cases, best of {REPEATS} runs")
    calendar = engine_calendar(closed)  # fresh: nothing compiled yet
    starts, ends = maker.elapsed_cases(cases.N_THROUGHPUT)
    add_seconds = 60 * maker.add_cases(cases.N_THROUGHPUT)[1]
    bounds = np.array([int(starts.min()), int(ends.max())], dtype=np.int64)
    compile_time, _ = timed(lambda: calendar.cumulative(bounds))
    elapsed = best_of(REPEATS, lambda: calendar.elapsed_epoch(starts, ends))
    one = Duration(seconds=4 * 3600)
    add_one = best_of(REPEATS, lambda: calendar.add_epoch(starts, one))
    durations = [Duration(seconds=int(x)) for x in add_seconds.tolist()]
    add_many = best_of(3, lambda: calendar.add_epoch(starts, durations))
    # Support days are added one case at a time in Python (SupportCalendar._add_days): a tenth
    # of the cases, once, is enough to show the rate.
    days_cases = cases.N_THROUGHPUT // 10
    days_time, _ = timed(lambda: calendar.add_epoch(starts[:days_cases], Duration(days=2)))
    per_case = elapsed.best / cases.N_THROUGHPUT
    return {
        "cases": cases.N_THROUGHPUT,
        "repeats": REPEATS,
        "compile_seconds": compile_time,
        "elapsed_best_seconds": elapsed.best,
        "elapsed_median_seconds": elapsed.median,
        "elapsed_best_cpu_seconds": elapsed.cpu,
        "elapsed_target_seconds": ELAPSED_TARGET_SECONDS,
        "elapsed_met": elapsed.best < ELAPSED_TARGET_SECONDS,
        "speedup_vs_businesstimedelta": btd_per_case / per_case,
        "speedup_target": SPEEDUP_TARGET,
        "speedup_met": btd_per_case / per_case >= SPEEDUP_TARGET,
        "add_one_duration_best_seconds": add_one.best,
        "add_one_duration_median_seconds": add_one.median,
        "add_one_duration_best_cpu_seconds": add_one.cpu,
        "add_per_case_durations_best_seconds": add_many.best,
        "add_per_case_durations_median_seconds": add_many.median,
        "add_per_case_durations_best_cpu_seconds": add_many.cpu,
        "add_days_cases": days_cases,
        "add_days_seconds": days_time,
    }
