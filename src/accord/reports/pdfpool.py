"""Many reports' PDFs at once: a process pool, one process per core, after the data pass
(docs/reports.md, "Every customer's month").

WeasyPrint lays a PDF out in Python, on one core; a process per core renders that many at a
time. Each process sets Django up once (templates, settings) and keeps WeasyPrint's fonts and
stylesheet (`render._weasyprint`) for every PDF it makes. It is sent plain data, a report's
JSON and its version's printed fields, never an ORM object, and uses no database. The pool is
started with "spawn", so a process never inherits the parent's database connections or
threads.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from accord.reports import schema

if TYPE_CHECKING:  # a process of the pool imports this module before Django is set up
    from accord.reports.models import ReportVersion

# The version's fields a report's document prints.
VERSION_FIELDS = ("version", "created_at", "reason", "content_hash", "changes")
# Jobs handed to the pool at a time, per process.
WINDOW = 32


@dataclass(frozen=True)
class PdfJob:
    """One PDF to make: `key` names it in the answer (a file name, an id)."""

    key: str
    report: dict[str, Any]  # schema.Report.to_json_data()
    version: dict[str, Any] | None  # VERSION_FIELDS of its version; None: provisional
    language: str = "en"  # the language it is written in (the one active when it was asked for)


def job(key: str, report: schema.Report, version: ReportVersion | None) -> PdfJob:
    from django.utils import translation

    fields = None if version is None else {name: getattr(version, name) for name in VERSION_FIELDS}
    return PdfJob(key, report.to_json_data(), fields, translation.get_language() or "en")


def workers() -> int:
    """One process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _start() -> None:
    """Each process of the pool: Django set up once, with the parent's settings module."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    django.setup()


def _render(job: PdfJob) -> tuple[str, bytes]:
    from django.utils import translation

    from accord.reports import render
    from accord.reports.models import ReportVersion

    version = None
    if job.version is not None:
        created = job.version["created_at"]
        fields = {
            **job.version,
            "created_at": datetime.fromisoformat(created) if isinstance(created, str) else created,
        }
        version = ReportVersion(**fields)  # never saved: what the document prints
    with translation.override(job.language):  # a process of the pool has none active
        return job.key, render.report_pdf(schema.Report.from_json_data(job.report), version)


def render_pdfs(
    jobs: Iterable[PdfJob], *, processes: int | None = None
) -> Iterator[tuple[str, bytes]]:
    """(key, PDF) of each job, in the order given, rendered by `processes` processes (one per
    core by default; 1 renders here, without a pool)."""
    count = processes or workers()
    if count <= 1:
        yield from map(_render, jobs)
        return
    context = multiprocessing.get_context("spawn")
    pending = iter(jobs)
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start) as pool:
        # A window of jobs at a time, so that a fleet's reports are not all held at once.
        while window := list(islice(pending, WINDOW * count)):
            yield from pool.map(_render, window, chunksize=4)
