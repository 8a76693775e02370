"""Return-to-service clocks: from a ticket's events to target, time used, due-at and breach.

The clock starts when the fault is reported and counts support time only. It stops when service
is restored (a temporary repair counts), resumes with the time already used when the ticket is
reopened, and pauses only where the contract allows it. The severity in force is the customer's
designation until both sides agree on another; whichever is in force applies from the report
time, so a late designation or an agreed downgrade re-measures the whole ticket.

Instants are epoch seconds. A breach is `used > target`: it happens one second after the due
instant, the last instant at which the target is not yet exceeded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import numpy as np

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.errors import EngineError


class EventKind(StrEnum):
    REPORTED = "reported"
    SEVERITY_DESIGNATED = "severity_designated"  # by the customer, at or after reporting
    SEVERITY_PROPOSED = "severity_proposed"  # the vendor disputes: proposes another severity
    SEVERITY_REJECTED = "severity_rejected"  # the customer rejects the proposal
    SEVERITY_AGREED = "severity_agreed"  # both sides agree (accepted proposal or meeting)
    RESTORED = "restored"  # service returned to working order (temporary or permanent repair)
    REOPENED = "reopened"  # the fault returned
    PAUSED = "paused"
    RESUMED = "resumed"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Standing(StrEnum):
    """What a person needs to know at a glance."""

    NO_SEVERITY = "no_severity"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"  # the last warning threshold has passed
    BREACHED = "breached"
    MET = "met"  # stopped within target


@dataclass(frozen=True)
class ClockEvent:
    kind: EventKind
    at: int
    severity: int | None = None  # for reported, designated, proposed and agreed events


@dataclass(frozen=True)
class ClockRules:
    """What a contract says about the clock."""

    targets: Mapping[int, Duration]
    calendars: Mapping[int, SupportCalendar]  # per severity (24×7 for severity 1 is common)
    warn_fractions: tuple[Fraction, ...] = (Fraction(1, 2), Fraction(3, 4), Fraction(9, 10))
    allow_pause: bool = False

    def __post_init__(self) -> None:
        missing = sorted(set(self.targets) - set(self.calendars))
        if missing:
            raise EngineError("calendars", f"no support calendar for severity {missing[0]}")
        for fraction in self.warn_fractions:
            if not 0 < fraction < 1:
                raise EngineError("warn_fractions", f"{fraction} is not between 0 and 1")


@dataclass(frozen=True)
class Warning:
    fraction: Fraction
    at: int | None  # None when the clock stopped before reaching it


@dataclass(frozen=True)
class ClockResult:
    severity: int | None  # in force
    severity_agreed: bool  # the severity in force came from an agreement
    dispute_open: bool
    target: Duration | None
    target_seconds: int | None
    used_seconds: int
    state: ClockState
    standing: Standing
    due_at: int | None  # None while stopped or paused short of the target, or without severity
    breached: bool
    breached_at: int | None
    # When the breach happened or, for a running clock, will happen if nothing changes.
    breach_at: int | None = None
    warnings: tuple[Warning, ...] = field(default_factory=tuple)

    @property
    def remaining_seconds(self) -> int | None:
        if self.target_seconds is None:
            return None
        return self.target_seconds - self.used_seconds


@dataclass(frozen=True)
class _Timeline:
    reported_at: int
    severity: int | None
    severity_agreed: bool
    dispute_open: bool
    segments: tuple[tuple[int, int], ...]  # running periods, the last one possibly open at now
    state: ClockState


def evaluate(events: Sequence[ClockEvent], rules: ClockRules, now: int) -> ClockResult:
    """The clock of one ticket at `now`."""
    return evaluate_many([events], rules, now)[0]


def evaluate_many(
    tickets: Sequence[Sequence[ClockEvent]], rules: ClockRules, now: int
) -> list[ClockResult]:
    """The clocks of many tickets at `now`: support time of all running periods is one
    vectorised call per support calendar."""
    timelines = [_timeline(events, rules, now, index) for index, events in enumerate(tickets)]
    by_calendar: dict[SupportCalendar, list[int]] = {}
    for index, timeline in enumerate(timelines):
        calendar = _calendar_for(timeline, rules)
        by_calendar.setdefault(calendar, []).append(index)
    used_per_segment: dict[int, list[int]] = {}
    for calendar, indexes in by_calendar.items():
        starts = [start for i in indexes for start, _ in timelines[i].segments]
        ends = [end for i in indexes for _, end in timelines[i].segments]
        used = calendar.elapsed_epoch(
            np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        ).tolist()
        position = 0
        for i in indexes:
            count = len(timelines[i].segments)
            used_per_segment[i] = used[position : position + count]
            position += count
    return [
        _result(timeline, used_per_segment[index], rules)
        for index, timeline in enumerate(timelines)
    ]


def _calendar_for(timeline: _Timeline, rules: ClockRules) -> SupportCalendar:
    if timeline.severity is None:
        # Without a severity there is no target, but time used still counts: on the calendar
        # of the least urgent severity, which is the contract's ordinary support hours.
        return rules.calendars[max(rules.calendars)]
    return rules.calendars[timeline.severity]


def _timeline(events: Sequence[ClockEvent], rules: ClockRules, now: int, index: int) -> _Timeline:
    where = f"tickets[{index}]"
    first = min(events, key=lambda event: event.at, default=None)
    if first is not None and first.kind is EventKind.REPORTED and first.at > now:
        # Read before its own report (another host's clock a little ahead): the clock is
        # read at the report, with nothing used yet, rather than refused.
        now = first.at
    ordered = sorted(
        (event for event in events if event.at <= now), key=lambda event: event.at
    )  # stable: events at the same second keep their recorded order
    if not ordered or ordered[0].kind is not EventKind.REPORTED:
        raise EngineError(f"{where}.events[0]", "the first event must be 'reported'")
    reported_at = ordered[0].at
    severity: int | None = None
    agreed = False
    dispute_open = False
    segments: list[tuple[int, int]] = []
    running_since: int | None = None
    state = ClockState.RUNNING
    for position, event in enumerate(ordered):
        field_name = f"{where}.events[{position}]"
        kind = event.kind
        if kind is EventKind.REPORTED:
            if position:
                raise EngineError(field_name, "a ticket is reported once")
            running_since = event.at
            if event.severity is not None:
                severity = _known_severity(event.severity, rules, field_name)
        elif kind is EventKind.SEVERITY_DESIGNATED:
            severity = _known_severity(event.severity, rules, field_name)
            agreed = False
            dispute_open = False
        elif kind is EventKind.SEVERITY_PROPOSED:
            _known_severity(event.severity, rules, field_name)
            dispute_open = True
        elif kind is EventKind.SEVERITY_REJECTED:
            dispute_open = False
        elif kind is EventKind.SEVERITY_AGREED:
            severity = _known_severity(event.severity, rules, field_name)
            agreed = True
            dispute_open = False
        elif kind is EventKind.RESTORED:
            if running_since is not None:
                segments.append((running_since, event.at))
                running_since = None
            state = ClockState.STOPPED
        elif kind is EventKind.REOPENED:
            if state is not ClockState.STOPPED:
                raise EngineError(field_name, "only a ticket whose service was restored reopens")
            running_since = event.at
            state = ClockState.RUNNING
        elif kind is EventKind.PAUSED:
            if not rules.allow_pause:
                raise EngineError(field_name, "the contract does not allow pausing the clock")
            if state is not ClockState.RUNNING or running_since is None:
                raise EngineError(field_name, "only a running clock can be paused")
            segments.append((running_since, event.at))
            running_since = None
            state = ClockState.PAUSED
        elif kind is EventKind.RESUMED:
            if state is not ClockState.PAUSED:
                raise EngineError(field_name, "only a paused clock can be resumed")
            running_since = event.at
            state = ClockState.RUNNING
    if running_since is not None:
        segments.append((running_since, now))
    return _Timeline(
        reported_at=reported_at,
        severity=severity,
        severity_agreed=agreed,
        dispute_open=dispute_open,
        segments=tuple(segments),
        state=state,
    )


def _known_severity(severity: int | None, rules: ClockRules, field_name: str) -> int:
    if severity is None or severity not in rules.targets:
        known = ", ".join(str(level) for level in sorted(rules.targets))
        raise EngineError(f"{field_name}.severity", f"{severity!r} is not one of {known}")
    return severity


def _result(timeline: _Timeline, used_per_segment: list[int], rules: ClockRules) -> ClockResult:
    used = sum(used_per_segment)
    running = timeline.state is ClockState.RUNNING
    if timeline.severity is None:
        return ClockResult(
            severity=None,
            severity_agreed=False,
            dispute_open=timeline.dispute_open,
            target=None,
            target_seconds=None,
            used_seconds=used,
            state=timeline.state,
            standing=Standing.NO_SEVERITY,
            due_at=None,
            breached=False,
            breached_at=None,
        )
    calendar = rules.calendars[timeline.severity]
    target = rules.targets[timeline.severity]
    target_seconds = _target_seconds(calendar, target, timeline.reported_at)
    crossing = _Crossing(timeline.segments, used_per_segment, running, calendar)
    breached = used > target_seconds
    # A stopped clock has no due instant unless it ran past one.
    due_at = crossing.due(target_seconds) if running or breached else None
    breach_at = crossing.reach(target_seconds + 1) if running or breached else None
    breached_at = breach_at if breached else None
    warnings = tuple(
        Warning(fraction, crossing.reach(math.ceil(fraction * target_seconds)))
        for fraction in rules.warn_fractions
    )
    if breached:
        standing = Standing.BREACHED
    elif timeline.state is ClockState.STOPPED:
        standing = Standing.MET
    elif warnings and used >= math.ceil(max(rules.warn_fractions) * target_seconds):
        standing = Standing.AT_RISK
    else:
        standing = Standing.ON_TRACK
    return ClockResult(
        severity=timeline.severity,
        severity_agreed=timeline.severity_agreed,
        dispute_open=timeline.dispute_open,
        target=target,
        target_seconds=target_seconds,
        used_seconds=used,
        state=timeline.state,
        standing=standing,
        due_at=due_at,
        breached=breached,
        breached_at=breached_at,
        breach_at=breach_at,
        warnings=warnings,
    )


def _target_seconds(calendar: SupportCalendar, target: Duration, reported_at: int) -> int:
    """A target in support seconds. Support days are measured from the report: "2 days" from
    Monday 15:00 is the support time until Wednesday 15:00."""
    if not target.days:
        return target.seconds
    start = np.asarray([reported_at], dtype=np.int64)
    due = calendar.add_epoch(start, target)
    return int(calendar.elapsed_epoch(start, due)[0])


class _Crossing:
    """Finds the instant the clock reaches an amount of support time, in past segments or,
    for a running clock, projected into the open one."""

    def __init__(
        self,
        segments: tuple[tuple[int, int], ...],
        used_per_segment: list[int],
        running: bool,
        calendar: SupportCalendar,
    ) -> None:
        self.segments = segments
        self.used = used_per_segment
        self.running = running
        self.calendar = calendar

    def _locate(self, amount: int, *, beyond: bool = False) -> tuple[int, int] | None:
        """(segment start, amount still needed at its start) of the segment that reaches
        `amount` (or, with `beyond`, goes past it), or None when the clock stopped short."""
        before = 0
        for position, (start, _end) in enumerate(self.segments):
            last_open = self.running and position == len(self.segments) - 1
            total = before + self.used[position]
            if total > amount or (total == amount and not beyond) or last_open:
                return start, amount - before
            before += self.used[position]
        return None

    def reach(self, amount: int) -> int | None:
        located = self._locate(amount)
        if located is None:
            return None
        start, needed = located
        one = np.asarray([start], dtype=np.int64)
        return int(self.calendar.reach_epoch(one, np.asarray([needed], dtype=np.int64))[0])

    def due(self, target_seconds: int) -> int | None:
        located = self._locate(target_seconds, beyond=True)
        if located is None:
            return None
        start, needed = located
        one = np.asarray([start], dtype=np.int64)
        return int(self.calendar.add_epoch(one, Duration(seconds=max(needed, 0)))[0])
