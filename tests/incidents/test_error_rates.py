"""Error-rate samples: pushed by an external source over the API, rolled up from Accord's own
probes, and read back by the engine's error-rate rules (docs/monitoring.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from django.test import Client

from accord.engine.error_rates import ErrorRateRule, downtime_runs, mean_error_rate
from accord.monitoring import error_rates
from accord.monitoring.models import ErrorRateSample

from .conftest import module_region

HOUR = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
EPOCH = int(HOUR.timestamp())


def _push(token: str, samples: list[dict[str, Any]]) -> Any:
    return Client().post(
        "/api/hooks/error-rates",
        json.dumps({"samples": samples}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _sample(minute: int, requests: int, errors: int, **extra: Any) -> dict[str, Any]:
    start = HOUR + timedelta(minutes=minute)
    return {
        "module": "release-manager",
        "region": "us",
        "start": start.isoformat().replace("+00:00", "Z"),
        "seconds": 60,
        "requests": requests,
        "errors": errors,
        **extra,
    }


def test_a_source_pushes_samples_and_a_resend_replaces_them(world: Any, make_source: Any) -> None:
    source, token = make_source("error_rates", name="Prometheus recording rule")
    answer = _push(token, [_sample(0, 1000, 10), _sample(1, 1000, 80), _sample(2, 500, 0)])
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"source": source.name, "new": 3, "replaced": 0}
    again = _push(token, [_sample(1, 1000, 20)])
    assert again.json()["replaced"] == 1
    mr = module_region("release-manager", "us")
    rows = ErrorRateSample.objects.filter(module_region=mr).order_by("start")
    assert [(r.requests, r.errors) for r in rows] == [(1000, 10), (1000, 20), (500, 0)]


@pytest.mark.parametrize(
    ("sample", "field", "words"),
    [
        (_sample(0, 10, 11), "samples[1].errors", "to the sample's requests"),
        ({**_sample(0, 10, 1), "start": "2026-11-03T10:00:30Z"}, "samples[1].start", "boundary"),
        ({**_sample(0, 10, 1), "seconds": 120}, "seconds", ""),
        ({**_sample(0, 10, 1), "module": "nothing"}, "samples[1].module", "no module"),
        ({**_sample(0, 10, 1), "start": "2999-01-01T00:00:00Z"}, "samples[1].start", "not over"),
    ],
)
def test_a_bad_sample_is_refused_by_name_and_nothing_is_kept(
    world: Any, make_source: Any, sample: dict[str, Any], field: str, words: str
) -> None:
    _, token = make_source("error_rates")
    answer = _push(token, [_sample(5, 100, 1), sample])
    assert answer.status_code in (400, 422), answer.content
    text = answer.content.decode()
    assert field in text and words in text, text
    assert not ErrorRateSample.objects.exists()


def test_only_an_error_rates_source_may_push(world: Any, make_source: Any) -> None:
    _, alertmanager = make_source("alertmanager")
    assert _push(alertmanager, [_sample(0, 10, 1)]).status_code == 401


def test_the_engine_reads_the_samples_every_source_added_up(world: Any, make_source: Any) -> None:
    """Two sources (two load balancers) add up per minute; Atlassian's rule (a minute above 5%
    is down) and S3's (100% minus the mean 5-minute error rate) read them."""
    _, one = make_source("error_rates", name="lb-east")
    _, two = make_source("error_rates", name="lb-west")
    _push(one, [_sample(0, 100, 3), _sample(1, 100, 10), _sample(2, 100, 0)])
    _push(two, [_sample(0, 100, 5), _sample(1, 100, 2)])
    mr = module_region("release-manager", "us")
    minutes = error_rates.samples_for(mr.pk, EPOCH, EPOCH + 3600, 60)
    assert list(minutes.requests) == [200, 200, 100] and list(minutes.errors) == [8, 12, 0]
    starts, ends = downtime_runs(ErrorRateRule(sample_seconds=60), minutes)
    assert (list(starts), list(ends)) == ([EPOCH + 60], [EPOCH + 120])  # 6% > 5%; 4% is not
    fives = error_rates.samples_for(mr.pk, EPOCH, EPOCH + 3600, 300)
    assert (list(fives.requests), list(fives.errors)) == ([500], [20])
    # One 5-minute interval at 4% and eleven at 0 over the hour: a mean of 4%/12.
    assert mean_error_rate((EPOCH, EPOCH + 3600), 300, fives) == Fraction(1, 300)


def test_the_probes_minutes_become_samples_and_late_results_add_up(world: Any) -> None:
    from accord.probes import services as probes
    from accord.probes.models import HealthCheck, MinuteAggregate

    mr = module_region("release-manager", "us")
    check = HealthCheck.objects.create(module_region=mr, name="rm", url="http://127.0.0.1:9/")
    one, _ = probes.create_location(name="Frankfurt", slug="fra")
    two, _ = probes.create_location(name="Oregon", slug="pdx")
    minute = EPOCH // 60

    def aggregate(location: Any, checks: int, failures: int) -> None:
        MinuteAggregate.objects.create(
            health_check=check,
            location=location,
            minute=minute,
            checks=checks,
            failures=failures,
            latency_sum_ms=0,
            latency_max_ms=0,
        )

    aggregate(one, 6, 1)
    aggregate(two, 6, 3)
    now = HOUR + timedelta(hours=2)
    probes.compact(now=now)
    aggregate(one, 2, 2)  # a result that arrived after the minute was rolled up
    probes.compact(now=now)
    row = ErrorRateSample.objects.get(module_region=mr, source=error_rates.PROBES)
    assert (row.start, row.seconds, row.requests, row.errors) == (HOUR, 60, 14, 6)
