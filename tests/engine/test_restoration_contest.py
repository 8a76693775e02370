"""Contested restorations, worked by hand on the Monday–Friday 08:00–18:00 Pacific calendar of
test_clocks.py (week of 9 March 2026, UTC-7).

The issue's case: a Severity 1 fault (4 support hours) reported Monday 09:00 is marked restored
at 12:00 (3 hours: met). It never worked. Really restored Tuesday 11:00, 12 support hours after
the report, it is breached.
"""

from __future__ import annotations

import pytest
from tests.engine.test_clocks import HOUR, RULES, TARGETS  # the same office week

from accord.engine.clocks import (
    ClockEvent,
    ClockRules,
    ClockState,
    EventKind,
    Standing,
    evaluate,
)
from accord.engine.errors import EngineError
from accord.engine.policy import PolicyError, Region, parse_policy, resolve
from accord.engine.timeutil import parse_instant
from accord.policies import builtin_text, load_builtin

CONTESTED = EventKind.RESTORATION_CONTESTED
WITHDRAWN = EventKind.RESTORATION_WITHDRAWN
REJECTED = EventKind.CONTEST_REJECTED


def at(local: str) -> int:
    day, clock = local.split()
    dates = {"Mon": 9, "Tue": 10, "Wed": 11, "Thu": 12, "Fri": 13}
    return parse_instant(f"2026-03-{dates[day]:02d}T{clock}:00-07:00", "at")


def event(kind: EventKind, when: str, severity: int | None = None) -> ClockEvent:
    return ClockEvent(kind=kind, at=at(when), severity=severity)


def reported(when: str, severity: int | None = None) -> ClockEvent:
    return event(EventKind.REPORTED, when, severity)


