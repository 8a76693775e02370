"""Probe results in; confirmed outages, status changes and small aggregates out.

`record_results` is the one way results enter Accord, from the built-in location inside
`accord worker` and from agents over the API alike. In the caller's transaction it:

1. drops results that are not after the last one applied for that check and location (so an
   agent's retried batch counts once) and applies the rest in time order;
2. adds each into its check x location x minute row (`MinuteAggregate`, one upsert per row);
3. advances the location's `ProbeState` (`accord.engine.confirm.advance`);
4. where the location went down or came back up, locks the check, reads the other active
   locations' states and applies `accord.engine.confirm.step`: an outage opens (a
   `monitoring.Outage` with source `probe` and reference `check:<id>`, and a `StatusChange`),
   moves its start, or closes (a `StatusChange`). The quorum is the check's, capped at the
   number of active locations.

`housekeeping` (an hourly job of `accord worker`) packs the minutes of past hours into
`PackedHour` rows and deletes what is older than the retention. `reevaluate` ends outages that
lost their quorum because a check or locations were deactivated (the admin runs it at once).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.db import connection, transaction

from accord.core.errors import Refused
from accord.engine.confirm import (
    UP,
    CheckState,
    Closed,
    LocationState,
    Moved,
    Opened,
    advance,
    quorum_start,
    step,
)
from accord.engine.timeutil import from_epoch, to_epoch
from accord.monitoring import error_rates
from accord.monitoring.models import Impact, Outage, Source
from accord.probes import conf, packing
from accord.probes.models import (
    BUILTIN_LOCATION,
    CheckStatus,
    HealthCheck,
    MinuteAggregate,
    PackedHour,
    ProbeLocation,
    ProbeState,
    StatusChange,
)
from accord.probes.prober import CheckSpec, Result
from accord.work import services as work
from accord.work.models import Job

logger = logging.getLogger("accord.probes")

HOUSEKEEPING = "probes_housekeeping"
CHUNK = 500


class UnknownChecks(Refused):
    """Results name checks that do not exist or are not active: a core refusal, which the
    probes API answers with 404 and the `ids`."""

    def __init__(self, ids: Sequence[int]) -> None:
        super().__init__("unknown or inactive checks: " + ", ".join(str(i) for i in ids))
        self.ids = list(ids)


@dataclass
class Recorded:
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    opened: list[int] = field(default_factory=list)  # check ids
    closed: list[int] = field(default_factory=list)


def builtin_location() -> ProbeLocation:
    location, _ = ProbeLocation.objects.get_or_create(
        slug=BUILTIN_LOCATION, defaults={"name": "Accord worker"}
    )
    return location


def create_location(*, name: str, slug: str) -> tuple[ProbeLocation, str]:
    """A new agent location and its token (shown once)."""
    location = ProbeLocation.objects.create(name=name, slug=slug)
    return location, location.issue_token()


def check_specs() -> list[CheckSpec]:
    """The active checks, as a prober needs them."""
    return [
        CheckSpec(
            id=c.pk,
            url=c.url,
            interval=float(c.interval_seconds),
            timeout=float(c.timeout_seconds),
            expected_status=c.expected_status,
            body_text=c.body_text,
        )
        for c in HealthCheck.objects.filter(active=True).order_by("pk")
    ]


# ---------------------------------------------------------------------------------------------
# Results


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else to_epoch(moment)


def _adapt(moment: datetime | None) -> object:
    return connection.ops.adapt_datetimefield_value(moment)


def record_results(
    location: ProbeLocation,
    results: Iterable[Result],
    *,
    now: datetime,
    unknown: Literal["raise", "ignore"] = "raise",
) -> Recorded:
    """Apply a location's results (see the module's docstring). Results for checks that do not
    exist or are inactive raise `UnknownChecks` (nothing is recorded), or with
    `unknown="ignore"` are left out."""
    by_check: dict[int, list[Result]] = defaultdict(list)
    for result in results:
        by_check[result.check_id].append(result)
    summary = Recorded()
    if not by_check:
        return summary
    consecutive = dict(
        HealthCheck.objects.filter(pk__in=list(by_check), active=True).values_list(
            "pk", "failures_to_confirm"
        )
    )
    missing = sorted(set(by_check) - set(consecutive))
    if missing:
        if unknown == "raise":
            raise UnknownChecks(missing)
        summary.ignored = sum(len(by_check.pop(i)) for i in missing)
    stored = {
        row.health_check_id: row
        for row in ProbeState.objects.filter(location=location, health_check_id__in=list(by_check))
    }
    buckets: dict[tuple[int, int], list[int]] = {}
    states: list[tuple[object, ...]] = []
    flipped: list[tuple[int, LocationState, list[Result]]] = []
    for check_id, items in by_check.items():
        items.sort(key=lambda r: r.at)
        row = stored.get(check_id)
        initial = (
            UP
            if row is None
            else LocationState(row.failures, _epoch(row.run_start), _epoch(row.last_at))
        )
        state, n, kept, flips = initial, consecutive[check_id], [], False
        for result in items:
            if state.last is not None and result.at <= state.last:
                summary.duplicates += 1
                continue
            was_down = state.down(n)
            state = advance(state, result.at, result.ok)
            flips = flips or state.down(n) != was_down
            kept.append(result)
            bucket = buckets.get((check_id, result.at // 60))
            if bucket is None:
                buckets[(check_id, result.at // 60)] = [
                    1,
                    0 if result.ok else 1,
                    result.latency_ms,
                    result.latency_ms,
                ]
            else:
                bucket[0] += 1
                bucket[1] += 0 if result.ok else 1
                bucket[2] += result.latency_ms
                bucket[3] = max(bucket[3], result.latency_ms)
        if not kept:
            continue
        summary.accepted += len(kept)
        last = kept[-1]
        states.append(
            (
                check_id,
                location.pk,
                state.failures,
                _adapt(None if state.run_start is None else from_epoch(state.run_start)),
                _adapt(from_epoch(last.at)),
                last.ok,
                min(last.latency_ms, 2**31 - 1),
                last.status,
                last.error[:200],
            )
        )
        if flips:
            flipped.append((check_id, initial, kept))
    for check_id, initial, kept in sorted(flipped, key=lambda item: item[0]):
        _confirm(check_id, location, initial, kept, summary)
    _write_minutes(location, buckets)
    _write_states(states)
    ensure_housekeeping(now)
    return summary


def _write_minutes(location: ProbeLocation, buckets: dict[tuple[int, int], list[int]]) -> None:
    table = connection.ops.quote_name(MinuteAggregate._meta.db_table)
    sql = (
        f"INSERT INTO {table} (health_check_id, location_id, minute, checks, failures, "
        "latency_sum_ms, latency_max_ms) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (health_check_id, location_id, minute) DO UPDATE SET "
        f"checks = {table}.checks + excluded.checks, "
        f"failures = {table}.failures + excluded.failures, "
        f"latency_sum_ms = {table}.latency_sum_ms + excluded.latency_sum_ms, "
        f"latency_max_ms = CASE WHEN excluded.latency_max_ms > {table}.latency_max_ms "
        f"THEN excluded.latency_max_ms ELSE {table}.latency_max_ms END"
    )
    rows = [
        (check_id, location.pk, minute, n, failed, total, min(peak, 2**31 - 1))
        for (check_id, minute), (n, failed, total, peak) in buckets.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _write_states(rows: list[tuple[object, ...]]) -> None:
    table = connection.ops.quote_name(ProbeState._meta.db_table)
    columns = ProbeState.STATE_FIELDS
    sql = (
        f"INSERT INTO {table} (health_check_id, location_id, {', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * (len(columns) + 2))}) "
        "ON CONFLICT (health_check_id, location_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns)
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _confirm(
    check_id: int,
    location: ProbeLocation,
    initial: LocationState,
    kept: list[Result],
    summary: Recorded,
) -> None:
    """Apply the confirmation rule to results that moved this location in or out of down."""
    check = HealthCheck.objects.select_for_update().get(pk=check_id)
    active = set(ProbeLocation.objects.filter(active=True).values_list("pk", flat=True))
    active.add(location.pk)
    others = {
        row.location_id: LocationState(row.failures, _epoch(row.run_start), _epoch(row.last_at))
        for row in ProbeState.objects.filter(
            health_check_id=check_id, location_id__in=active
        ).exclude(location=location)
    }
    outage = Outage.objects.get(pk=check.outage_id) if check.outage_id else None
    confirmed_at = None
    if outage is not None:
        last_down = (
            StatusChange.objects.filter(health_check=check, status=CheckStatus.DOWN)
            .order_by("-confirmed_at", "-pk")
            .first()
        )
        confirmed_at = _epoch(last_down.confirmed_at) if last_down else None
    state = CheckState(
        locations={**others, location.pk: initial},
        outage_start=_epoch(outage.start) if outage is not None else None,
        last_end=_epoch(check.status_since) if outage is None else None,
        confirmed_at=confirmed_at,
    )
    quorum = max(1, min(check.quorum, len(active)))
    for result in kept:
        state, event = step(
            state,
            result.at,
            [(location.pk, result.ok)],
            quorum=quorum,
            consecutive=check.failures_to_confirm,
        )
        if isinstance(event, Opened):
            outage = Outage.objects.create(
                module_region_id=check.module_region_id,
                source=Source.PROBE,
                impact=Impact.MAJOR_OUTAGE,
                start=from_epoch(event.start),
                reference=f"check:{check.pk}",
                note=f"{check.name}: failing from at least {quorum} of {len(active)} "
                f"probe location(s)"[:500],
            )
            StatusChange.objects.create(
                health_check=check,
                at=outage.start,
                status=CheckStatus.DOWN,
                previous=CheckStatus.UP,
                confirmed_at=from_epoch(event.confirmed_at),
                outage=outage,
            )
            check.status, check.status_since, check.outage = (
                CheckStatus.DOWN,
                outage.start,
                outage,
            )
            summary.opened.append(check.pk)
            logger.warning("check %s (%s) is down since %s", check.pk, check, outage.start)
        elif isinstance(event, Moved) and outage is not None:
            outage.start = from_epoch(event.start)
            outage.save(update_fields=["start"])
            StatusChange.objects.filter(
                health_check=check, outage=outage, status=CheckStatus.DOWN
            ).update(at=outage.start)
            check.status_since = outage.start
        elif isinstance(event, Closed) and outage is not None:
            outage.end = from_epoch(event.end)
            outage.save(update_fields=["end"])
            StatusChange.recovery(check, outage).save(force_insert=True)
            check.status, check.status_since, check.outage = CheckStatus.UP, outage.end, None
            summary.closed.append(check.pk)
            logger.warning("check %s (%s) is up again since %s", check.pk, check, outage.end)
            outage = None
    check.save(update_fields=["status", "status_since", "outage"])


def _close(check: HealthCheck, end: datetime, why: str) -> None:
    """End the check's open outage at `end` (a status change down -> up)."""
    outage = Outage.objects.get(pk=check.outage_id)
    outage.end = max(end, outage.start)
    outage.note = f"{outage.note}; {why}"[:500] if outage.note else why[:500]
    outage.save(update_fields=["end", "note"])
    StatusChange.objects.create(
        health_check=check,
        at=outage.end,
        status=CheckStatus.UP,
        previous=CheckStatus.DOWN,
        confirmed_at=end,
        outage=outage,
    )
    check.status, check.status_since, check.outage = CheckStatus.UP, outage.end, None
    check.save(update_fields=["status", "status_since", "outage"])
    logger.warning("check %s (%s): outage ended at %s (%s)", check.pk, check, outage.end, why)


