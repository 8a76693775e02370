"""Releases: supersession, deployed version at an instant, cadence across DST and month ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.maintenance import MaintenanceSchedule, WeeklyWindow
from accord.engine.releases import (
    DeployedRelease,
    PlannedRelease,
    ReleaseKind,
    cadence,
    deployed_version_at,
    superseded_by,
)
from accord.engine.timeutil import epoch_to_local, local_to_epoch, parse_instant, zone

LA = "America/Los_Angeles"
HOUR, MINUTE = 3600, 60
WEDNESDAY = 2
SEED = MaintenanceSchedule(LA, (WeeklyWindow(WEDNESDAY, HOUR, HOUR + 30 * MINUTE),))
MAJOR, MINOR, EMERGENCY = ReleaseKind.MAJOR, ReleaseKind.MINOR, ReleaseKind.EMERGENCY


def r(key: str, kind: ReleaseKind, at: int | None, scope: str = "crm/eu") -> DeployedRelease:
    return DeployedRelease(key=key, scope=scope, kind=kind, deployed_at=at)


def test_major_supersedes_earlier_minor_and_emergency_only():
    releases = [
        r("e1", EMERGENCY, 10),
        r("m1", MINOR, 20),
        r("e2", EMERGENCY, 30),
        r("M1", MAJOR, 40),
        r("e3", EMERGENCY, 50),
        r("m2", MINOR, 60),
    ]
    assert superseded_by(releases) == {"e1": "m1", "m1": "M1", "e2": "M1", "e3": "m2"}


def test_minor_does_not_supersede_minor_or_major_and_scopes_are_separate():
    releases = [
        r("M0", MAJOR, 5),
        r("m1", MINOR, 10),
        r("m2", MINOR, 20),
        r("e1", EMERGENCY, 15, scope="crm/us"),
        r("m3", MINOR, 30),
    ]
    assert superseded_by(releases) == {}


def test_undeployed_and_simultaneous_releases_do_not_supersede():
    releases = [r("e1", EMERGENCY, 10), r("M1", MAJOR, None), r("m1", MINOR, 10)]
    assert superseded_by(releases) == {}
    assert superseded_by([r("e1", EMERGENCY, None), r("M1", MAJOR, 5)]) == {}


@given(
    st.lists(
        st.tuples(st.sampled_from(list(ReleaseKind)), st.integers(0, 20), st.sampled_from("ab")),
        max_size=12,
    )
)
def test_supersession_property(items):
    releases = [r(str(i), kind, at, scope) for i, (kind, at, scope) in enumerate(items)]
    by_key = {x.key: x for x in releases}
    result = superseded_by(releases)
    rank = {EMERGENCY: 0, MINOR: 1, MAJOR: 2}
    for old in releases:
        candidates = [
            new
            for new in releases
            if new.scope == old.scope
            and new.deployed_at > old.deployed_at
            and rank[new.kind] > rank[old.kind]
        ]
        if not candidates:
            assert old.key not in result
        else:
            new = by_key[result[old.key]]
            assert new in candidates
            assert new.deployed_at == min(c.deployed_at for c in candidates)


def test_deployed_version_at():
    history = [(100, "1.1"), (50, "1.0"), (200, "2.0"), (200, "2.0.1")]
    assert deployed_version_at(history, 49) is None
    assert deployed_version_at(history, 50) == "1.0"
    assert deployed_version_at(history, 199) == "1.1"
    assert deployed_version_at(history, 200) == "2.0.1"
    assert deployed_version_at([], 10) is None


def local(text: str) -> int:
    return local_to_epoch(
        date.fromisoformat(text[:10]),
        int(text[11:13]) * HOUR + int(text[14:16]) * MINUTE,
        zone(LA),
    )


def test_cadence_across_month_end_and_dst_start_2027():
    # March 2027: DST starts Sunday 14 March. Wednesdays 3, 10, 17, 24, 31; April 7.
    plan = cadence(SEED, parse_instant("2027-02-25T00:00:00Z", "s"), local("2027-04-08 00:00"))
    assert plan == [
        PlannedRelease(local("2027-03-03 01:00"), MAJOR),
        PlannedRelease(local("2027-03-10 01:00"), MINOR),
        PlannedRelease(local("2027-03-17 01:00"), MINOR),
        PlannedRelease(local("2027-03-24 01:00"), MINOR),
        PlannedRelease(local("2027-03-31 01:00"), MINOR),
        PlannedRelease(local("2027-04-07 01:00"), MAJOR),
    ]
    # 01:00 PST is 09:00Z, 01:00 PDT is 08:00Z.
    assert plan[1].at == parse_instant("2027-03-10T09:00:00Z", "x")
    assert plan[2].at == parse_instant("2027-03-17T08:00:00Z", "x")


def test_cadence_across_dst_end_and_a_horizon_starting_mid_month():
    # November 2026: DST ends Sunday 1 November; Wednesdays 4, 11, 18, 25; December 2.
    plan = cadence(SEED, local("2026-11-10 12:00"), local("2026-12-03 00:00"))
    assert [(p.kind, epoch_to_local(p.at, zone(LA)).isoformat()) for p in plan] == [
        (MINOR, "2026-11-11T01:00:00-08:00"),
        (MINOR, "2026-11-18T01:00:00-08:00"),
        (MINOR, "2026-11-25T01:00:00-08:00"),
        (MAJOR, "2026-12-02T01:00:00-08:00"),
    ]
    # A horizon that starts after the month's first window plans no major that month.
    assert all(
        p.kind == MINOR for p in cadence(SEED, local("2026-11-05 00:00"), local("2026-11-30 00:00"))
    )


def test_cadence_horizon_is_half_open():
    at = local("2026-12-02 01:00")
    assert cadence(SEED, at, at + 1) == [PlannedRelease(at, MAJOR)]
    assert cadence(SEED, at + 1, at + 7 * 86400) == []
    assert cadence(SEED, at - 100, at) == []
    assert cadence(SEED, at, at) == []


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2032, 12, 31)), st.integers(1, 120))
def test_cadence_property(first, days):
    tz = zone(LA)
    start = local_to_epoch(first, 0, tz)
    end = local_to_epoch(first + timedelta(days=days), 0, tz)
    plan = cadence(SEED, start, end)
    # Every Wednesday in the horizon has exactly one planned release at 01:00 local wall time.
    wednesdays = [
        first + timedelta(days=i)
        for i in range(days)
        if (first + timedelta(days=i)).weekday() == WEDNESDAY
    ]
    assert [p.at for p in plan] == [local_to_epoch(d, HOUR, tz) for d in wednesdays]
    for p in plan:
        moment: datetime = epoch_to_local(p.at, tz)
        assert (moment.hour, moment.minute) == (1, 0)
        assert p.kind == (MAJOR if moment.day <= 7 else MINOR)


def test_a_window_the_dst_gap_empties_still_gets_its_release():
    # Berlin, Sunday 02:00-03:00: on 28 March 2027 clocks jump from 02:00 to 03:00.
    berlin = MaintenanceSchedule("Europe/Berlin", (WeeklyWindow(6, 2 * HOUR, 3 * HOUR),))
    tz = zone("Europe/Berlin")
    plan = cadence(
        berlin, local_to_epoch(date(2027, 3, 20), 0, tz), local_to_epoch(date(2027, 4, 10), 0, tz)
    )
    assert [(p.at, p.kind) for p in plan] == [
        (parse_instant("2027-03-21T01:00:00Z", "x"), MINOR),
        (parse_instant("2027-03-28T01:00:00Z", "x"), MINOR),  # 03:00 CEST, just after the gap
        (parse_instant("2027-04-04T00:00:00Z", "x"), MAJOR),
    ]


def test_an_overnight_window_written_as_two_is_one_release():
    tz = zone(LA)
    overnight = MaintenanceSchedule(
        LA, (WeeklyWindow(6, 23 * HOUR, 86400), WeeklyWindow(0, 0, HOUR))
    )
    plan = cadence(
        overnight, local_to_epoch(date(2027, 1, 4), 0, tz), local_to_epoch(date(2027, 1, 18), 0, tz)
    )
    # Monday 00:00 continues Sunday's window: the only starts are the Sundays at 23:00.
    assert [epoch_to_local(p.at, tz).isoformat() for p in plan] == [
        "2027-01-10T23:00:00-08:00",
        "2027-01-17T23:00:00-08:00",
    ]
    assert [p.kind for p in plan] == [MINOR, MINOR]