def premature() -> list[ClockEvent]:
    return [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 12:00")]


def test_a_premature_restoration_alone_reads_as_met_with_a_window_to_contest_it() -> None:
    clock = evaluate(premature(), RULES, now=at("Mon 13:00"))
    assert clock.standing is Standing.MET and clock.used_seconds == 3 * HOUR
    assert clock.restored_at == at("Mon 12:00")
    # 24 wall-clock hours, not support hours.
    assert clock.contest_until == at("Tue 12:00")
    assert not clock.restoration_contested and not clock.restoration_disputed


def test_a_contest_runs_the_clock_again_from_the_contest_provisionally() -> None:
    events = [*premature(), event(CONTESTED, "Mon 15:00")]
    clock = evaluate(events, RULES, now=at("Mon 16:00"))
    assert clock.state is ClockState.RUNNING
    assert clock.restoration_contested
    # Provisionally like a reopen: 3 hours before the restoration, 1 since the contest.
    assert clock.used_seconds == 4 * HOUR
    assert clock.restored_at is None and clock.contest_until is None


def test_a_withdrawn_restoration_counts_from_the_report_to_the_real_restoration() -> None:
    events = [
        *premature(),
        event(CONTESTED, "Mon 15:00"),
        event(WITHDRAWN, "Mon 16:00"),
        event(EventKind.RESTORED, "Tue 11:00"),
    ]
    clock = evaluate(events, RULES, now=at("Wed 09:00"))
    # Monday 09:00-18:00 and Tuesday 08:00-11:00: 12 support hours, the gap included.
    assert clock.used_seconds == 12 * HOUR
    assert clock.standing is Standing.BREACHED
    assert clock.breached_at == at("Mon 13:00") + 1
    assert not clock.restoration_contested and not clock.restoration_disputed
    assert clock.restored_at == at("Tue 11:00")
    assert clock.contest_until == at("Wed 11:00")


def test_a_withdrawal_answered_after_the_real_restoration_gives_the_same_clock() -> None:
    first = [
        *premature(),
        event(CONTESTED, "Mon 15:00"),
        event(WITHDRAWN, "Mon 16:00"),
        event(EventKind.RESTORED, "Tue 11:00"),
    ]
    later = [
        *premature(),
        event(CONTESTED, "Mon 15:00"),
        event(EventKind.RESTORED, "Tue 11:00"),
        event(WITHDRAWN, "Tue 14:00"),
    ]
    now = at("Wed 09:00")
    assert evaluate(later, RULES, now).used_seconds == evaluate(first, RULES, now).used_seconds
    assert evaluate(later, RULES, now).breached_at == at("Mon 13:00") + 1


def test_a_withdrawal_while_the_clock_runs_counts_continuously_from_the_report() -> None:
    events = [*premature(), event(CONTESTED, "Mon 15:00"), event(WITHDRAWN, "Mon 15:30")]
    clock = evaluate(events, RULES, now=at("Mon 16:00"))
    assert clock.used_seconds == 7 * HOUR
    assert clock.state is ClockState.RUNNING
    assert clock.breached_at == at("Mon 13:00") + 1


def test_a_rejected_contest_leaves_the_gap_uncounted_and_an_unresolved_dispute() -> None:
    events = [
        *premature(),
        event(CONTESTED, "Mon 15:00"),
        event(REJECTED, "Mon 16:00"),
        event(EventKind.RESTORED, "Tue 11:00"),
    ]
    clock = evaluate(events, RULES, now=at("Wed 09:00"))
    # 3 hours, then Monday 15:00-18:00 and Tuesday 08:00-11:00 from the contest: 9 hours.
    assert clock.used_seconds == 9 * HOUR
    assert clock.restoration_disputed and not clock.restoration_contested
    # The later restoration can be contested in its turn.
    assert clock.contest_until == at("Wed 11:00")


def test_contests_not_allowed_by_the_contract_have_no_window() -> None:
    rules = ClockRules(targets=TARGETS, calendars=RULES.calendars, restoration_contest_seconds=0)
    assert evaluate(premature(), rules, now=at("Mon 13:00")).contest_until is None
    with pytest.raises(EngineError, match="restoration_contest_seconds"):
        ClockRules(targets=TARGETS, calendars=RULES.calendars, restoration_contest_seconds=-1)


def test_a_restoration_made_while_paused_does_not_count_the_gap_when_withdrawn() -> None:
    rules = ClockRules(targets=TARGETS, calendars=RULES.calendars, allow_pause=True)
    events = [
        reported("Mon 09:00", 1),
        event(EventKind.PAUSED, "Mon 10:00"),
        event(EventKind.RESTORED, "Mon 12:00"),
        event(CONTESTED, "Mon 15:00"),
        event(WITHDRAWN, "Mon 16:00"),
    ]
    clock = evaluate(events, rules, now=at("Mon 17:00"))
    # The clock was paused when service was said to be back: it stays paused until the contest.
    assert clock.used_seconds == 3 * HOUR
    assert clock.state is ClockState.RUNNING


@pytest.mark.parametrize(
    ("events", "where", "problem"),
    [
        ([reported("Mon 09:00", 1), event(CONTESTED, "Mon 10:00")], "events[1]", "contested"),
        ([*premature(), event(WITHDRAWN, "Mon 13:00")], "events[2]", "no open contest"),
        ([*premature(), event(REJECTED, "Mon 13:00")], "events[2]", "no open contest"),
        (
            [
                *premature(),
                event(CONTESTED, "Mon 13:00"),
                event(EventKind.RESTORED, "Mon 14:00"),
                event(CONTESTED, "Mon 15:00"),
            ],
            "events[4]",
            "one contest at a time",
        ),
    ],
)
def test_contest_events_out_of_order_name_the_event(
    events: list[ClockEvent], where: str, problem: str
) -> None:
    with pytest.raises(EngineError) as caught:
        evaluate(events, RULES, now=at("Tue 09:00"))
    assert caught.value.field == f"tickets[0].{where}"
    assert problem in caught.value.problem


def test_the_policy_sets_the_window_in_wall_clock_hours_with_a_default_of_24() -> None:
    policy = load_builtin()
    assert policy.clock.restoration_contest_hours == 24
    text = builtin_text("plutora-standard")
    assert "restoration_contest_hours = 24" in text
    # A policy without the field (written before it existed) gets the default.
    older = parse_policy(text.replace("restoration_contest_hours = 24\n", ""), "old.toml")
    assert older.clock.restoration_contest_hours == 24
    none = parse_policy(text.replace("contest_hours = 24", "contest_hours = 0"), "none.toml")
    region = Region("us", "United States", "America/Los_Angeles")
    assert resolve(none, region).clock_rules.restoration_contest_seconds == 0
    assert resolve(policy, region).clock_rules.restoration_contest_seconds == 24 * HOUR


@pytest.mark.parametrize("value", ["-1", '"24"', "8761", "1.5"])
def test_a_bad_window_names_the_field(value: str) -> None:
    text = builtin_text("plutora-standard")
    text = text.replace("contest_hours = 24", f"contest_hours = {value}")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "contracts/acme.toml")
    assert str(caught.value).startswith("contracts/acme.toml: clock.restoration_contest_hours")
