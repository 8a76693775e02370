"""The engine suite's tables: what the terminal shows of parts 1-3."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from suite_cases import CLOSING_CONVENTION, CLOSING_NOTE
from suite_judge import Comparison


def human(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def print_night(console: Console, night: dict[str, Any]) -> None:
    table = Table(
        title=f"1b. DST inside support hours: {night['calendar']},"
        f" {night['cases']:,} cases around DST changes"
    )
    for name in (
        "operation",
        "implementation",
        "disagree with engine",
        "of them across DST",
        "of them starting inside hours",
    ):
        table.add_column(
            name, justify="left" if name in ("operation", "implementation") else "right"
        )
    table.add_column("right (reference)")
    for row in night["comparisons"]:
        verdicts = ", ".join(f"{k}: {v:,}" for k, v in sorted(row["verdicts"].items())) or "-"
        table.add_row(
            row["operation"],
            row["peer"],
            f"{row['disagreements']:,}",
            f"{row['disagreements_spanning_dst']:,}",
            f"{row['disagreements_starting_inside_hours']:,}",
            verdicts,
        )
    console.print(table)
    console.print(
        f"Engine wrong vs the reference on this calendar: {night['engine_wrong_vs_reference']}"
        f" of {2 * night['cases']:,}; {night['elapsed_cases_across_dst']:,} elapsed cases span a"
        " DST change; reference vs minute-by-minute stepper across DST nights:"
        f" {night['reference_vs_minute_stepper']['disagreements']} of"
        f" {night['reference_vs_minute_stepper']['cases']} disagree."
    )
    for row in night["comparisons"]:
        if row["examples"]:
            examples = Table(title=f"night calendar, {row['operation']} vs {row['peer']}")
            for key in row["examples"][0]:
                examples.add_column(key)
            for example in row["examples"]:
                examples.add_row(*(str(v) for v in example.values()))
            console.print(examples)


def print_report(
    console: Console,
    env: dict[str, Any],
    comparisons: list[Comparison],
    one: dict[str, Any],
    two: dict[str, Any],
    three: dict[str, Any],
    night: dict[str, Any],
) -> None:
    console.print(
        f"\n[bold]Machine[/]: {env['cpu']}, {env['cpus']} CPUs, {env['affinity']}; "
        f"Python {env['python']}, NumPy {env['numpy']}, pandas {env['pandas']}, "
        f"businesstimedelta {env['businesstimedelta']}"
    )
    peers = Table(title="1. Engine against its peers (same random cases)")
    for name in ("operation", "implementation", "cases", "time", "per case", "engine faster"):
        peers.add_column(
            name, justify="left" if name in ("operation", "implementation") else "right"
        )
    peers.add_column("disagree with engine", justify="right")
    peers.add_column("right (reference)")
    engine_rows = {
        "elapsed": (
            one["engine_elapsed_per_case_seconds"],
            one["engine_scalar_elapsed_per_case_seconds"],
        ),
        "add": (one["engine_add_per_case_seconds"], one["engine_scalar_add_per_case_seconds"]),
    }
    for operation in ("elapsed", "add"):
        array_case, scalar_case = engine_rows[operation]
        peers.add_row(
            operation,
            "engine, arrays",
            f"{one['engine_cases']:,}",
            human(array_case * one["engine_cases"]),
            human(array_case),
            "",
            "",
            "",
        )
        peers.add_row(
            operation,
            "engine, one call per case",
            f"{one['peer_cases']:,}",
            human(scalar_case * one["peer_cases"]),
            human(scalar_case),
            "",
            "",
            "",
        )
        for item in comparisons:
            if not item.operation.startswith(operation):
                continue
            peer_case = item.peer_seconds / item.cases
            verdicts = ", ".join(f"{k}: {v:,}" for k, v in sorted(item.verdicts.items())) or "-"
            peers.add_row(
                item.operation,
                item.peer,
                f"{item.cases:,}",
                human(item.peer_seconds),
                human(peer_case),
                f"{peer_case / array_case:,.0f}x",
                f"{item.disagreements:,}",
                verdicts,
            )
    console.print(peers)
    check = one["reference_check"]
    self_check = check["minute_stepper_self_check"]
    console.print(
        f"Reference check: engine wrong on {check['elapsed_wrong']} of {check['elapsed_cases']:,}"
        f" elapsed and {check['add_wrong']} of {check['add_cases']:,} add cases; reference vs"
        f" minute-by-minute stepper: {self_check['disagreements']} of {self_check['cases']}"
        f" disagree. Engine datetime API vs array API: {one['engine_scalar_vs_array_mismatches']}"
        " mismatches."
    )
    across = one["add_cases_across_dst"]
    console.print(
        f"DST: {one['elapsed_cases_across_dst']:,} of the {one['peer_cases']:,} elapsed cases and"
        f" {across['minutes']:,} (minutes) / {across['whole_hours']:,} (hours) add cases span one"
        f" of the {one['dst_changes']} DST changes."
    )
    if any(CLOSING_CONVENTION in item.verdicts for item in comparisons):
        console.print(CLOSING_NOTE)
    reach = one["businesstimedelta_add_vs_engine_reach_epoch"]
    console.print(
        f"businesstimedelta add vs the engine's reach_epoch (the same convention):"
        f" {reach['disagreements']:,} disagreements, {reach['of_which_zero_duration']:,} of"
        " them zero durations."
    )
    spans = Table(title="elapsed: peers' time per case by span (engine, arrays: same for all)")
    for name in ("span", "cases", "businesstimedelta", "engine faster", "pandas", "engine faster"):
        spans.add_column(name, justify="left" if name == "span" else "right")
    for row in one["elapsed_per_case_by_span"]:
        spans.add_row(
            row["spans"],
            f"{row['cases']:,}",
            human(row["businesstimedelta_per_case_seconds"]),
            f"{row['businesstimedelta_vs_engine']:,.0f}x",
            human(row["pandas_per_case_seconds"]),
            f"{row['pandas_vs_engine']:,.0f}x",
        )
    console.print(spans)
    print_night(console, night)
    for item in comparisons:
        if not item.examples:
            continue
        examples = Table(title=f"{item.operation} vs {item.peer}: examples of disagreement")
        for key in item.examples[0]:
            examples.add_column(key)
        for example in item.examples:
            examples.add_row(*(str(v) for v in example.values()))
        console.print(examples)

    targets = Table(title="2-3. Targets (one core)")
    for name in ("measure", "figure", "target", "met"):
        targets.add_column(name)

    def mark(ok: bool) -> str:
        return "[green]yes[/]" if ok else "[red]NO[/]"

    targets.add_row(
        f"elapsed_epoch, {two['cases']:,} cases (best of {two['repeats']})",
        f"{human(two['elapsed_best_seconds'])} (median {human(two['elapsed_median_seconds'])},"
        f" CPU {human(two['elapsed_best_cpu_seconds'])})",
        f"< {human(two['elapsed_target_seconds'])}",
        mark(two["elapsed_met"]),
    )
    targets.add_row(
        "  compile (once, fresh calendar)", human(two["compile_seconds"]), "reported", ""
    )
    targets.add_row(
        "elapsed speed-up over businesstimedelta per case",
        f"{two['speedup_vs_businesstimedelta']:,.0f}x",
        f">= {two['speedup_target']:,}x",
        mark(two["speedup_met"]),
    )
    targets.add_row(
        f"add_epoch, {two['cases']:,} cases, one Duration",
        f"{human(two['add_one_duration_best_seconds'])}"
        f" (median {human(two['add_one_duration_median_seconds'])})",
        "reported",
        "",
    )
    targets.add_row(
        f"add_epoch, {two['cases']:,} cases, a Duration per case",
        f"{human(two['add_per_case_durations_best_seconds'])}"
        f" (median {human(two['add_per_case_durations_median_seconds'])})",
        "reported",
        "",
    )
    targets.add_row(
        f"add_epoch, {two['add_days_cases']:,} cases, Duration(days=2) (one run)",
        f"{human(two['add_days_seconds'])}"
        f" ({human(two['add_days_seconds'] / two['add_days_cases'])} per case)",
        "reported",
        "",
    )
    targets.add_row(
        f"uptime_batch, {three['groups']:,} x {three['outages'] // three['groups']} outages"
        " (best of 5)",
        f"{human(three['engine_best_seconds'])} (median {human(three['engine_median_seconds'])},"
        f" CPU {human(three['engine_best_cpu_seconds'])})",
        f"< {human(three['target_seconds'])}",
        mark(three["met"]),
    )
    targets.add_row(
        "  same outages passed sorted by (group, start)",
        human(three["engine_presorted_best_seconds"]),
        "reported",
        "",
    )
    targets.add_row(
        "  plain-Python merge, same data", human(three["plain_python_seconds"]), "reported", ""
    )
    targets.add_row(
        "  engine = plain Python, exactly",
        "all fields equal"
        if three["agree_exactly"]
        else f"MISMATCH {three['mismatches']}, single {three['single_group_mismatches']}",
        "all equal",
        mark(three["agree_exactly"]),
    )
    console.print(targets)
