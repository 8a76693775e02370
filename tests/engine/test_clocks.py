"""Return-to-service clocks, worked by hand on a Monday–Friday 08:00–18:00 Pacific calendar.

March 2026: Monday the 9th is the first weekday after DST began, so Pacific is UTC-7.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.clocks import (
    ClockEvent,
    ClockRules,
    ClockState,
    EventKind,
    Standing,
    evaluate,
    evaluate_many,
)
from accord.engine.errors import EngineError
from accord.engine.timeutil import parse_instant

HOUR = 3600
OFFICE = SupportCalendar.from_dict(
    {
        "timezone": "America/Los_Angeles",
        "weekly": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
)
TARGETS = {
    1: Duration(seconds=4 * HOUR),
    2: Duration(seconds=12 * HOUR),
    3: Duration(days=2),
    4: Duration(days=7),
}
RULES = ClockRules(targets=TARGETS, calendars=dict.fromkeys(TARGETS, OFFICE))


def at(local: str) -> int:
    """An instant written in Pacific daylight time, e.g. 'Mon 09:00' in the week of 9 March."""
    day, clock = local.split()
    dates = {"Sat0": 7, "Mon": 9, "Tue": 10, "Wed": 11, "Thu": 12, "Fri": 13, "Sat": 14}
    return parse_instant(f"2026-03-{dates[day]:02d}T{clock}:00-07:00", "at")


def event(kind: EventKind, when: str, severity: int | None = None) -> ClockEvent:
    return ClockEvent(kind=kind, at=at(when), severity=severity)


def reported(when: str, severity: int | None = None) -> ClockEvent:
    return event(EventKind.REPORTED, when, severity)


def test_running_clock_counts_support_time_and_projects_due_and_warnings() -> None:
    clock = evaluate([reported("Mon 09:00", 1)], RULES, now=at("Mon 10:00"))
    assert clock.state is ClockState.RUNNING
    assert clock.used_seconds == HOUR
    assert clock.target_seconds == 4 * HOUR
    assert clock.remaining_seconds == 3 * HOUR
    assert clock.due_at == at("Mon 13:00")
    assert [(w.fraction, w.at) for w in clock.warnings] == [
        (Fraction(1, 2), at("Mon 11:00")),
        (Fraction(3, 4), at("Mon 12:00")),
        (Fraction(9, 10), at("Mon 12:36")),
    ]
    assert clock.standing is Standing.ON_TRACK
    assert not clock.breached


def test_a_fault_reported_on_saturday_starts_counting_at_mondays_opening() -> None:
    clock = evaluate([reported("Sat0 10:00", 2)], RULES, now=at("Mon 09:00"))
    assert clock.used_seconds == HOUR
    # 12 support hours: Monday 08:00-18:00 is 10, Tuesday 08:00-10:00 the other 2.
    assert clock.due_at == at("Tue 10:00")


def test_restoring_service_stops_the_clock_and_a_temporary_repair_counts() -> None:
    events = [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 11:00")]
    clock = evaluate(events, RULES, now=at("Wed 12:00"))
    assert clock.state is ClockState.STOPPED
    assert clock.used_seconds == 2 * HOUR
    assert clock.standing is Standing.MET
    assert clock.due_at is None
    # Half the target was used exactly when service came back; the later warnings never come.
    assert [w.at for w in clock.warnings] == [at("Mon 11:00"), None, None]


def test_reopening_resumes_the_clock_with_the_time_already_used() -> None:
    events = [
        reported("Mon 09:00", 1),
        event(EventKind.RESTORED, "Mon 11:00"),
        event(EventKind.REOPENED, "Tue 08:30"),
    ]
    clock = evaluate(events, RULES, now=at("Tue 10:00"))
    assert clock.used_seconds == 2 * HOUR + 90 * 60
    assert clock.due_at == at("Tue 10:30")
    # 50% (2 hours) was reached at Monday 11:00, before the repair.
    assert clock.warnings[0].at == at("Mon 11:00")
    assert clock.warnings[1].at == at("Tue 09:30")


def test_breach_is_one_second_past_the_due_instant() -> None:
    events = [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 14:00")]
    clock = evaluate(events, RULES, now=at("Mon 15:00"))
    assert clock.breached
    assert clock.standing is Standing.BREACHED
    assert clock.due_at == at("Mon 13:00")
    assert clock.breached_at == at("Mon 13:00") + 1


def test_service_restored_exactly_at_the_target_meets_it() -> None:
    events = [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 13:00")]
    clock = evaluate(events, RULES, now=at("Mon 15:00"))
    assert clock.used_seconds == clock.target_seconds
    assert not clock.breached
    assert clock.standing is Standing.MET


def test_a_running_clock_breaches_the_moment_it_passes_the_target() -> None:
    clock = evaluate([reported("Mon 09:00", 1)], RULES, now=at("Mon 13:00") + 1)
    assert clock.breached and clock.breached_at == at("Mon 13:00") + 1
    assert not evaluate([reported("Mon 09:00", 1)], RULES, now=at("Mon 13:00")).breached


def test_severity_designated_late_applies_from_the_report_time() -> None:
    before = evaluate([reported("Mon 09:00")], RULES, now=at("Mon 10:00"))
    assert before.standing is Standing.NO_SEVERITY
    assert before.used_seconds == HOUR
    assert before.due_at is None
    events = [reported("Mon 09:00"), event(EventKind.SEVERITY_DESIGNATED, "Mon 12:00", 1)]
    after = evaluate(events, RULES, now=at("Mon 12:30"))
    assert after.severity == 1
    assert after.used_seconds == 3.5 * HOUR
    assert after.due_at == at("Mon 13:00")


def test_the_customers_severity_stands_during_a_dispute() -> None:
    events = [reported("Mon 09:00", 1), event(EventKind.SEVERITY_PROPOSED, "Mon 09:30", 3)]
    clock = evaluate(events, RULES, now=at("Mon 14:00"))
    assert clock.severity == 1
    assert clock.dispute_open
    assert clock.breached


def test_an_agreed_downgrade_applies_from_the_report_time_and_lifts_the_breach() -> None:
    events = [
        reported("Mon 09:00", 1),
        event(EventKind.SEVERITY_PROPOSED, "Mon 09:30", 3),
        event(EventKind.SEVERITY_AGREED, "Mon 15:00", 3),
    ]
    clock = evaluate(events, RULES, now=at("Mon 16:00"))
    assert clock.severity == 3
    assert clock.severity_agreed
    assert not clock.dispute_open
    assert not clock.breached
    # 2 support days from Monday 09:00: Wednesday 09:00.
    assert clock.target_seconds == 20 * HOUR
    assert clock.due_at == at("Wed 09:00")


def test_a_rejected_proposal_keeps_the_customers_severity_and_the_dispute_unresolved() -> None:
    events = [
        reported("Mon 09:00", 2),
        event(EventKind.SEVERITY_PROPOSED, "Mon 09:30", 4),
        event(EventKind.SEVERITY_REJECTED, "Mon 10:00"),
    ]
    clock = evaluate(events, RULES, now=at("Mon 10:00"))
    assert (clock.severity, clock.dispute_open, clock.severity_agreed) == (2, False, False)
    assert clock.severity_disputed  # no proposal awaits an answer, but nothing is settled
    settled = evaluate(
        [*events, event(EventKind.SEVERITY_SETTLED, "Tue 10:00")], RULES, at("Tue 11:00")
    )
    assert (settled.severity, settled.severity_disputed) == (2, False)
    agreed = [
        *events,
        event(EventKind.SEVERITY_PROPOSED, "Tue 09:00", 3),
        event(EventKind.SEVERITY_AGREED, "Tue 10:00", 3),
    ]
    clock = evaluate(agreed, RULES, now=at("Tue 11:00"))
    assert (clock.severity, clock.severity_disputed, clock.dispute_open) == (3, False, False)


@pytest.mark.parametrize(
    "before",
    [
        [],  # nothing disputed
        [event(EventKind.SEVERITY_PROPOSED, "Mon 09:30", 4)],  # a proposal still open
    ],
)
def test_only_an_unresolved_dispute_can_be_settled(before: list[ClockEvent]) -> None:
    events = [reported("Mon 09:00", 2), *before, event(EventKind.SEVERITY_SETTLED, "Mon 11:00")]
    with pytest.raises(EngineError, match="only a rejected proposal"):
        evaluate(events, RULES, now=at("Mon 12:00"))


def test_support_days_target_from_the_seed_example() -> None:
    clock = evaluate([reported("Mon 15:00", 3)], RULES, now=at("Mon 16:00"))
    assert clock.due_at == at("Wed 15:00")


def test_a_warning_reached_at_closing_time_goes_out_at_closing_time() -> None:
    clock = evaluate([reported("Mon 16:00", 1)], RULES, now=at("Mon 17:00"))
    assert clock.warnings[0].at == at("Mon 18:00")
    # The due instant follows `add`: used up at Tuesday 10:00.
    assert clock.due_at == at("Tue 10:00")


def test_target_used_up_exactly_then_reopened_is_due_at_the_reopening() -> None:
    events = [
        reported("Mon 09:00", 1),
        event(EventKind.RESTORED, "Mon 13:00"),
        event(EventKind.REOPENED, "Tue 09:00"),
    ]
    clock = evaluate(events, RULES, now=at("Tue 09:00"))
    assert not clock.breached
    assert clock.due_at == at("Tue 09:00")
    assert evaluate(events, RULES, now=at("Tue 09:00") + 1).breached


def test_a_pause_counts_only_where_the_contract_allows_pausing() -> None:
    events = [
        reported("Mon 09:00", 1),
        event(EventKind.PAUSED, "Mon 10:00"),
        event(EventKind.RESUMED, "Tue 10:00"),
    ]
    # Terms without pausing (RULES) count the paused time, as if there had been no pause.
    unpaused = evaluate(events, RULES, now=at("Tue 11:00"))
    assert unpaused == evaluate(events[:1], RULES, now=at("Tue 11:00"))
    assert unpaused.state is ClockState.RUNNING
    assert evaluate(events[:2], RULES, now=at("Mon 17:00")).state is ClockState.RUNNING
    rules = ClockRules(targets=TARGETS, calendars=RULES.calendars, allow_pause=True)
    paused = evaluate(events[:2], rules, now=at("Mon 17:00"))
    assert paused.state is ClockState.PAUSED
    assert paused.used_seconds == HOUR
    resumed = evaluate(events, rules, now=at("Tue 11:00"))
    assert resumed.used_seconds == 2 * HOUR
    assert resumed.due_at == at("Tue 13:00")


def test_a_24x7_calendar_for_severity_1_counts_the_weekend() -> None:
    always = SupportCalendar.twenty_four_seven("America/Los_Angeles")
    rules = ClockRules(targets=TARGETS, calendars={**RULES.calendars, 1: always})
    clock = evaluate([reported("Sat 10:00", 1)], rules, now=at("Sat 11:00"))
    assert clock.used_seconds == HOUR
    assert clock.due_at == at("Sat 14:00")


def test_events_after_now_have_not_happened_yet() -> None:
    events = [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 11:00")]
    clock = evaluate(events, RULES, now=at("Mon 10:00"))
    assert clock.state is ClockState.RUNNING
    assert clock.used_seconds == HOUR


def test_many_tickets_in_one_call_equal_one_at_a_time() -> None:
    tickets = [
        [reported("Mon 09:00", 1)],
        [reported("Sat0 10:00", 2)],
        [reported("Mon 09:00"), event(EventKind.SEVERITY_DESIGNATED, "Mon 12:00", 4)],
        [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 14:00")],
    ]
    now = at("Tue 12:00")
    assert evaluate_many(tickets, RULES, now) == [evaluate(t, RULES, now) for t in tickets]


@pytest.mark.parametrize(
    ("events", "field", "message"),
    [
        ([event(EventKind.RESTORED, "Mon 09:00")], "tickets[0].events[0]", "first event"),
        ([reported("Mon 09:00", 7)], "tickets[0].events[0].severity", "not one of 1, 2, 3, 4"),
        (
            [reported("Mon 09:00", 1), event(EventKind.REOPENED, "Mon 10:00")],
            "tickets[0].events[1]",
            "only a ticket whose service was restored",
        ),
    ],
)
def test_bad_event_sequences_name_the_event(
    events: list[ClockEvent], field: str, message: str
) -> None:
    with pytest.raises(EngineError, match=message) as caught:
        evaluate(events, RULES, now=at("Tue 09:00"))
    assert caught.value.field == field


def test_a_running_clock_projects_its_breach_a_stopped_one_does_not() -> None:
    running = evaluate([reported("Mon 09:00", 1)], RULES, now=at("Mon 10:00"))
    assert running.breach_at == at("Mon 13:00") + 1
    assert running.breached_at is None
    events = [reported("Mon 09:00", 1), event(EventKind.RESTORED, "Mon 11:00")]
    assert evaluate(events, RULES, now=at("Mon 12:00")).breach_at is None


def test_a_clock_read_before_its_report_reads_as_just_reported() -> None:
    # Another host's clock a second ahead wrote the report: no error, nothing used yet.
    clock = evaluate([reported("Mon 09:00", 1)], RULES, now=at("Mon 09:00") - 1)
    assert clock.used_seconds == 0
    assert clock.due_at == at("Mon 13:00")
