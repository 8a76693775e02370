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
from typing import Any

import numpy as np

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.errors import EngineError


class EventKind(StrEnum):
    REPORTED = "reported"
    SEVERITY_DESIGNATED = "severity_designated"  # by the customer, at or after reporting
    SEVERITY_PROPOSED = "severity_proposed"  # the vendor disputes: proposes another severity
    SEVERITY_REJECTED = "severity_rejected"  # the customer rejects the proposal
    SEVERITY_AGREED = "severity_agreed"  # both sides agree (accepted proposal or meeting)
    # A rejected proposal leaves the severity dispute unresolved (the severity in force
    # stands) until an agreement or a recorded meeting settles it: this event is the meeting.
    SEVERITY_SETTLED = "severity_settled"
    RESTORED = "restored"  # service returned to working order (temporary or permanent repair)
    REOPENED = "reopened"  # the fault returned
    PAUSED = "paused"
    RESUMED = "resumed"
    # The customer says a restoration did not hold (docs/sla-model.md, "Contested
    # restorations"): the clock runs again from the contest, provisionally, until the vendor
    # answers. Withdrawn: both sides agree the restoration never held, so it is void and the
    # time from it to the contest counts. Rejected: the vendor maintains it; that time does not
    # count (as after a reopen) and the ticket carries an unresolved dispute.
    RESTORATION_CONTESTED = "restoration_contested"
    RESTORATION_WITHDRAWN = "restoration_withdrawn"
    CONTEST_REJECTED = "contest_rejected"


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
    # How long after a restoration the customer may contest it (wall-clock seconds, not support
    # time); 0: contests are not allowed.
    restoration_contest_seconds: int = 24 * 3600

    def __post_init__(self) -> None:
        if self.restoration_contest_seconds < 0:
            raise EngineError("restoration_contest_seconds", "must be 0 or more")
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
    # The restoration that stopped the clock (None while it runs or is paused).
    restored_at: int | None = None
    # The last instant that restoration may be contested (None: no restoration to contest, a
    # contest already open, or contests not allowed by the contract).
    contest_until: int | None = None
    restoration_contested: bool = False  # a contest awaits the vendor's answer
    restoration_disputed: bool = False  # the vendor rejected a contest: an unresolved dispute
    # A proposal was rejected and neither an agreement nor a meeting has settled it since.
    severity_disputed: bool = False

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
    restored_at: int | None = None
    contested: bool = False
    severity_disputed: bool = False
    disputed: bool = False


def evaluate(events: Sequence[ClockEvent], rules: ClockRules, now: int) -> ClockResult:
    """The clock of one ticket at `now`."""
    return evaluate_many([events], rules, now)[0]


def evaluate_many(
    tickets: Sequence[Sequence[ClockEvent]], rules: ClockRules, now: int
) -> list[ClockResult]:
    """The clocks of many tickets at `now`. The calendar arithmetic is batched: one
    vectorised call per support calendar for the time used, one per calendar and target for
    targets in support days, and one per calendar for every due, breach and warning instant."""
    timelines = [_timeline(events, rules, now, index) for index, events in enumerate(tickets)]
    calendars = [_calendar_for(timeline, rules) for timeline in timelines]
    used_per_segment = _used_per_segment(timelines, calendars)
    target_seconds = _targets_in_seconds(timelines, rules)
    instants = _Instants()
    plans = [
        _plan(timeline, used, calendar, target, rules, instants)
        for timeline, used, calendar, target in zip(
            timelines, used_per_segment, calendars, target_seconds, strict=True
        )
    ]
    instants.compute()
    return [_result(plan, instants, rules) for plan in plans]


def _used_per_segment(
    timelines: list[_Timeline], calendars: list[SupportCalendar]
) -> list[list[int]]:
    """Support seconds of each ticket's running periods: one call per calendar."""
    by_calendar: dict[SupportCalendar, list[int]] = {}
    for index, calendar in enumerate(calendars):
        by_calendar.setdefault(calendar, []).append(index)
    used_per_segment: list[list[int]] = [[] for _ in timelines]
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
    return used_per_segment


def _targets_in_seconds(timelines: list[_Timeline], rules: ClockRules) -> list[int | None]:
    """Each ticket's target in support seconds (None without a severity). Support days are
    measured from the report: "2 days" from Monday 15:00 is the support time until Wednesday
    15:00, so a days target is worked out per ticket, one call per severity."""
    seconds: list[int | None] = [None] * len(timelines)
    by_severity: dict[int, list[int]] = {}
    for index, timeline in enumerate(timelines):
        if timeline.severity is None:
            continue
        target = rules.targets[timeline.severity]
        if target.days:
            by_severity.setdefault(timeline.severity, []).append(index)
        else:
            seconds[index] = target.seconds
    for severity, indexes in by_severity.items():
        calendar = rules.calendars[severity]
        start = np.asarray([timelines[i].reported_at for i in indexes], dtype=np.int64)
        due = calendar.add_epoch(start, rules.targets[severity])
        for i, value in zip(indexes, calendar.elapsed_epoch(start, due).tolist(), strict=True):
            seconds[i] = value
    return seconds


