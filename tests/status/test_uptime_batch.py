"""The status page's batched uptime (`uptime_grid`, `daily_uptime_batch`) equals the one
module-region, one period computation (`period_uptime`, `month_uptime`) figure for figure:
random outages of every impact, ad-hoc windows with and without notice and for some
module-regions only, days across both DST changes, a minimum outage length, open outages."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from accord.engine.availability import error_budget
from accord.engine.timeutil import from_epoch, local_to_epoch, parse_instant, zone
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
from accord.monitoring.services import (
    Terms,
    daily_uptime,
    daily_uptime_batch,
    month_uptime,
    period_uptime,
    uptime_grid,
)
from accord.status.services import public_terms


def utc(text: str) -> Any:
    return from_epoch(parse_instant(text, "at"))


def same(batch: Any, single: Any) -> None:
    assert batch.eligible_seconds == single.eligible_seconds
    assert batch.maintenance_seconds == single.maintenance_seconds
    assert batch.downtime_seconds == single.downtime_seconds
    assert batch.uptime_fraction == single.uptime_fraction
    assert batch.uptime_percent_display == single.uptime_percent_display
    assert batch.met == single.met


def random_history(world: Any, rng: random.Random, start: Any, end: Any) -> None:
    module_regions = list(ModuleRegion.objects.filter(region__code__in=["us", "uk"]))
    span = int((end - start).total_seconds())
    impacts = [Impact.MAJOR_OUTAGE, Impact.PARTIAL_OUTAGE, Impact.DEGRADED]
    for mr in module_regions:
        for _ in range(rng.randint(0, 25)):
            begin = start + timedelta(seconds=rng.randint(-86_400, span))
            length = rng.choice([30, 90, 600, 1_800, 3_600, 20_000, 200_000])
            Outage.objects.create(
                module_region=mr,
                source=Source.PROBE,
                impact=rng.choice(impacts),
                start=begin,
                end=None if rng.random() < 0.05 else begin + timedelta(seconds=length),
                organisation=world.globex if rng.random() < 0.1 else None,
            )
    for region in ("us", "uk"):
        for _ in range(4):
            begin = start + timedelta(seconds=rng.randint(0, span))
            window = MaintenanceWindow.objects.create(
                region=module_regions[0].region.__class__.objects.get(code=region),
                title="Upgrade",
                start=begin,
                end=begin + timedelta(hours=rng.choice([1, 3, 30])),
                announced_at=begin - timedelta(hours=rng.choice([2, 47, 48, 100])),
                created_by=world.vendor_admin,
            )
            if rng.random() < 0.5:
                window.module_regions.add(
                    *rng.sample([mr for mr in module_regions if mr.region.code == region], 2)
                )


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("min_outage", [0, 300])
def test_daily_bars_equal_one_period_at_a_time(world: Any, seed: int, min_outage: int) -> None:
    rng = random.Random(seed)
    # 10 March to 6 April 2026 crosses the US (8 March is just before) and UK (29 March)
    # spring-forward days; 1 to 4 November the US fall-back day.
    now = utc("2026-11-03T15:20:00Z")
    start = utc("2026-03-01T00:00:00Z")
    random_history(world, rng, start, now)
    module_regions = list(
        ModuleRegion.objects.filter(region__code__in=["us", "uk"]).select_related("region")
    )
    terms = {
        mr.region_id: replace(public_terms(mr.region), min_outage_seconds=min_outage)
        for mr in module_regions
    }
    spring = [date(2026, 3, 6) + timedelta(days=n) for n in range(28)]
    autumn = [date(2026, 10, 29) + timedelta(days=n) for n in range(6)]  # to today
    for days in (spring, autumn):
        batch = daily_uptime_batch(module_regions, terms, days, now=now)
        for mr in module_regions:
            singles = daily_uptime(mr, terms[mr.region_id], days, now=now)
            assert len(batch[mr.pk].days) == len(days)
            for figure, single in zip(batch[mr.pk].days, singles, strict=True):
                same(figure, single)
            tz = zone(terms[mr.region_id].timezone)
            first = from_epoch(local_to_epoch(days[0], 0, tz))
            last = from_epoch(local_to_epoch(days[-1] + timedelta(days=1), 0, tz))
            whole = period_uptime(mr, terms[mr.region_id], first, min(last, now), now=now)
            same(batch[mr.pk].total, whole)


def test_a_day_after_now_is_empty(world: Any) -> None:
    now = utc("2026-11-03T15:20:00Z")  # 07:20 in Los Angeles
    mr = ModuleRegion.objects.select_related("region").get(module=world.module, region__code="us")
    Outage.objects.create(module_region=mr, source=Source.PROBE, start=utc("2026-11-03T15:00:00Z"))
    terms = {mr.region_id: public_terms(mr.region)}
    days = [date(2026, 11, 3), date(2026, 11, 4)]
    today, tomorrow = daily_uptime_batch([mr], terms, days, now=now)[mr.pk].days
    assert today.eligible_seconds == 7 * 3600 + 20 * 60
    assert today.downtime_seconds == 20 * 60  # open: it lasts until now
    assert (tomorrow.eligible_seconds, tomorrow.uptime_percent_display) == (0, "100.000")


def test_a_customers_month_equals_month_uptime(world: Any) -> None:
    rng = random.Random(7)
    now = utc("2026-03-20T12:00:00Z")
    random_history(world, rng, utc("2026-02-25T00:00:00Z"), now)
    terms = Terms.of(world.globex.contract.terms)
    module_regions = list(ModuleRegion.objects.filter(region__code="us"))
    first, following = utc("2026-03-01T08:00:00Z"), utc("2026-04-01T07:00:00Z")
    grid = uptime_grid(
        module_regions,
        {module_regions[0].region_id: terms},
        {module_regions[0].region_id: [(first, following), (first, now)]},
        now=now,
        organisation=world.globex,
    )
    for mr in module_regions:
        month, so_far = grid[mr.pk]
        same(month, month_uptime(mr, terms, "2026-03", organisation=world.globex, now=now))
        same(so_far, period_uptime(mr, terms, first, now, organisation=world.globex, now=now))


def test_error_budget_is_exact() -> None:
    from fractions import Fraction

    budget = error_budget(Fraction(999, 1000), 43_200 * 60, Fraction(600))
    assert budget.allowed_seconds == Fraction(2_592)  # 43.2 minutes
    assert budget.remaining_seconds == Fraction(1_992)
    over = error_budget(Fraction(999, 1000), 43_200 * 60, Fraction(2_593))
    assert over.remaining_seconds == -1
