"""Error-rate samples: how they are stored, and read back for the engine.

Two feeds write them (docs/monitoring.md):

- Accord's probes: each minute's checks of a module-region, from every location, are one
  60-second sample (requests = checks made, errors = checks failed). The probes' hourly
  housekeeping rolls its minute aggregates into samples (`accord.probes.services.compact`);
  a late result of a minute already rolled up is added to it (`add=True`).
- An external source (a Prometheus recording rule, a load balancer's log job) POSTs samples to
  `/api/hooks/error-rates` with its token. Sending a sample again replaces it, so a job that
  re-sends the last hour is safe.

The engine reads the sum of every source's samples per interval (each source counts its own
requests: two load balancers in front of one module add up); `samples_for` also adds
60-second samples into the 300-second intervals of the rules that read 5-minute error rates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from accord.core.errors import Invalid
from accord.engine.error_rates import Samples, read_samples
from accord.monitoring.models import ErrorRateSample

SAMPLE_SECONDS = (60, 300)
PROBES = "probes"  # the source name of the samples rolled up from Accord's own probes
MAX_SAMPLES = 10_000  # in one call
FUTURE_SKEW = timedelta(minutes=5)  # a sample may start this far ahead of the server's clock


@dataclass(frozen=True)
class SampleIn:
    module_region_id: int
    start: int  # Unix seconds, a whole multiple of `seconds`
    seconds: int
    requests: int
    errors: int


@dataclass(frozen=True)
class Recorded:
    new: int
    replaced: int


def _check(samples: Sequence[SampleIn], now: datetime) -> None:
    """Every sample sound, or an `Invalid` naming the first that is not (`samples[3].errors`)."""
    if len(samples) > MAX_SAMPLES:
        raise Invalid(f"at most {MAX_SAMPLES} in one call", field="samples")
    latest = int((now + FUTURE_SKEW).timestamp())
    seen: dict[tuple[int, int, int], int] = {}
    for n, sample in enumerate(samples):
        where = f"samples[{n}]"
        if sample.seconds not in SAMPLE_SECONDS:
            raise Invalid("must be 60 or 300", field=f"{where}.seconds")
        if sample.start % sample.seconds:
            raise Invalid(
                f"must start on a whole {sample.seconds // 60}-minute boundary (UTC)",
                field=f"{where}.start",
            )
        if sample.start + sample.seconds > latest:
            raise Invalid(
                "is not over yet: send a sample once its interval ends", field=f"{where}.start"
            )
        if sample.requests < 0:
            raise Invalid("must be 0 or more", field=f"{where}.requests")
        if not 0 <= sample.errors <= sample.requests:
            raise Invalid("must be from 0 to the sample's requests", field=f"{where}.errors")
        key = (sample.module_region_id, sample.seconds, sample.start)
        if key in seen:
            raise Invalid(f"is the same interval as samples[{seen[key]}]", field=where)
        seen[key] = n


def record(
    source: str, samples: Sequence[SampleIn], *, now: datetime, add: bool = False
) -> Recorded:
    """Store `samples` from `source` in one transaction: a sample of an interval the source
    already sent replaces it, or with `add` is added to it (late probe results)."""
    _check(samples, now)
    if not samples:
        return Recorded(0, 0)
    with transaction.atomic():
        starts = {datetime.fromtimestamp(s.start, UTC) for s in samples}
        existing = {
            (row.module_region_id, row.seconds, int(row.start.timestamp())): row
            for row in ErrorRateSample.objects.select_for_update().filter(
                source=source,
                module_region_id__in={s.module_region_id for s in samples},
                start__in=starts,
            )
        }
        new, changed = [], []
        for sample in samples:
            row = existing.get((sample.module_region_id, sample.seconds, sample.start))
            if row is None:
                new.append(
                    ErrorRateSample(
                        module_region_id=sample.module_region_id,
                        source=source,
                        start=datetime.fromtimestamp(sample.start, UTC),
                        seconds=sample.seconds,
                        requests=sample.requests,
                        errors=sample.errors,
                        received_at=now,
                    )
                )
                continue
            if add:
                row.requests += sample.requests
                row.errors += sample.errors
            else:
                row.requests, row.errors = sample.requests, sample.errors
            row.received_at = now
            changed.append(row)
        ErrorRateSample.objects.bulk_create(new, batch_size=1000)
        ErrorRateSample.objects.bulk_update(
            changed, ["requests", "errors", "received_at"], batch_size=1000
        )
    return Recorded(len(new), len(changed))


def samples_for(module_region_id: int, start: int, end: int, seconds: int) -> Samples:
    """The module-region's samples of `seconds` (60 or 300) in [start, end) (Unix seconds), every
    source added up, shorter samples added into the longer interval that holds them."""
    if seconds not in SAMPLE_SECONDS:
        raise Invalid("must be 60 or 300", field="seconds")
    rows = ErrorRateSample.objects.filter(
        module_region_id=module_region_id,
        start__gte=datetime.fromtimestamp(start, UTC),
        start__lt=datetime.fromtimestamp(end, UTC),
        seconds__lte=seconds,
    ).values_list("start", "seconds", "requests", "errors")
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for at, length, requests, errors in rows:
        if seconds % length:
            continue  # no shorter length fails to divide 300 today; never split a sample
        bucket = int(at.timestamp()) // seconds * seconds
        totals[bucket][0] += requests
        totals[bucket][1] += errors
    ordered = sorted(totals)
    return read_samples(
        ordered, [totals[t][0] for t in ordered], [totals[t][1] for t in ordered], seconds
    )