def reevaluate(*, now: datetime) -> list[int]:
    """End, at `now`, the open outages that no longer have a quorum: their check was
    deactivated, or locations that were down were deactivated. Run after such changes (the
    admin does) and by the hourly job; the ids of the checks whose outage ended."""
    ended = []
    active = set(ProbeLocation.objects.filter(active=True).values_list("pk", flat=True))
    for check_id in HealthCheck.objects.filter(outage__isnull=False).values_list("pk", flat=True):
        with transaction.atomic():
            check = HealthCheck.objects.select_for_update().get(pk=check_id)
            if check.outage_id is None:
                continue
            if not check.active:
                _close(check, now, "check deactivated")
                ended.append(check.pk)
                continue
            states = [
                LocationState(row.failures, _epoch(row.run_start), _epoch(row.last_at))
                for row in ProbeState.objects.filter(health_check=check, location_id__in=active)
            ]
            quorum = max(1, min(check.quorum, len(active)))
            if quorum_start(states, quorum, check.failures_to_confirm) is None:
                _close(check, now, "no quorum of active locations")
                ended.append(check.pk)
    return ended


# ---------------------------------------------------------------------------------------------
# Reading the aggregates


def minute_series(
    check_id: int, location_id: int, start_minute: int, end_minute: int
) -> list[packing.Minute]:
    """The minute aggregates of [start_minute, end_minute) (minutes since the epoch), from the
    packed hours and the minutes not packed yet; `Minute.minute` is minutes since the epoch."""
    totals: dict[int, list[int]] = {}

    def add(minute: int, n: int, failed: int, total: int, peak: int) -> None:
        if not start_minute <= minute < end_minute:
            return
        row = totals.setdefault(minute, [0, 0, 0, 0])
        row[0] += n
        row[1] += failed
        row[2] += total
        row[3] = max(row[3], peak)

    hours = PackedHour.objects.filter(
        health_check_id=check_id,
        location_id=location_id,
        hour__gte=start_minute // 60,
        hour__lt=-(-end_minute // 60),
    ).values_list("hour", "minutes")
    for hour, data in hours:
        for m in packing.unpack(data):
            add(hour * 60 + m.minute, m.checks, m.failures, m.latency_sum_ms, m.latency_max_ms)
    for row in MinuteAggregate.objects.filter(
        health_check_id=check_id,
        location_id=location_id,
        minute__gte=start_minute,
        minute__lt=end_minute,
    ).values_list("minute", "checks", "failures", "latency_sum_ms", "latency_max_ms"):
        add(*row)
    return [packing.Minute(m, *totals[m]) for m in sorted(totals)]


# ---------------------------------------------------------------------------------------------
# Housekeeping: packing past hours, pruning old ones


def housekeeping_key(hour: int) -> str:
    return f"probes:housekeeping:{hour}"


_ensured_hours: set[int] = set()


def ensure_housekeeping(now: datetime) -> None:
    """Make sure the job that packs the current hour exists (due two minutes after it ends).
    Remembered per process, so it costs one query an hour."""
    hour = to_epoch(now) // 3600
    if hour in _ensured_hours:
        return
    key = housekeeping_key(hour)
    if not Job.objects.filter(key=key).exists():
        work.schedule(key, HOUSEKEEPING, from_epoch((hour + 1) * 3600 + 120))
    transaction.on_commit(lambda: _ensured_hours.add(hour))


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def compact(*, now: datetime, before_minute: int | None = None) -> int:
    """Pack the minutes before the current hour (or before `before_minute`) into their hours'
    `PackedHour` rows, merging with rows packed earlier (late results); the number of minute
    rows packed. One transaction per few hundred checks."""
    limit = before_minute if before_minute is not None else to_epoch(now) // 3600 * 60
    check_ids = sorted(
        set(
            MinuteAggregate.objects.filter(minute__lt=limit).values_list(
                "health_check_id", flat=True
            )
        )
    )
    packed = 0
    for chunk in _chunks(check_ids, CHUNK):
        with transaction.atomic():
            rows = list(
                MinuteAggregate.objects.select_for_update()
                .filter(health_check_id__in=chunk, minute__lt=limit)
                .values_list(
                    "pk",
                    "health_check_id",
                    "location_id",
                    "minute",
                    "checks",
                    "failures",
                    "latency_sum_ms",
                    "latency_max_ms",
                )
            )
            groups: dict[tuple[int, int, int], list[packing.Minute]] = defaultdict(list)
            for _, check_id, location_id, minute, n, failed, total, peak in rows:
                groups[(check_id, location_id, minute // 60)].append(
                    packing.Minute(minute % 60, n, failed, total, peak)
                )
            existing = {
                (row.health_check_id, row.location_id, row.hour): row
                for row in PackedHour.objects.select_for_update().filter(
                    health_check_id__in=chunk, hour__in={key[2] for key in groups}
                )
            }
            new, changed = [], []
            for key, minutes in groups.items():
                row = existing.get(key)
                if row is None:
                    new.append(
                        PackedHour(
                            health_check_id=key[0],
                            location_id=key[1],
                            hour=key[2],
                            minutes=packing.pack(minutes),
                        )
                    )
                else:
                    row.minutes = packing.pack([*packing.unpack(row.minutes), *minutes])
                    changed.append(row)
            PackedHour.objects.bulk_create(new, batch_size=CHUNK)
            PackedHour.objects.bulk_update(changed, ["minutes"], batch_size=CHUNK)
            _roll_into_error_rates(rows, now)
            ids = [row[0] for row in rows]
            for part in _chunks(ids, 5000):
                MinuteAggregate.objects.filter(pk__in=part).delete()
            packed += len(rows)
    return packed


def _roll_into_error_rates(rows: Sequence[tuple[int, ...]], now: datetime) -> None:
    """The packed minutes as 60-second error-rate samples of their module-regions (every
    location's checks added up), added to what earlier runs rolled up (late results)."""
    module_regions = dict(
        HealthCheck.objects.filter(pk__in={row[1] for row in rows}).values_list(
            "pk", "module_region_id"
        )
    )
    minutes: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for _, check_id, _, minute, n, failed, *_ in rows:
        total = minutes[(module_regions[check_id], minute)]
        total[0] += n
        total[1] += failed
    samples = [
        error_rates.SampleIn(module_region, minute * 60, 60, n, failed)
        for (module_region, minute), (n, failed) in sorted(minutes.items())
    ]
    error_rates.record(error_rates.PROBES, samples, now=now, add=True)


def prune(*, now: datetime) -> int:
    """Delete minute aggregates and packed hours older than the retention; the rows deleted."""
    cutoff = to_epoch(now) - conf.retention_days() * 86_400
    pairs = list(ProbeState.objects.values_list("health_check_id", "location_id"))
    deleted = 0
    for index in range(0, len(pairs), CHUNK):
        with transaction.atomic():
            for check_id, location_id in pairs[index : index + CHUNK]:
                deleted += PackedHour.objects.filter(
                    health_check_id=check_id, location_id=location_id, hour__lt=cutoff // 3600
                ).delete()[0]
                deleted += MinuteAggregate.objects.filter(
                    health_check_id=check_id, location_id=location_id, minute__lt=cutoff // 60
                ).delete()[0]
    return deleted


@work.handler(HOUSEKEEPING, atomic=False)
def housekeeping(job: Job, now: datetime) -> None:
    """Pack the past hours, prune, and make sure the next hour's run is scheduled."""
    reevaluate(now=now)
    packed = compact(now=now)
    deleted = prune(now=now)
    logger.info("probe housekeeping: %s minute row(s) packed, %s row(s) pruned", packed, deleted)
    with transaction.atomic():
        ensure_housekeeping(now)