def _calendar_for(timeline: _Timeline, rules: ClockRules) -> SupportCalendar:
    if timeline.severity is None:
        # Without a severity there is no target, but time used still counts: on the calendar
        # of the least urgent severity, which is the contract's ordinary support hours.
        return rules.calendars[max(rules.calendars)]
    return rules.calendars[timeline.severity]


# The events that run a stopped or paused clock again: the state each needs, and the refusal in
# any other. The clock runs from the event with the time already used.
_RESTARTS: dict[EventKind, tuple[ClockState, str]] = {
    EventKind.REOPENED: (ClockState.STOPPED, "only a ticket whose service was restored reopens"),
    EventKind.RESUMED: (ClockState.PAUSED, "only a paused clock can be resumed"),
}


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
    dispute_open = severity_disputed = False
    segments: list[tuple[int, int]] = []
    running_since: int | None = None
    state = ClockState.RUNNING
    restored_at: int | None = None  # the restoration that stopped the clock
    restored_running = False  # it stopped a running clock (not a paused one)
    contest: int | None = None  # while a contest is open: the segment its restoration ended
    contest_open = disputed = False
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
            dispute_open = severity_disputed = False
        elif kind is EventKind.SEVERITY_PROPOSED:
            _known_severity(event.severity, rules, field_name)
            dispute_open = True
        elif kind is EventKind.SEVERITY_REJECTED:
            dispute_open, severity_disputed = False, True
        elif kind is EventKind.SEVERITY_AGREED:
            severity = _known_severity(event.severity, rules, field_name)
            agreed = True
            dispute_open = severity_disputed = False
        elif kind is EventKind.SEVERITY_SETTLED:
            if dispute_open or not severity_disputed:
                raise EngineError(
                    field_name, "only a rejected proposal, with none open, can be settled"
                )
            severity_disputed = False
        elif kind is EventKind.RESTORED:
            restored_running = running_since is not None
            if running_since is not None:
                segments.append((running_since, event.at))
                running_since = None
            state = ClockState.STOPPED
            restored_at = event.at
        elif kind is EventKind.RESTORATION_CONTESTED:
            if state is not ClockState.STOPPED or contest_open:
                raise EngineError(
                    field_name,
                    "only the restoration that stopped the clock can be contested, "
                    "one contest at a time",
                )
            # Provisionally as a reopen: the clock runs from the contest.
            contest_open = True
            contest = len(segments) - 1 if restored_running else None
            running_since = event.at
            state = ClockState.RUNNING
            restored_at = None
        elif kind is EventKind.RESTORATION_WITHDRAWN:
            if not contest_open:
                raise EngineError(field_name, "there is no open contest to withdraw for")
            contest_open = False
            if contest is not None:
                # The restoration is void: the segment it ended and the one the contest began
                # become one, so the time between them counts.
                start = segments[contest][0]
                if contest + 1 < len(segments):
                    segments[contest : contest + 2] = [(start, segments[contest + 1][1])]
                else:
                    segments.pop(contest)
                    running_since = start
            contest = None
        elif kind is EventKind.CONTEST_REJECTED:
            if not contest_open:
                raise EngineError(field_name, "there is no open contest to reject")
            contest_open, contest, disputed = False, None, True
        elif kind in (EventKind.PAUSED, EventKind.RESUMED) and not rules.allow_pause:
            # Terms without pausing count the paused time: the contract simulator's "what if
            # pausing were not allowed", and tickets paused under earlier terms stay readable.
            continue
        elif kind is EventKind.PAUSED:
            if state is not ClockState.RUNNING or running_since is None:
                raise EngineError(field_name, "only a running clock can be paused")
            segments.append((running_since, event.at))
            running_since = None
            state = ClockState.PAUSED
        elif kind in _RESTARTS:
            needed, refusal = _RESTARTS[kind]
            if state is not needed:
                raise EngineError(field_name, refusal)
            running_since = event.at
            state = ClockState.RUNNING
            restored_at = None
    if running_since is not None:
        segments.append((running_since, now))
    return _Timeline(
        reported_at=reported_at,
        severity=severity,
        severity_agreed=agreed,
        dispute_open=dispute_open,
        segments=tuple(segments),
        state=state,
        restored_at=restored_at if state is ClockState.STOPPED else None,
        contested=contest_open,
        disputed=disputed,
        severity_disputed=severity_disputed,
    )


def _known_severity(severity: int | None, rules: ClockRules, field_name: str) -> int:
    if severity is None or severity not in rules.targets:
        known = ", ".join(str(level) for level in sorted(rules.targets))
        raise EngineError(f"{field_name}.severity", f"{severity!r} is not one of {known}")
    return severity


@dataclass(frozen=True)
class _Plan:
    """One ticket's clock before the instants it asks for are known: each instant is a slot
    in `_Instants`, or None when the clock never gets there."""

    timeline: _Timeline
    used: int
    target_seconds: int | None
    due_at: int | None
    breach_at: int | None
    warnings: tuple[tuple[Fraction, int | None], ...]


