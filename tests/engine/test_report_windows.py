"""Which month's report counts a ticket (docs/reports.md, "Which report counts a ticket"),
worked by hand in America/Los_Angeles with the cut-off on the 3rd.

October 2026 is PDT (UTC-7), November and December PST (UTC-8); October's report is taken at
3 November 00:00 PST (08:00 UTC), November's at 3 December 08:00 UTC.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.clocks import ClockEvent, ClockRules, EventKind, evaluate
from accord.engine.errors import EngineError
from accord.engine.reporting import (
    Listing,
    counting_month,
    earlier_listing,
    earlier_listings,
    reopened_from,
    report_cutoff,
)
from accord.engine.timeutil import parse_instant

LA = "America/Los_Angeles"
OFFICE = SupportCalendar.from_dict(
    {
        "timezone": LA,
        "weekly": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
)
RULES = ClockRules(targets={2: Duration(seconds=12 * 3600)}, calendars={2: OFFICE})
OCTOBER_CUTOFF = parse_instant("2026-11-03T08:00:00Z", "t")
NOVEMBER_CUTOFF = parse_instant("2026-12-03T08:00:00Z", "t")


def at(text: str) -> int:
    return parse_instant(text, "t")


def ev(kind: EventKind, when: str, severity: int | None = None) -> ClockEvent:
    return ClockEvent(kind=kind, at=at(when), severity=severity)


# Severity 2 reported Wednesday 14 October 09:00 PDT and restored at 12:00: 3 hours, met.
MET_IN_OCTOBER = [
    ev(EventKind.REPORTED, "2026-10-14T16:00:00Z", 2),
    ev(EventKind.RESTORED, "2026-10-14T19:00:00Z"),
]


def where(instant: str, first_month: str = "2026-01") -> str:
    return counting_month(at(instant), first_month=first_month, timezone=LA, report_day=3)


def test_the_cut_off_is_midnight_on_the_report_day_of_the_next_month_in_the_zone() -> None:
    assert report_cutoff("2026-10", LA, 3) == OCTOBER_CUTOFF
    assert report_cutoff("2026-11", LA, 3) == NOVEMBER_CUTOFF
    assert report_cutoff("2026-12", LA, 1) == at("2027-01-01T08:00:00Z")
    with pytest.raises(EngineError, match="report_day"):
        report_cutoff("2026-10", LA, 29)


def test_an_outcome_counts_in_the_report_whose_window_holds_it() -> None:
    assert where("2026-10-21T15:00:01Z") == "2026-10"
    assert where("2026-11-02T16:00:01Z") == "2026-10"  # before October's cut-off
    assert where("2026-11-03T08:00:00Z") == "2026-10"  # at it: the cut-off reads it
    assert where("2026-11-03T08:00:01Z") == "2026-11"
    assert where("2026-11-17T16:00:01Z") == "2026-11"
    assert where("2027-01-02T10:00:00Z") == "2026-12"  # across the year
    # Never before the ticket's own month: reported 1 November, breached on the 2nd.
    assert where("2026-11-02T16:00:01Z", first_month="2026-11") == "2026-11"


@given(st.integers(at("2025-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z")))
def test_every_instant_is_in_exactly_one_window(instant: int) -> None:
    month = counting_month(instant, first_month="2000-01", timezone=LA, report_day=3)
    year, number = int(month[:4]), int(month[5:])
    previous = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
    assert report_cutoff(previous, LA, 3) < instant <= report_cutoff(month, LA, 3)


def listing(events: list[ClockEvent]) -> Listing | None:
    return earlier_listing(
        evaluate(events, RULES, OCTOBER_CUTOFF),
        events,
        previous_cutoff=OCTOBER_CUTOFF,
        cutoff=NOVEMBER_CUTOFF,
    )


def test_november_lists_an_october_ticket_open_at_the_cut_off_or_met_and_reopened_after_it() -> (
    None
):
    assert listing(MET_IN_OCTOBER) is None
    reopened = [*MET_IN_OCTOBER, ev(EventKind.REOPENED, "2026-11-16T17:00:00Z")]
    assert listing(reopened) is Listing.REOPENED
    # Reopened after November's cut-off: December's business, not November's.
    assert listing([*MET_IN_OCTOBER, ev(EventKind.REOPENED, "2026-12-04T17:00:00Z")]) is None
    # Reopened before October's cut-off: open there, so carried over.
    running = [*MET_IN_OCTOBER, ev(EventKind.REOPENED, "2026-11-02T17:00:00Z")]
    assert listing(running) is Listing.CARRIED_OVER
    assert listing([ev(EventKind.REPORTED, "2026-10-14T16:00:00Z")]) is Listing.CARRIED_OVER
    # Breached in October (restored after 14 hours) and reopened in November: counted once.
    breached = [
        ev(EventKind.REPORTED, "2026-10-14T16:00:00Z", 2),
        ev(EventKind.RESTORED, "2026-10-15T19:00:00Z"),
        ev(EventKind.REOPENED, "2026-11-16T17:00:00Z"),
    ]
    assert listing(breached) is None
    assert earlier_listings(
        {1: MET_IN_OCTOBER, 2: reopened, 3: running, 4: breached},
        RULES,
        previous_cutoff=OCTOBER_CUTOFF,
        cutoff=NOVEMBER_CUTOFF,
    ) == {2: Listing.REOPENED, 3: Listing.CARRIED_OVER}


def test_reopened_from_names_the_report_that_counted_the_ticket_met() -> None:
    def source(*more: ClockEvent) -> str | None:
        return reopened_from([*MET_IN_OCTOBER, *more], timezone=LA, report_day=3)

    assert source() is None
    assert source(ev(EventKind.REOPENED, "2026-11-16T17:00:00Z")) == "2026-10"
    # Reopened before October's report was taken: that report saw it reopened, not met.
    assert source(ev(EventKind.REOPENED, "2026-11-02T17:00:00Z")) is None
    # Met again in November's window and reopened after November's cut-off.
    assert (
        source(
            ev(EventKind.REOPENED, "2026-11-16T17:00:00Z"),
            ev(EventKind.RESTORED, "2026-11-16T19:00:00Z"),
            ev(EventKind.REOPENED, "2026-12-07T17:00:00Z"),
        )
        == "2026-11"
    )
    with pytest.raises(EngineError, match="reported"):
        reopened_from(MET_IN_OCTOBER[1:], timezone=LA, report_day=3)
