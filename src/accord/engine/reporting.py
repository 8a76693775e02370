"""Figures a monthly SLA report needs beyond uptime and credits: each outage's own counted part,
percentiles of support time used, and which month's report counts a ticket.

Percentiles use the nearest-rank method (the smallest value with at least p% of the values at
or below it): every figure printed is one a ticket actually had, integers stay integers, and a
reader can check it by sorting a column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from fractions import Fraction

import numpy as np

from accord.engine.availability import MaintenanceMode, Outage, uptime_batch
from accord.engine.clocks import (
    ClockEvent,
    ClockResult,
    ClockRules,
    ClockState,
    EventKind,
    evaluate_many,
)
from accord.engine.errors import EngineError
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.timeutil import epoch_to_local, local_to_epoch, month_bounds, month_of, zone


def nearest_rank(values: Sequence[int], percent: int) -> int | None:
    """The nearest-rank percentile of `values` (None for no values): with n values sorted,
    the ceil(percent / 100 x n)-th one (the first for percent 0)."""
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise EngineError("percent", "must be a whole percent from 0 to 100")
    if len(values) == 0:
        return None
    ordered = np.sort(np.asarray(values, dtype=np.int64))
    rank = max(1, math.ceil(Fraction(percent, 100) * len(ordered)))
    return int(ordered[rank - 1])


def outage_shares(
    *,
    period: tuple[int, int],
    outages: Sequence[Outage],
    maintenance: MaintenanceSchedule | None,
    min_outage_seconds: int = 0,
    maintenance_mode: MaintenanceMode = "exclude",
) -> list[Fraction]:
    """The downtime seconds each outage would count on its own in `period`: its part outside
    maintenance and the period's edges, weighted, 0 when shorter than the minimum. Overlapping
    outages each show their own part; the module's downtime is their union (`uptime`), so
    these can add up to more than it. One vectorised call: each outage is a group."""
    if not outages:
        return []
    weights = [Fraction(o.weight) for o in outages]
    denominator = math.lcm(*(w.denominator for w in weights))
    result = uptime_batch(
        n_groups=len(outages),
        period=period,
        group=np.arange(len(outages), dtype=np.int64),
        starts=[o.start for o in outages],
        ends=[o.end for o in outages],
        weights=[int(w * denominator) for w in weights],
        weight_denominator=denominator,
        target=Fraction(0),
        maintenance=maintenance,
        min_outage_seconds=min_outage_seconds,
        maintenance_mode=maintenance_mode,
    )
    return [
        Fraction(int(numerator), result.downtime_denominator)
        for numerator in result.downtime_numerator.tolist()
    ]


# ---------------------------------------------------------------------------------------------
# Which month's report counts a ticket (docs/reports.md, "Which report counts a ticket")
#
# A month's report reads every clock at its cut-off (00:00 on the report day of the next month
# in the reporting time zone) from the events recorded by then, so its window is the time after
# the previous month's cut-off up to and including its own. An outcome (a breach: the instant
# the support time used went past the target, `ClockResult.breached_at`; a restoration) is
# counted in the report whose window holds it, and never in a month before the ticket's own.


# The events after which a stopped clock runs again: a reopening, and a contested restoration
# (withdrawn or not, the contest reopens the ticket).
REOPENINGS = frozenset({EventKind.REOPENED, EventKind.RESTORATION_CONTESTED})


class Listing(StrEnum):
    """Why a ticket reported before a report's month is listed in it."""

    CARRIED_OVER = "carried_over"  # open, or without a severity, at the previous cut-off
    REOPENED = "reopened"  # met at the previous cut-off and reopened after it


def report_cutoff(month: str, timezone: str, report_day: int) -> int:
    """The instant `month`'s report is taken at: 00:00 on `report_day` of the next month."""
    if isinstance(report_day, bool) or not isinstance(report_day, int) or not 1 <= report_day <= 28:
        raise EngineError("report_day", "must be a day of the month from 1 to 28")
    tz = zone(timezone)
    _start, end = month_bounds(month, tz)
    following = epoch_to_local(end, tz).date()
    return local_to_epoch(following.replace(day=report_day), 0, tz)


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def counting_month(instant: int, *, first_month: str, timezone: str, report_day: int) -> str:
    """The month whose report counts an outcome that happened at `instant`, for a ticket first
    listed in `first_month` (its report month): the earliest month, not before `first_month`,
    whose cut-off is at or after the instant. A breach on 2 November, before October's cut-off
    on the 3rd, is October's; one on 4 November is November's."""
    month = month_of(instant, zone(timezone))
    previous = _previous_month(month)
    if instant <= report_cutoff(previous, timezone, report_day):
        month = previous
    return max(month, first_month)


def earlier_listings(
    tickets: Mapping[int, Sequence[ClockEvent]],
    rules: ClockRules,
    *,
    previous_cutoff: int,
    cutoff: int,
) -> dict[int, Listing]:
    """Which of these tickets, reported before a report's month, the report lists and why (see
    `earlier_listing`), their clocks read at the previous cut-off: one engine call."""
    if not tickets:
        return {}
    keys = list(tickets)
    results = evaluate_many(
        [[e for e in tickets[key] if e.at <= previous_cutoff] for key in keys],
        rules,
        previous_cutoff,
    )
    answer = {}
    for key, result in zip(keys, results, strict=True):
        listing = earlier_listing(
            result, tickets[key], previous_cutoff=previous_cutoff, cutoff=cutoff
        )
        if listing is not None:
            answer[key] = listing
    return answer


def earlier_listing(
    at_previous_cutoff: ClockResult,
    events: Sequence[ClockEvent],
    *,
    previous_cutoff: int,
    cutoff: int,
) -> Listing | None:
    """How a ticket reported before a report's month is listed in it, from its clock as read at
    the previous month's cut-off and its events up to this one; None: not listed.

    Carried over when its clock was open (or had no severity) at the previous cut-off. Reopened
    when it was met there (stopped within its target, so an earlier report counted it met) and
    reopened after it, by this cut-off: its clock runs again in this report's window, and a
    breach it reaches there is this report's. A ticket breached at the previous cut-off is not
    listed again: its breach was counted once, earlier."""
    result = at_previous_cutoff
    if result.severity is None or (not result.breached and result.state is not ClockState.STOPPED):
        return Listing.CARRIED_OVER
    if result.breached:
        return None
    reopened = any(
        event.kind in REOPENINGS and previous_cutoff < event.at <= cutoff for event in events
    )
    return Listing.REOPENED if reopened else None


def reopened_from(events: Sequence[ClockEvent], *, timezone: str, report_day: int) -> str | None:
    """The month whose report counted the ticket's clock stopped (met) before it was reopened,
    when the reopening came after that report's cut-off; the latest such month. None when every
    reopening came before the report of its restoration was taken (one report saw it all)."""
    ordered = sorted(events, key=lambda event: event.at)  # stable: recorded order at a tie
    if not ordered or ordered[0].kind is not EventKind.REPORTED:
        raise EngineError("events[0]", "the first event must be 'reported'")
    first_month = month_of(ordered[0].at, zone(timezone))
    found: str | None = None
    restored_at: int | None = None
    for event in ordered:
        if event.kind is EventKind.RESTORED:
            restored_at = event.at
        elif event.kind in REOPENINGS and restored_at is not None:
            month = counting_month(
                restored_at, first_month=first_month, timezone=timezone, report_day=report_day
            )
            if event.at > report_cutoff(month, timezone, report_day):
                found = month
            restored_at = None
    return found
