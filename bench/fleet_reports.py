"""Every customer's monthly report on a fleet database (issue 16): the per-customer path against
the batch, and 1,000 PDFs one at a time against the process pool.

    .venv/bin/python bench/fleet_reports.py /work/fleet/f1000 [--month 2026-10] [--old 1000]
        [--pdfs 1000] [--pdf-sample 40] [--freeze]

The fleet's database (`accord demo --fleet N`, a directory holding accord.sqlite3) is only read:
it is copied to a scratch directory first, and every phase runs there, in a child process of
its own so that each peak RSS (`resource.getrusage(...).ru_maxrss`) is that phase's alone:

- old: `build.build_report` per customer inside `build.sharing_uptime()` (what `accord report
  --all` did), for the first --old customers (all by default); the time for all customers is
  extrapolated from it when fewer;
- new: `batch.iter_reports` over every customer, each report hashed (`content_hash`) as the
  freezing does; the hashes of the customers the old phase built are compared with its;
- freeze (--freeze): `services.freeze_many` of every customer into the copy, versions stored in
  bulk (the month must be closed);
- pdf-old: `render.report_pdf` one after the other for --pdf-sample reports, extrapolated to
  --pdfs; pdf-new: --pdfs PDFs through `pdfpool.render_pdfs` (one process per core); the
  reports' data is built before the clock starts.

Figures go to the terminal (JSON) and var/bench-fleet-reports.json. `measure()` is the same
run as a function, for another script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import accord_env, child, serve_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench-fleet-reports.json"
NOW = "2026-12-06T12:00:00+00:00"  # the fleets' months up to November are closed


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _setup(args: list[str]) -> tuple[str, Any, list[Any]]:
    from datetime import datetime

    from accord.accounts.models import Organisation

    month = args[0]
    now = datetime.fromisoformat(args[1])
    customers = list(
        Organisation.objects.filter(contract__isnull=False)
        .select_related("contract", "region")
        .order_by("slug")
    )
    return month, now, customers


def _old(args: list[str]) -> dict[str, Any]:
    from accord.reports.build import build_report, sharing_uptime
    from accord.reports.services import content_hash

    month, now, customers = _setup(args)
    limit = int(args[2]) or len(customers)
    hashes: dict[int, str] = {}
    started, cpu = time.perf_counter(), _cpu()
    with sharing_uptime():
        for organisation in customers[:limit]:
            try:
                hashes[organisation.pk] = content_hash(build_report(organisation, month, now=now))
            except Exception as error:  # broken terms: no report, as in the batch
                hashes[organisation.pk] = type(error).__name__
    seconds = time.perf_counter() - started
    return {
        "customers": len(customers),
        "built": limit,
        "seconds": round(seconds, 2),
        "seconds_all": round(seconds * len(customers) / limit, 1),
        "ms_per_customer": round(seconds * 1000 / limit, 1),
        "cpu_ms_per_customer": round((_cpu() - cpu) * 1000 / limit, 1),
        "peak_rss_mib": _peak_mib(),
        "hashes": hashes,
    }


def _new(args: list[str]) -> dict[str, Any]:
    from accord.reports.batch import iter_reports
    from accord.reports.services import content_hash

    month, now, customers = _setup(args)
    hashes: dict[int, str] = {}
    started, cpu = time.perf_counter(), _cpu()
    for organisation_id, report in iter_reports(customers, month, now=now):
        hashes[organisation_id] = (
            type(report).__name__ if isinstance(report, Exception) else content_hash(report)
        )
    seconds = time.perf_counter() - started
    return {
        "customers": len(customers),
        "seconds": round(seconds, 2),
        "ms_per_customer": round(seconds * 1000 / max(len(customers), 1), 2),
        "cpu_seconds": round(_cpu() - cpu, 1),
        "peak_rss_mib": _peak_mib(),
        "hashes": hashes,
    }


def _freeze(args: list[str]) -> dict[str, Any]:
    from accord.reports.services import freeze_many

    month, now, customers = _setup(args)
    started = time.perf_counter()
    frozen = freeze_many(customers, month, now=now, reason="Monthly delivery")
    seconds = time.perf_counter() - started
    return {
        "customers": len(customers),
        "created": sum(1 for f in frozen.values() if f.created),
        "errors": sum(1 for f in frozen.values() if f.error is not None),
        "seconds": round(seconds, 2),
        "peak_rss_mib": _peak_mib(),
    }


def _pdf_jobs(args: list[str], count: int) -> list[Any]:
    from accord.reports import pdfpool
    from accord.reports.batch import build_reports

    month, now, customers = _setup(args)
    reports = build_reports(customers[: count * 2], month, now=now)
    good = [(pk, r) for pk, r in reports.items() if not isinstance(r, Exception)][:count]
    return [pdfpool.job(str(pk), report, None) for pk, report in good]


def _pdf_old(args: list[str]) -> dict[str, Any]:
    from accord.reports import render, schema

    count, target = int(args[2]), int(args[3])
    jobs = _pdf_jobs(args, count)
    render.report_pdf(schema.Report.from_json_data(jobs[0].report), None)  # fonts, stylesheet
    started, cpu = time.perf_counter(), _cpu()
    sizes = [len(render.report_pdf(schema.Report.from_json_data(job.report), None)) for job in jobs]
    seconds = time.perf_counter() - started
    return {
        "pdfs": len(sizes),
        "seconds": round(seconds, 2),
        "seconds_for_target": round(seconds * target / len(sizes), 1),
        "ms_per_pdf": round(seconds * 1000 / len(sizes), 1),
        "cpu_ms_per_pdf": round((_cpu() - cpu) * 1000 / len(sizes), 1),
        "peak_rss_mib": _peak_mib(),
    }


def _pdf_new(args: list[str]) -> dict[str, Any]:
    from accord.reports import pdfpool

    jobs = _pdf_jobs(args, int(args[2]))
    started = time.perf_counter()
    sizes = [len(pdf) for _, pdf in pdfpool.render_pdfs(jobs) if pdf.startswith(b"%PDF")]
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pool_cpu = _cpu(resource.RUSAGE_CHILDREN)  # the pool's processes, joined by now
    return {
        "pdfs": len(sizes),
        "processes": pdfpool.workers(),
        "seconds": round(seconds, 2),
        "ms_per_pdf": round(seconds * 1000 / max(len(sizes), 1), 1),
        "pool_cpu_ms_per_pdf": round(pool_cpu * 1000 / max(len(sizes), 1), 1),
        "peak_rss_mib": _peak_mib(),
        "peak_rss_pool_process_mib": round(children, 1),
    }


MODES = {
    "old": _old,
    "new": _new,
    "freeze": _freeze,
    "pdf-old": _pdf_old,
    "pdf-new": _pdf_new,
}


def measure(
    fleet: Path,
    *,
    month: str = "2026-10",
    now: str = NOW,
    old: int = 0,
    pdfs: int = 1000,
    pdf_sample: int = 40,
    freeze: bool = False,
    database_url: str | None = None,
) -> dict[str, Any]:
    """The figures of one run on a copy of `fleet` (its accord.sqlite3), or on `database_url`
    (PostgreSQL: used as it is; --freeze writes to it)."""
    scratch = Path(tempfile.mkdtemp(prefix="accord-fleet-reports-"))
    try:
        if database_url is None:
            shutil.copy(fleet / "accord.sqlite3", scratch / "accord.sqlite3")
        env = accord_env(scratch, database_url, ACCORD_DEBUG="1")
        script = Path(__file__)
        results: dict[str, Any] = {"fleet": str(fleet), "month": month, "now": now}
        results["old"] = child(script, "old", env, month, now, str(old), timeout=7200)
        results["new"] = child(script, "new", env, month, now, timeout=7200)
        before, after = results["old"].pop("hashes"), results["new"].pop("hashes")
        results["equal"] = sum(1 for pk, h in before.items() if after.get(pk) == h)
        results["compared"] = len(before)
        if freeze:
            results["freeze"] = child(script, "freeze", env, month, now, timeout=7200)
        if pdfs:
            sample = str(min(pdf_sample, pdfs))
            results["pdf_old"] = child(script, "pdf-old", env, month, now, sample, str(pdfs))
            results["pdf_new"] = child(script, "pdf-new", env, month, now, str(pdfs))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        return serve_child(sys.argv[2:], MODES)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fleet", type=Path, help="a directory holding the fleet's accord.sqlite3")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--now", default=NOW)
    parser.add_argument("--old", type=int, default=0, help="customers the old path builds (0: all)")
    parser.add_argument("--pdfs", type=int, default=1000)
    parser.add_argument("--pdf-sample", type=int, default=40)
    parser.add_argument("--freeze", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL holding the fleet instead")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the figures go")
    options = parser.parse_args()
    results = measure(
        options.fleet,
        month=options.month,
        now=options.now,
        old=options.old,
        pdfs=options.pdfs,
        pdf_sample=options.pdf_sample,
        freeze=options.freeze,
        database_url=options.database_url,
    )
    results["cpus"] = os.cpu_count()
    results["load"] = os.getloadavg()
    text = json.dumps(results, indent=2)
    print(text)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(text + "\n")
    return 0 if results["equal"] == results["compared"] else 1


if __name__ == "__main__":
    sys.exit(main())
