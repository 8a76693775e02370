"""The status page's daily bars: 90 days of uptime per module-region, in the region's days.

The figures come from the engine through `accord.monitoring.services.daily_uptime_batch` (one
outage query and a few vectorised engine calls for every module-region at once). This module
names the days, labels each day's figure and formats minutes; the HTML of the bars and of the
days-with-downtime table is built by the `daily_bars` and `downtime_rows` template tags
(templatetags/status_tags.py) from these labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.utils.translation import gettext

from accord.monitoring.models import ModuleRegion
from accord.monitoring.services import DailyUptime, PeriodUptime, Terms, daily_uptime_batch

DAYS = 90


def days_until(today: date) -> tuple[date, ...]:
    """The 90 days the bars show, oldest first, ending with `today` (so far)."""
    return tuple(today - timedelta(days=DAYS - 1 - n) for n in range(DAYS))


def daily_figures(
    module_regions: Sequence[ModuleRegion],
    terms: dict[int, Terms],
    today: dict[int, date],
    *,
    now: datetime,
) -> dict[int, DailyUptime]:
    """The engine's figure of each of the 90 days of every module-region, by its pk (terms and
    `today` by region pk)."""
    days = {pk: days_until(day) for pk, day in today.items()}
    return daily_uptime_batch(module_regions, terms, days, now=now)


@dataclass(slots=True)
class DayBar:
    """One day's bar: its class, its text ("2026-11-02: 99.950% uptime, 3.0 min down") and,
    for a day with downtime, its row of the table."""

    iso: str
    kind: str  # bar-up, bar-dip (downtime, target met), bar-down
    label: str
    uptime: str  # "99.950"
    down_minutes: str | None  # None: no downtime that day


def day_bars(days: Sequence[date], figures: Sequence[PeriodUptime]) -> list[DayBar]:
    """The bars of one module-region, oldest day first."""
    bars = []
    # Looked up once for the 90 bars (1,350 on the overall page), in the page's language.
    up_text, down_text = gettext("%(day)s: %(percent)s%% uptime"), gettext(", %(minutes)s min down")
    maintenance_text = gettext(", %(minutes)s min maintenance")
    for day, figure in zip(days, figures, strict=True):
        iso = day.isoformat()
        shown = figure.uptime_percent_display
        label = up_text % {"day": iso, "percent": shown}
        down = figure.downtime_numerator
        minutes = None
        if down:
            minutes = minutes_up(down, figure.downtime_denominator)
            label += down_text % {"minutes": minutes}
        if figure.maintenance_seconds:
            label += maintenance_text % {"minutes": tenths(figure.maintenance_seconds // 6)}
        kind = "bar-up" if not down else "bar-dip" if figure.met else "bar-down"
        bars.append(DayBar(iso=iso, kind=kind, label=label, uptime=shown, down_minutes=minutes))
    return bars


def downtime_days(figures: Sequence[PeriodUptime]) -> int:
    """How many of the days had any downtime."""
    return sum(1 for figure in figures if figure.downtime_numerator)


def minutes_up(numerator: int, denominator: int) -> str:
    """`minutes_ceil` of numerator / denominator seconds, on integers (the bars' hot path)."""
    return tenths(-(-numerator // (denominator * 6)))


def minutes_floor(seconds: Fraction) -> str:
    """Minutes to one decimal, floored (never more than there is): 2584.8 s -> "43.0"."""
    return tenths(math.floor(Fraction(seconds) / 6))


def minutes_ceil(seconds: Fraction) -> str:
    """Minutes to one decimal, rounded up (never less than there was): 601 s -> "10.1"."""
    return tenths(math.ceil(Fraction(seconds) / 6))


def tenths(count: int) -> str:
    """A count of tenths as a decimal with thousands separators: 12345 -> "1,234.5"."""
    sign = "-" if count < 0 else ""
    whole, part = divmod(abs(count), 10)
    return f"{sign}{whole:,}.{part}"
