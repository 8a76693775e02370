"""Confirmation of outages from several probe locations (accord.engine.confirm).

Worked examples of the rule first, then a property: `confirmed_outages` equals a naive
reference that knows nothing of folding state. At every instant where some result happens, it
recomputes each location's state from scratch by walking that location's results backwards,
counts the down locations, and reads the outages off those counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.engine.confirm import (
    UP,
    CheckState,
    Closed,
    ConfirmedOutage,
    LocationState,
    Moved,
    Opened,
    advance,
    confirmed_outages,
    quorum_start,
    step,
)
from accord.engine.errors import EngineError

OK, FAIL = True, False


def series(start: int, interval: int, outcomes: str) -> list[tuple[int, bool]]:
    """`series(0, 60, "..xx.")`: results every `interval` seconds, `.` ok and `x` failed."""
    return [(start + i * interval, mark == ".") for i, mark in enumerate(outcomes)]


def test_one_location_needs_n_consecutive_failures_and_starts_at_the_first() -> None:
    results = {"worker": series(0, 60, "..x.xx..xxx..")}
    # Two failures in a row at 240 and 300: confirmed at 300, from 240 to the success at 360.
    assert confirmed_outages(results, quorum=1, consecutive=2) == [
        ConfirmedOutage(240, 360, 300),
        ConfirmedOutage(480, 660, 540),
    ]
    # Three in a row happen only once.
    assert confirmed_outages(results, quorum=1, consecutive=3) == [ConfirmedOutage(480, 660, 600)]
    # A single failure is an outage with N = 1.
    assert confirmed_outages(results, quorum=1, consecutive=1)[0] == ConfirmedOutage(120, 180, 120)


def test_an_outage_still_going_on_has_no_end() -> None:
    results = {"worker": series(0, 60, "..xxx")}
    assert confirmed_outages(results, quorum=1, consecutive=2) == [ConfirmedOutage(120, None, 180)]


def test_quorum_two_of_three_starts_when_two_fail_and_ends_when_the_quorum_sees_a_success() -> None:
    results = {
        "worker": series(0, 60, "..xxxx..."),  # fails from 120
        "eu": series(0, 60, "...xxxxx."),  # fails from 180
        "ap": series(0, 60, "........."),  # never fails
    }
    # Confirmed at 240 (eu's second failure, worker already down); it started when both
    # were failing (180, eu's first failure); it ends at 360, worker's success, which leaves
    # only eu down.
    assert confirmed_outages(results, quorum=2, consecutive=2) == [ConfirmedOutage(180, 360, 240)]
    # One location alone is not a quorum.
    alone = {"worker": results["worker"], "ap": results["ap"]}
    assert confirmed_outages(alone, quorum=2, consecutive=2) == []
    # With quorum 1 it starts at the first failure anywhere and ends when none is down.
    assert confirmed_outages(results, quorum=1, consecutive=2) == [ConfirmedOutage(120, 480, 180)]


def test_locations_down_at_different_times_are_not_a_quorum() -> None:
    results = {
        "worker": series(0, 60, ".xxx......"),  # down 120..240
        "eu": series(0, 60, ".....xxx.."),  # down 360..480
    }
    assert confirmed_outages(results, quorum=2, consecutive=2) == []


def test_a_recovery_and_a_confirmation_at_the_same_time_are_not_together() -> None:
    # worker recovers at 240 exactly when eu's second failure comes: never two down at once.
    results = {"worker": series(0, 60, ".xxx."), "eu": series(0, 60, "...xx")}
    assert confirmed_outages(results, quorum=2, consecutive=2) == []


def test_an_outage_never_starts_before_the_previous_one_ended() -> None:
    # Q = 2 of 3. worker and eu confirm at 120 (from 60); worker recovers at 240, ending it;
    # ap, failing since 120, reaches its third failure at 240 too (N = 3), so eu and ap are a
    # quorum again at once: the new outage starts at 240, not at ap's first failure (120).
    results = {
        "worker": series(0, 60, ".xxx."),
        "eu": series(0, 60, ".xxxx"),
        "ap": series(0, 60, "..xxx"),
    }
    outages = confirmed_outages(results, quorum=2, consecutive=2)
    assert outages == [ConfirmedOutage(60, None, 120)]  # ap down at 240 keeps the quorum
    results["ap"] = series(0, 60, "...xx")  # ap's second failure comes at 240
    outages = confirmed_outages(results, quorum=2, consecutive=2)
    assert outages == [ConfirmedOutage(60, None, 120)]
    results["ap"] = series(0, 60, "...x.x") + [(330, False)]  # ap down only from 330
    outages = confirmed_outages(results, quorum=2, consecutive=2)
    assert outages == [ConfirmedOutage(60, 240, 120), ConfirmedOutage(300, None, 330)]


def test_step_and_its_events() -> None:
    state = CheckState()
    state, event = step(state, 0, [("a", FAIL)], quorum=1, consecutive=2)
    assert event is None and state.locations["a"] == LocationState(1, 0, 0)
    state, event = step(state, 60, [("a", FAIL)], quorum=1, consecutive=2)
    assert event == Opened(0, 60) and state.outage_start == 0
    state, event = step(state, 120, [("a", FAIL)], quorum=1, consecutive=2)
    assert event is None
    state, event = step(state, 180, [("a", OK)], quorum=1, consecutive=2)
    assert event == Closed(180)
    assert state == CheckState({"a": LocationState(0, None, 180)}, None, 180, None)


def test_a_late_result_of_the_confirmation_instant_moves_the_start_earlier() -> None:
    # Quorum 2, N = 2. worker is down since 0; eu's second failure at 120 completes the quorum,
    # which started when eu began failing (60). ap's result of the same instant arrives next:
    # ap is down since 30, so two locations were failing from 30, as one call would have said.
    state = CheckState(
        {
            "worker": LocationState(2, 0, 60),
            "eu": LocationState(1, 60, 60),
            "ap": LocationState(1, 30, 30),
        }
    )
    state, event = step(state, 120, [("eu", FAIL)], quorum=2, consecutive=2)
    assert event == Opened(60, 120)
    state, event = step(state, 120, [("ap", FAIL)], quorum=2, consecutive=2)
    assert event == Moved(30) and state.outage_start == 30
    # Results of later instants never move it.
    state = replace(state, locations={**state.locations, "ap": LocationState(1, 100, 100)})
    state, event = step(state, 180, [("ap", FAIL)], quorum=2, consecutive=2)
    assert event is None and state.outage_start == 30


def test_bad_input_names_the_field() -> None:
    with pytest.raises(EngineError, match="quorum"):
        confirmed_outages({}, quorum=0, consecutive=1)
    with pytest.raises(EngineError, match="consecutive"):
        confirmed_outages({}, quorum=1, consecutive=0)
    with pytest.raises(EngineError, match=r"results\['a'\]\[1\]"):
        confirmed_outages({"a": [(60, OK), (60, FAIL)]}, quorum=1, consecutive=1)
    with pytest.raises(EngineError, match="not after"):
        advance(LocationState(0, None, 60), 60, OK)
    with pytest.raises(EngineError, match="two results"):
        step(CheckState(), 0, [("a", OK), ("a", FAIL)], quorum=1, consecutive=1)


def test_quorum_start_counts_only_locations_down() -> None:
    states = [LocationState(3, 10, 130), LocationState(1, 100, 100), UP, LocationState(2, 50, 110)]
    assert quorum_start(states, 1, 2) == 10
    assert quorum_start(states, 2, 2) == 50
    assert quorum_start(states, 3, 2) is None
    assert quorum_start(states, 3, 1) == 100


# ---------------------------------------------------------------------------------------------
# The naive reference


def reference(
    results: Mapping[Hashable, Sequence[tuple[int, bool]]], quorum: int, consecutive: int
) -> list[ConfirmedOutage]:
    def state_at(history: Sequence[tuple[int, bool]], t: int) -> tuple[int, int | None]:
        """(consecutive failures, run start) of the latest result at or before t."""
        seen = [pair for pair in history if pair[0] <= t]
        failures, start = 0, None
        for at, ok in reversed(seen):
            if ok:
                break
            failures, start = failures + 1, at
        return failures, start

    instants = sorted({at for history in results.values() for at, _ in history})
    outages: list[ConfirmedOutage] = []
    open_since: int | None = None
    last_end: int | None = None
    for t in instants:
        down = [state_at(h, t) for h in results.values()]
        starts = sorted(start for failures, start in down if failures >= consecutive)
        confirmed = len(starts) >= quorum
        if confirmed and open_since is None:
            begin = starts[quorum - 1] if last_end is None else max(starts[quorum - 1], last_end)
            outages.append(ConfirmedOutage(begin, None, t))
            open_since = begin
        elif not confirmed and open_since is not None:
            outages[-1] = outages[-1]._replace(end=t)
            open_since, last_end = None, t
    return outages


@st.composite
def histories(draw: st.DrawFn) -> dict[Hashable, list[tuple[int, bool]]]:
    """Up to four locations; times on a coarse grid so that locations often share instants,
    with some jitter and gaps; failures in runs."""
    locations = draw(st.integers(1, 4))
    out: dict[Hashable, list[tuple[int, bool]]] = {}
    for index in range(locations):
        slots = draw(st.lists(st.integers(0, 40), min_size=0, max_size=30, unique=True))
        fail_rate = draw(st.sampled_from([0.0, 0.3, 0.6, 0.9]))
        outcomes = draw(
            st.lists(
                st.floats(0, 1).map(lambda x, r=fail_rate: x >= r),
                min_size=len(slots),
                max_size=len(slots),
            )
        )
        out[f"loc{index}"] = [
            (slot * 10, ok) for slot, ok in zip(sorted(slots), outcomes, strict=True)
        ]
    return out


@settings(max_examples=400, deadline=None)
@given(histories(), st.integers(1, 4), st.integers(1, 4))
def test_confirmed_outages_equal_the_naive_reference(
    results: dict[Hashable, list[tuple[int, bool]]], quorum: int, consecutive: int
) -> None:
    got = confirmed_outages(results, quorum=quorum, consecutive=consecutive)
    assert got == reference(results, quorum, consecutive)
    # Invariants of the rule: ordered, disjoint, each starting at a failing check or at the
    # previous end, confirmed inside itself.
    failures = {at for history in results.values() for at, ok in history if not ok}
    previous_end: int | None = None
    for outage in got:
        assert outage.start <= outage.confirmed_at
        assert outage.end is None or outage.confirmed_at <= outage.end
        assert outage.start in failures or outage.start == previous_end
        if previous_end is not None:
            assert outage.start >= previous_end
        previous_end = outage.end
    assert all(o.end is not None for o in got[:-1])


def merge_touching(pieces: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    merged: list[tuple[int, int | None]] = []
    for start, end in pieces:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 3), st.integers(1, 3), st.randoms(use_true_random=False))
def test_stepping_one_result_at_a_time_in_time_order_agrees(
    results: dict[Hashable, list[tuple[int, bool]]],
    quorum: int,
    consecutive: int,
    rng: Any,
) -> None:
    """The service applies each arriving result on its own. In time order, the results of one
    instant in any order except that successes come first, it finds the same outage time as
    the batch: splitting an instant can only cut an outage into touching pieces."""
    events = [(at, not ok, rng.random(), name, ok) for name, h in results.items() for at, ok in h]
    state = CheckState()
    pieces: list[tuple[int, int | None]] = []
    for at, _, _, name, ok in sorted(events):
        state, event = step(state, at, [(name, ok)], quorum=quorum, consecutive=consecutive)
        if isinstance(event, Opened):
            pieces.append((event.start, None))
        elif isinstance(event, Moved):
            pieces[-1] = (event.start, pieces[-1][1])
        elif isinstance(event, Closed):
            pieces[-1] = (pieces[-1][0], event.end)
    batch = confirmed_outages(results, quorum=quorum, consecutive=consecutive)
    assert merge_touching(pieces) == merge_touching([(o.start, o.end) for o in batch])
