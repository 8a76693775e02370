"""Property tests of `evaluate_many`: a batch of random tickets gives, ticket by ticket, what a
plain one-ticket reference gives, and what each ticket evaluated alone gives.

Tickets may have their restorations contested; the reference settles the contests the plain way
(`settled`): a withdrawn restoration is struck out with its contest, as if the clock had never
stopped, and any other contest reads as a reopen.

The batch computes its instants together (one call per calendar); the reference below asks the
calendar one instant at a time, straight from the definitions: the due instant is the last at
which the time used is still within the target, a threshold is reached at the first instant
the time used reaches it. The calendar itself is checked against a minute-by-minute reference in
test_calendar_properties.py. The tickets lie around the start of DST in Pacific time (8 March
2026), with office hours for most severities and 24×7 for Severity 1.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.clocks import (
    ClockEvent,
    ClockResult,
    ClockRules,
    ClockState,
    EventKind,
    evaluate,
    evaluate_many,
)

HOUR = 3600
OFFICE = SupportCalendar.from_dict(
    {
        "timezone": "America/Los_Angeles",
        "weekly": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
)
ALWAYS = SupportCalendar.twenty_four_seven("America/Los_Angeles")
TARGETS = {
    1: Duration(seconds=4 * HOUR),
    2: Duration(seconds=12 * HOUR),
    3: Duration(days=2),
    4: Duration(days=5, seconds=HOUR),
}
RULES = ClockRules(targets=TARGETS, calendars={1: ALWAYS, 2: OFFICE, 3: OFFICE, 4: OFFICE})
START = 1_772_870_400  # Saturday 7 March 2026 08:00 UTC, the day before DST begins
SPAN = 9 * 24 * HOUR


@st.composite
def tickets(draw: st.DrawFn) -> list[ClockEvent]:
    """A ticket's events in a valid order: a report, then designations, disputes, restores and
    reopens at non-decreasing instants."""
    at = draw(st.integers(START, START + SPAN))
    severity = draw(st.one_of(st.none(), st.sampled_from(sorted(TARGETS))))
    events = [ClockEvent(EventKind.REPORTED, at, severity)]
    stopped = contested = False
    for _ in range(draw(st.integers(0, 8))):
        at += draw(st.one_of(st.just(0), st.integers(1, 30 * HOUR)))
        kinds = [EventKind.SEVERITY_DESIGNATED, EventKind.SEVERITY_PROPOSED]
        kinds += [EventKind.SEVERITY_AGREED, EventKind.SEVERITY_REJECTED]
        kinds.append(EventKind.REOPENED if stopped else EventKind.RESTORED)
        if stopped and not contested:
            kinds += [EventKind.RESTORATION_CONTESTED] * 4
        if contested:  # answered while the clock runs again, or after a later restoration
            kinds += [EventKind.RESTORATION_WITHDRAWN, EventKind.CONTEST_REJECTED] * 2
        kind = draw(st.sampled_from(kinds))
        needs_severity = kind in (
            EventKind.SEVERITY_DESIGNATED,
            EventKind.SEVERITY_PROPOSED,
            EventKind.SEVERITY_AGREED,
        )
        level = draw(st.sampled_from(sorted(TARGETS))) if needs_severity else None
        events.append(ClockEvent(kind, at, level))
        if kind is EventKind.RESTORED:
            stopped = True
        elif kind is EventKind.REOPENED:
            stopped = False
        elif kind is EventKind.RESTORATION_CONTESTED:
            stopped, contested = False, True
        elif kind in (EventKind.RESTORATION_WITHDRAWN, EventKind.CONTEST_REJECTED):
            contested = False
    return events


def settled(ordered: list[ClockEvent]) -> tuple[list[ClockEvent], bool, bool]:
    """The events as if the contests had been settled the plain way, with whether a contest is
    still open and whether one was rejected: a withdrawn restoration, its contest and the
    withdrawal are struck out (the clock never stopped); a rejected or unanswered contest reads
    as a reopen."""
    events = list(ordered)
    open_contest: int | None = None
    disputed = False
    position = 0
    while position < len(events):
        kind = events[position].kind
        if kind is EventKind.RESTORATION_CONTESTED:
            open_contest = position
        elif kind is EventKind.CONTEST_REJECTED:
            disputed, open_contest = True, None
        elif kind is EventKind.RESTORATION_WITHDRAWN:
            assert open_contest is not None
            restored = max(i for i in range(open_contest) if events[i].kind is EventKind.RESTORED)
            del events[position]
            del events[open_contest]
            del events[restored]
            position -= 3
            open_contest = None
        position += 1
    contested = open_contest is not None
    plain = [
        ClockEvent(EventKind.REOPENED, e.at) if e.kind is EventKind.RESTORATION_CONTESTED else e
        for e in events
        if e.kind is not EventKind.CONTEST_REJECTED
    ]
    return plain, contested, disputed


def elapsed(calendar: SupportCalendar, start: int, end: int) -> int:
    return int(calendar.elapsed_epoch(np.array([start]), np.array([end]))[0])


def reference(events: list[ClockEvent], now: int) -> tuple[object, ...]:
    """The figures of one ticket's clock, asked of the calendar one instant at a time."""
    now = max(now, events[0].at)
    ordered, contested, disputed = settled(
        sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    )
    severity, agreed, segments, since = None, False, [], None
    restored_at = None
    for event in ordered:
        if event.kind is EventKind.REPORTED:
            severity, since = event.severity, event.at
        elif event.kind is EventKind.SEVERITY_DESIGNATED:
            severity, agreed = event.severity, False
        elif event.kind is EventKind.SEVERITY_AGREED:
            severity, agreed = event.severity, True
        elif event.kind is EventKind.RESTORED:
            restored_at = event.at
            if since is not None:
                segments.append((since, event.at))
                since = None
        elif event.kind is EventKind.REOPENED:
            since, restored_at = event.at, None
    running = since is not None
    if running:
        segments.append((since, now))
    window = RULES.restoration_contest_seconds
    contest = (
        restored_at,
        None if restored_at is None or contested else restored_at + window,
        contested,
        disputed,
    )
    calendar = RULES.calendars[severity or max(TARGETS)]
    used = [elapsed(calendar, start, end) for start, end in segments]
    if severity is None:
        return (None, sum(used), None, None, None, (), contest)
    target = TARGETS[severity]
    reported = ordered[0].at
    target_seconds = target.seconds
    if target.days:  # support days: the support time from the report to the day's due instant
        due_of_days = int(calendar.add_epoch(np.array([reported]), target)[0])
        target_seconds = elapsed(calendar, reported, due_of_days)

    def crossing(amount: int, *, beyond: bool) -> int | None:
        before = 0
        for position, (start, _end) in enumerate(segments):
            open_segment = running and position == len(segments) - 1
            total = before + used[position]
            if total > amount or (total == amount and not beyond) or open_segment:
                needed = np.array([amount - before])
                if beyond:  # the last instant still within `amount`
                    seconds = Duration(seconds=max(amount - before, 0))
                    return int(calendar.add_epoch(np.array([start]), seconds)[0])
                return int(calendar.reach_epoch(np.array([start]), needed)[0])
            before = total
        return None

    breached = sum(used) > target_seconds
    counting = running or breached
    due = crossing(target_seconds, beyond=True) if counting else None
    breach = crossing(target_seconds + 1, beyond=False) if counting else None
    warnings = tuple(
        crossing(math.ceil(fraction * target_seconds), beyond=False)
        for fraction in (Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    )
    return (severity, sum(used), target_seconds, due, breach, warnings, agreed, contest)


def figures(result: ClockResult) -> tuple[object, ...]:
    contest = (
        result.restored_at,
        result.contest_until,
        result.restoration_contested,
        result.restoration_disputed,
    )
    if result.severity is None:
        return (None, result.used_seconds, None, None, None, (), contest)
    return (
        result.severity,
        result.used_seconds,
        result.target_seconds,
        result.due_at,
        result.breach_at,
        tuple(warning.at for warning in result.warnings),
        result.severity_agreed,
        contest,
    )


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(tickets(), min_size=1, max_size=12), later=st.integers(0, SPAN))
def test_a_batch_gives_each_ticket_what_the_reference_and_a_lone_call_give(
    batch: list[list[ClockEvent]], later: int
) -> None:
    now = START + later
    results = evaluate_many(batch, RULES, now)
    assert len(results) == len(batch)
    for events, result in zip(batch, results, strict=True):
        assert figures(result) == reference(events, now)
        assert result == evaluate(events, RULES, now)
        if result.breached:
            assert result.breached_at == result.breach_at
            assert result.due_at is not None and result.breach_at is not None
            assert result.breach_at > result.due_at
        if result.state is ClockState.STOPPED and not result.breached:
            assert result.due_at is None
