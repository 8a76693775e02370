"""Error-rate samples read from a Prometheus server's HTTP API (docs/monitoring.md).

A `PrometheusFeed` names two PromQL expressions that give, per module and region label, the
requests served and the requests that failed in a minute, for instance

    sum by (module, region) (increase(http_requests_total[1m]))
    sum by (module, region) (increase(http_requests_total{code=~"5.."}[1m]))

The worker reads each active feed every `INTERVAL` (`GET /api/v1/query_range`, step 60 s): the
whole minutes from `pulled_until` (an hour back the first time) to the last minute that has
ended, `MAX_WINDOW` at a time, and stores them as 60-second samples of source
`prometheus:<feed id>` (reading a minute again replaces it). Conventions:

- A value evaluated at instant t covers the minute before it: it is the sample [t - 60, t).
- Counts are rounded to whole requests (`increase` extrapolates, so it gives fractions); a
  minute with requests and no error series has 0 errors; failures above the requests of the
  same minute (two scrapes apart) are cut to the requests, and counted as `clipped`.
- A series whose labels name no module-region Accord knows is skipped, and counted.

An unreachable server or an answer that is not a Prometheus matrix leaves `pulled_until`
where it was and puts the reason in `last_error`: the next run reads the same minutes again.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from accord.monitoring import error_rates
from accord.monitoring.models import ModuleRegion, PrometheusFeed

logger = logging.getLogger("accord.monitoring")

STEP = 60
INTERVAL = timedelta(minutes=5)
FIRST_LOOK_BACK = timedelta(hours=1)
MAX_WINDOW = timedelta(hours=6)  # 360 points a series, far below Prometheus's 11,000
TIMEOUT = 10.0


class FeedError(Exception):
    """The server could not be read, or did not answer with a matrix."""


@dataclass(frozen=True)
class Pulled:
    samples: int
    skipped_series: int
    clipped: int


def _matrix(feed: PrometheusFeed, query: str, start: int, end: int) -> list[dict[str, Any]]:
    """The series of `query` evaluated every minute from `start` to `end` (Unix seconds)."""
    url = f"{feed.url.rstrip('/')}/api/v1/query_range"
    params: dict[str, str | int] = {"query": query, "start": start, "end": end, "step": STEP}
    try:
        response = httpx.get(url, params=params, timeout=TIMEOUT)
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise FeedError(f"{url}: {exc}") from None
    if response.status_code != 200 or document.get("status") != "success":
        error = document.get("error", "") if isinstance(document, dict) else ""
        raise FeedError(f"{url}: HTTP {response.status_code} {error}".strip())
    data = document.get("data") or {}
    if data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        raise FeedError(
            f"{url}: the answer is not a matrix (resultType {data.get('resultType')!r})"
        )
    return list(data["result"])


def _per_minute(series: dict[str, Any]) -> dict[int, int]:
    """A series' values as whole counts by the start of the minute each covers."""
    counts = {}
    for at, text in series.get("values", []):
        value = float(text)
        if math.isfinite(value) and value >= 0:
            counts[int(float(at)) - STEP] = round(value)
    return counts


def _module_regions() -> dict[tuple[str, str], int]:
    """Every module-region by (module slug or name, region code or name), lower case."""
    found = {}
    rows = ModuleRegion.objects.values_list(
        "pk", "module__slug", "module__name", "region__code", "region__name"
    )
    for pk, slug, name, code, region_name in rows:
        for module in (slug, name):
            for region in (code, region_name):
                found[(module.lower(), region.lower())] = pk
    return found


def _read(feed: PrometheusFeed, start: int, end: int, now: datetime) -> Pulled:
    """Store the minutes [start, end) of the feed; what was stored, skipped and cut."""
    known = _module_regions()

    def by_module_region(query: str) -> tuple[dict[int, dict[int, int]], int]:
        found: dict[int, dict[int, int]] = defaultdict(dict)
        skipped = 0
        for series in _matrix(feed, query, start + STEP, end):
            labels = series.get("metric") or {}
            key = (
                str(labels.get(feed.module_label, "")).lower(),
                str(labels.get(feed.region_label, "")).lower(),
            )
            if key not in known:
                skipped += 1
                continue
            for minute, count in _per_minute(series).items():
                found[known[key]][minute] = found[known[key]].get(minute, 0) + count
        return found, skipped

    requests, skipped = by_module_region(feed.requests_query)
    failures, skipped_errors = by_module_region(feed.errors_query)
    samples, clipped = [], 0
    for module_region, minutes in sorted(requests.items()):
        for minute, served in sorted(minutes.items()):
            if not start <= minute < end:
                continue
            failed = failures.get(module_region, {}).get(minute, 0)
            if failed > served:
                failed, clipped = served, clipped + 1
            samples.append(error_rates.SampleIn(module_region, minute, STEP, served, failed))
    error_rates.record(f"prometheus:{feed.pk}", samples, now=now)
    return Pulled(len(samples), skipped + skipped_errors, clipped)


def pull(feed: PrometheusFeed, *, now: datetime) -> Pulled:
    """Read the feed's minutes since `pulled_until` up to the last whole minute before `now`."""
    end = int(now.timestamp()) // STEP * STEP
    since = feed.pulled_until or (now - FIRST_LOOK_BACK)
    start = int(since.timestamp()) // STEP * STEP
    total = Pulled(0, 0, 0)
    while start < end:
        upto = min(end, start + int(MAX_WINDOW.total_seconds()))
        part = _read(feed, start, upto, now)
        total = Pulled(
            total.samples + part.samples,
            total.skipped_series + part.skipped_series,
            total.clipped + part.clipped,
        )
        feed.pulled_until = datetime.fromtimestamp(upto, UTC)
        feed.last_error = ""
        feed.save(update_fields=["pulled_until", "last_error"])
        start = upto
    return total


def pull_all(now: datetime) -> None:
    """Every active feed (the worker's periodic task): a feed that fails keeps its reason."""
    for feed in PrometheusFeed.objects.filter(active=True).order_by("pk"):
        try:
            pulled = pull(feed, now=now)
        except FeedError as exc:
            PrometheusFeed.objects.filter(pk=feed.pk).update(last_error=str(exc)[:500])
            logger.warning("prometheus feed %s: %s", feed.name, exc)
            continue
        logger.info(
            "prometheus feed %s: %s sample(s), %s series skipped, %s clipped",
            feed.name,
            pulled.samples,
            pulled.skipped_series,
            pulled.clipped,
        )
