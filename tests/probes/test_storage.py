"""Storage that stays small: minute aggregates, packed hours, retention, the hourly job."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accord.engine.timeutil import to_epoch
from accord.monitoring.models import Outage
from accord.probes import conf, packing, services
from accord.probes.models import MinuteAggregate, PackedHour, StatusChange
from accord.probes.prober import Result
from accord.work.models import Job, JobState
from accord.work.services import run_due

from .conftest import T0, at


def record(check: Any, results: list[tuple[float, bool, int]], now: Any = None) -> None:
    with transaction.atomic():
        services.record_results(
            services.builtin_location(),
            [Result(check.pk, T0 + int(offset), ok, latency) for offset, ok, latency in results],
            now=now or at(max(offset for offset, _, _ in results)),
        )


def series(check: Any) -> list[packing.Minute]:
    worker = services.builtin_location()
    return services.minute_series(check.pk, worker.pk, T0 // 60 - 600, T0 // 60 + 600)


def test_packing_round_trips_and_is_small() -> None:
    rng = random.Random(4)
    for per_minute in (1, 3, 6):
        minutes = []
        for m in range(60):
            latencies = [max(1, int(rng.gauss(60, 12))) for _ in range(per_minute)]
            failed = int(rng.random() < 0.05)
            minutes.append(packing.Minute(m, per_minute, failed, sum(latencies), max(latencies)))
        data = packing.pack(minutes)
        assert packing.unpack(data) == minutes
        assert len(data) <= 60 * 2.5 + 10 * per_minute, (per_minute, len(data))
    assert packing.unpack(packing.pack([])) == []
    with pytest.raises(ValueError):
        packing.unpack(b"\x07junk")


def test_results_add_up_per_minute_and_pack_into_hours(
    world: Any, make_check: Callable[..., Any]
) -> None:
    check = make_check(interval_seconds=20)
    # Two and a half hours of 20-second checks, one failing minute, in three batches.
    results = [(s, not (600 <= s < 660), 30 + s % 7) for s in range(0, 9000, 20)]
    for part in range(3):
        record(check, results[part * 150 : (part + 1) * 150])
    before = series(check)
    assert len(before) == 150
    assert before[0] == packing.Minute(T0 // 60, 3, 0, 30 + 36 + 35, 36)
    assert before[10].failures == 3
    assert MinuteAggregate.objects.count() == 150

    packed = services.compact(now=at(9000))  # 14:30: 12:00-13:59 are over
    assert packed == 120
    assert PackedHour.objects.count() == 2 and MinuteAggregate.objects.count() == 30
    assert series(check) == before
    # An agent's backlog arrives late, in two batches: its second batch adds to a minute of an
    # hour already packed, as a minute row that the next run merges into the packed hour.
    eu, _ = services.create_location(name="EU", slug="eu")
    with transaction.atomic():
        services.record_results(eu, [Result(check.pk, T0 + 600, False, 400)], now=at(9100))
    services.compact(now=at(9100))
    with transaction.atomic():
        services.record_results(eu, [Result(check.pk, T0 + 640, True, 500)], now=at(9100))
    assert MinuteAggregate.objects.filter(location=eu).count() == 1
    services.compact(now=at(9100))
    late = services.minute_series(check.pk, eu.pk, T0 // 60, T0 // 60 + 60)
    assert late == [packing.Minute(T0 // 60 + 10, 2, 1, 900, 500)]
    assert PackedHour.objects.filter(location=eu).count() == 1
    assert not MinuteAggregate.objects.filter(location=eu).exists()
    # The worker's own late result is not after its last one: a duplicate, ignored.
    record(check, [(605, False, 500)], now=at(9100))
    assert series(check) == before


def test_old_aggregates_are_pruned_and_history_is_kept(
    world: Any, settings: Any, target: Any, make_check: Callable[..., Any]
) -> None:
    settings.ACCORD_PROBE_RETENTION_DAYS = 2
    check = make_check(failures_to_confirm=1)
    record(check, [(0, False, 10), (60, True, 10)])
    services.compact(now=at(7200))
    record(check, [(86_400 + 60 * i, True, 10) for i in range(3)])
    assert Outage.objects.count() == 1 and StatusChange.objects.count() == 2
    assert services.prune(now=at(2 * 86_400)) == 0  # nothing is two days old yet
    assert services.prune(now=at(2 * 86_400 + 3600)) == 1  # the first hour is
    assert PackedHour.objects.count() == 0 and MinuteAggregate.objects.count() == 3
    assert Outage.objects.count() == 1 and StatusChange.objects.count() == 2


def test_the_settings_are_checked(settings: Any) -> None:
    settings.ACCORD_PROBE_RETENTION_DAYS = 0
    with pytest.raises(ImproperlyConfigured, match="ACCORD_PROBE_RETENTION_DAYS"):
        conf.retention_days()
    del settings.ACCORD_PROBE_RETENTION_DAYS
    assert conf.retention_days() == 90
    settings.ACCORD_PROBE_CONNECTIONS_PER_ORIGIN = 0
    with pytest.raises(ImproperlyConfigured, match="ACCORD_PROBE_CONNECTIONS_PER_ORIGIN"):
        conf.connections_per_origin()
    del settings.ACCORD_PROBE_CONNECTIONS_PER_ORIGIN
    assert conf.connections_per_origin() == 6


def test_the_worker_packs_each_hour_and_schedules_the_next(
    world: Any, make_check: Callable[..., Any]
) -> None:
    check = make_check()
    record(check, [(60 * i, True, 20) for i in range(60)])
    hour = T0 // 3600
    job = Job.objects.get(kind=services.HOUSEKEEPING)
    assert (job.key, job.due_at) == (services.housekeeping_key(hour), at(3600 + 120))
    assert run_due("w", now=at(3600 + 60)) == 0  # not due before 13:02
    assert run_due("w", now=at(3600 + 120)) == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    assert PackedHour.objects.count() == 1 and not MinuteAggregate.objects.exists()
    following = Job.objects.get(key=services.housekeeping_key(hour + 1))
    assert following.due_at == at(7200 + 120)


def test_bytes_per_check(world: Any, make_check: Callable[..., Any]) -> None:
    """What docs/monitoring.md states: an hour of one-minute checks packs into under 100
    bytes of data (the row and its index add about 40 in SQLite)."""
    check = make_check()
    rng = random.Random(9)
    record(check, [(60 * i, True, max(1, int(rng.gauss(80, 15)))) for i in range(60)])
    services.compact(now=at(3600))
    data = bytes(PackedHour.objects.get().minutes)
    assert len(data) < 100
    assert to_epoch(at(0)) // 3600 == PackedHour.objects.get().hour