def _plan(
    timeline: _Timeline,
    used_per_segment: list[int],
    calendar: SupportCalendar,
    target_seconds: int | None,
    rules: ClockRules,
    instants: _Instants,
) -> _Plan:
    used = sum(used_per_segment)
    if target_seconds is None:
        return _Plan(timeline, used, None, None, None, ())
    running = timeline.state is ClockState.RUNNING
    breached = used > target_seconds
    crossing = _Crossing(timeline.segments, used_per_segment, running)
    due_at = breach_at = None
    # A stopped clock has no due instant unless it ran past one.
    if running or breached:
        located = crossing.locate(target_seconds, beyond=True)
        if located is not None:
            start, needed = located
            due_at = instants.ask(calendar, _DUE, start, max(needed, 0))
        breach_at = crossing.reach(target_seconds + 1, calendar, instants)
    warnings = tuple(
        (fraction, crossing.reach(math.ceil(fraction * target_seconds), calendar, instants))
        for fraction in rules.warn_fractions
    )
    return _Plan(timeline, used, target_seconds, due_at, breach_at, warnings)


def _dispute_fields(timeline: _Timeline, rules: ClockRules) -> dict[str, Any]:
    """The restoration and its contest window (wall-clock time after the restoration), and
    the disputes left unresolved (a rejected contest, a rejected severity proposal)."""
    window = rules.restoration_contest_seconds
    restored_at = timeline.restored_at
    until = None
    if restored_at is not None and window > 0 and not timeline.contested:
        until = restored_at + window
    return {
        "restored_at": restored_at,
        "contest_until": until,
        "restoration_contested": timeline.contested,
        "restoration_disputed": timeline.disputed,
        "severity_disputed": timeline.severity_disputed,
    }


def _result(plan: _Plan, instants: _Instants, rules: ClockRules) -> ClockResult:
    timeline, used, target_seconds = plan.timeline, plan.used, plan.target_seconds
    contest = _dispute_fields(timeline, rules)
    if timeline.severity is None or target_seconds is None:
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
            **contest,
        )
    breached = used > target_seconds
    breach_at = instants.answer(plan.breach_at)
    warnings = tuple(Warning(fraction, instants.answer(slot)) for fraction, slot in plan.warnings)
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
        target=rules.targets[timeline.severity],
        target_seconds=target_seconds,
        used_seconds=used,
        state=timeline.state,
        standing=standing,
        due_at=instants.answer(plan.due_at),
        breached=breached,
        breached_at=breach_at if breached else None,
        breach_at=breach_at,
        warnings=warnings,
        **contest,
    )


# What an asked-for instant is: the due instant (`add_epoch`: an amount used up exactly at
# closing time is due at the next opening) or an amount reached (`reach_epoch`: at closing).
_DUE = 0
_REACH = 1


class _Instants:
    """The instants a batch of clocks asks for, computed together: one vectorised call per
    calendar and kind instead of one per ticket, threshold and kind."""

    def __init__(self) -> None:
        self._asked: dict[tuple[SupportCalendar, int], tuple[list[int], list[int]]] = {}
        self._slots: list[tuple[tuple[SupportCalendar, int], int]] = []
        self._answers: dict[tuple[SupportCalendar, int], list[int]] = {}

    def ask(self, calendar: SupportCalendar, kind: int, start: int, seconds: int) -> int:
        """A slot for the instant `seconds` of support time after `start`."""
        key = (calendar, kind)
        starts, amounts = self._asked.setdefault(key, ([], []))
        self._slots.append((key, len(starts)))
        starts.append(start)
        amounts.append(seconds)
        return len(self._slots) - 1

    def compute(self) -> None:
        for (calendar, kind), (starts, amounts) in self._asked.items():
            start = np.asarray(starts, dtype=np.int64)
            if kind == _DUE:
                found = calendar.add_epoch(start, [Duration(seconds=n) for n in amounts])
            else:
                found = calendar.reach_epoch(start, np.asarray(amounts, dtype=np.int64))
            self._answers[(calendar, kind)] = found.tolist()

    def answer(self, slot: int | None) -> int | None:
        if slot is None:
            return None
        key, position = self._slots[slot]
        return self._answers[key][position]


class _Crossing:
    """Finds where the clock reaches an amount of support time, in past segments or, for a
    running clock, projected into the open one."""

    def __init__(
        self, segments: tuple[tuple[int, int], ...], used_per_segment: list[int], running: bool
    ) -> None:
        self.segments = segments
        self.used = used_per_segment
        self.running = running

    def locate(self, amount: int, *, beyond: bool = False) -> tuple[int, int] | None:
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

    def reach(self, amount: int, calendar: SupportCalendar, instants: _Instants) -> int | None:
        """The slot of the instant the clock reaches `amount`, or None if it stopped short."""
        located = self.locate(amount)
        if located is None:
            return None
        start, needed = located
        return instants.ask(calendar, _REACH, start, needed)
