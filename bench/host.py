"""What a benchmark ran on, recorded beside its figures; shared by the bench scripts.

The same code has measured more than twice as fast on one session's machine as on another of
the same kind (docs/performance.md, "Reading the figures"), and these virtual machines name
their CPU only "AMD EPYC". So each run also records a speed index, a fixed pure-Python
workload timed when the run starts (lower is faster), and the share of the machine's CPU time
the hypervisor took from it while the run went on (steal, from /proc/stat).
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class CpuTimes(NamedTuple):
    """Jiffies of the whole machine so far (all CPUs), from the first line of /proc/stat."""

    busy: float
    total: float
    steal: float


def cpu_times() -> CpuTimes | None:
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0]
        fields = [float(x) for x in first.split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
    # counted in user and nice.
    fields = fields[:8]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    steal = fields[7] if len(fields) > 7 else 0.0
    return CpuTimes(busy=sum(fields) - idle - steal, total=sum(fields), steal=steal)


def process_cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process `pid` has used so far (Linux /proc); OSError when
    it has ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def busy_fraction(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    """How busy all CPUs were between the two readings: 1.0 is every CPU busy with anything."""
    if before is None or after is None or after.total == before.total:
        return None
    return (after.busy - before.busy) / (after.total - before.total)


def steal_fraction(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    if before is None or after is None or after.total == before.total:
        return None
    return (after.steal - before.steal) / (after.total - before.total)


def unpin() -> str:
    """bench/run.py pins itself (and so its children) to CPU 0 for the engine; the benchmarks
    of whole services share every CPU, as they would in use."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return f"all CPUs {sorted(os.sched_getaffinity(0))}"


def _workload() -> int:
    """Calls, small objects, dicts and string formatting: what Django and WeasyPrint spend
    their time on, in a fixed amount."""
    table: dict[str, tuple[int, str]] = {}
    total = 0
    for n in range(60_000):
        key = f"k{n % 997:x}-{n & 15}"
        table[key] = (n, key.upper())
        total += len(table[key][1]) + len(str(n))
    return total + sum(v[0] for v in table.values())


def speed_index_ms() -> float:
    """The fixed workload's best time of five, in milliseconds: 22-28 ms on the machine that
    took docs/performance.md's figures of 2026-11-28. Lower is faster; a run's other figures
    scale roughly with it from one machine to another."""
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        _workload()
        best = min(best, time.perf_counter() - began)
    return best * 1e3


def _cpu_model() -> tuple[str, float | None]:
    model, mhz = "unknown", None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif name.strip() == "cpu MHz" and mhz is None:
                mhz = float(value)
    return model, mhz


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def describe(pinning: str, packages: Iterable[str] = ()) -> dict[str, Any]:
    """The machine, the checkout and the versions, read when a run starts; `finish` adds what
    happened on the machine during the run."""
    model, mhz = _cpu_model()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "checkout_head": head,
        "cpu": model,
        "cpu_mhz": mhz,
        "cpus": os.cpu_count(),
        "affinity": pinning,
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{package: _version(package) for package in packages},
        "load_average_at_start": list(os.getloadavg()),
        "speed_index_ms": round(speed_index_ms(), 2),
        "cpu_times_at_start": cpu_times(),
    }


def finish(env: dict[str, Any]) -> None:
    """Adds the load average at the end and the CPU shares over the whole run to `env`."""
    env["load_average_at_end"] = list(os.getloadavg())
    began, ended = env.pop("cpu_times_at_start", None), cpu_times()
    env["machine_cpu_busy"] = busy_fraction(began, ended)
    env["machine_cpu_steal"] = steal_fraction(began, ended)


def summary(env: dict[str, Any]) -> str:
    """One line for the terminal, after `finish`."""
    loads = " and end ".join(
        ", ".join(f"{x:.2f}" for x in env[key])
        for key in ("load_average_at_start", "load_average_at_end")
    )
    steal = env.get("machine_cpu_steal")
    return (
        f"Speed index {env['speed_index_ms']:.1f} ms (a fixed pure-Python workload; lower is"
        f" faster). Load average (1, 5, 15 min) at start {loads}; CPU time stolen by the"
        f" hypervisor during the run: {'?' if steal is None else f'{steal:.1%}'}. The machine"
        f" has {env['cpus']} CPUs, shared with any other jobs."
    )
