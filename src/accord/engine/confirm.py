"""Confirmation: when failed checks from several probe locations make an outage.

One health check is probed from several locations. Each location's results for the check are
(time, ok) pairs in time order, times in whole epoch seconds. `quorum` (Q) and `consecutive`
(N) come from the check. The rule, stated once here and in docs/monitoring.md:

1. A location is **down** from its N-th consecutive failed check until its next successful
   check: down at instant t when its latest result at or before t is a failure that ends a run
   of at least N consecutive failures. The **run start** of a down location is the time of the
   first failure of that run.
2. The check is **confirmed down** at the instants when at least Q locations are down. Results
   with the same time are applied together before anything is decided (so a location that
   recovers at t and another that goes down at t are never down together at t: a location is
   down over the half-open interval [N-th failure, next success)).
3. An **outage** is each maximal stretch of confirmed-down instants, backdated to its first
   failing check:
   - it **starts** at the Q-th earliest run start among the locations down at the instant of
     confirmation: the first moment at which Q of them were all failing (with Q = 1, the first
     failing check of the run). It never starts before the end of the check's previous outage,
     so outages of one check never overlap.
   - it **ends** at the first success that the quorum sees: the time of the result that leaves
     fewer than Q locations down. An outage that has not ended has `end` None.
   - `confirmed_at` is the instant of confirmation (the time of the N-th failure that completed
     the quorum); the outage was not known before it.

A location that has not reported yet is up. `step` is the rule applied as results arrive (the
service keeps a `LocationState` per location and check); `confirmed_outages` folds it over whole
result histories, and is what the rule means when results arrive in time order.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from accord.engine.errors import EngineError


class LocationState(NamedTuple):
    """One location's view of one check: the consecutive failures of its current run (0 after
    a success), when that run started, and the time of the last result applied."""

    failures: int = 0
    run_start: int | None = None
    last: int | None = None

    def down(self, consecutive: int) -> bool:
        return self.failures >= consecutive


UP = LocationState()


def advance(state: LocationState, at: int, ok: bool) -> LocationState:
    """The state after one more result. Results must come in time order: one at or before the
    last applied is an error (the caller drops duplicates first)."""
    if state.last is not None and at <= state.last:
        raise EngineError("at", f"{at} is not after the last result applied ({state.last})")
    if ok:
        return LocationState(0, None, at)
    if state.failures == 0:
        return LocationState(1, at, at)
    return LocationState(state.failures + 1, state.run_start, at)


def _check_parameters(quorum: int, consecutive: int) -> None:
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
        raise EngineError("quorum", "must be a whole number of locations, at least 1")
    if isinstance(consecutive, bool) or not isinstance(consecutive, int) or consecutive < 1:
        raise EngineError("consecutive", "must be a whole number of checks, at least 1")


def quorum_start(states: Iterable[LocationState], quorum: int, consecutive: int) -> int | None:
    """When at least `quorum` locations are down: the Q-th earliest run start among them (the
    first instant at which Q of them were all failing). None when fewer are down."""
    starts = sorted(s.run_start for s in states if s.down(consecutive) and s.run_start is not None)
    return starts[quorum - 1] if len(starts) >= quorum else None


class Opened(NamedTuple):
    """An outage confirmed at `confirmed_at`, starting at `start`."""

    start: int
    confirmed_at: int


class Moved(NamedTuple):
    """The open outage starts earlier than first said: another location's result of the
    confirmation instant arrived after the confirmation, and completes the quorum earlier."""

    start: int


class Closed(NamedTuple):
    """The open outage ended at `end`."""

    end: int


Event = Opened | Moved | Closed


@dataclass(frozen=True)
class CheckState:
    """Everything the rule remembers about one check: each location's state, the start of the
    outage in progress (None when there is none), the end of the last outage."""

    locations: Mapping[Hashable, LocationState] = field(default_factory=dict)
    outage_start: int | None = None
    last_end: int | None = None
    confirmed_at: int | None = None


def step(
    state: CheckState,
    at: int,
    updates: Sequence[tuple[Hashable, bool]],
    *,
    quorum: int,
    consecutive: int,
) -> tuple[CheckState, Event | None]:
    """Apply the results of time `at` ((location, ok) pairs, at most one per location), then
    decide: an outage opens when at least `quorum` locations are down and none is open; the
    open one closes when fewer are down.

    The service calls this as results arrive, so the results of one instant may come in
    several calls. A later call for the instant of confirmation can only move the start
    earlier (`Moved`), to where one call with all of them would have put it. Results that
    arrive out of time order across locations are applied as they come."""
    _check_parameters(quorum, consecutive)
    locations = dict(state.locations)
    for location, ok in updates:
        if location in locations and locations[location].last == at:
            raise EngineError("updates", f"two results of location {location!r} at {at}")
        locations[location] = advance(locations.get(location, UP), at, ok)
    start = quorum_start(locations.values(), quorum, consecutive)
    if start is not None and state.last_end is not None:
        start = max(start, state.last_end)
    if state.outage_start is None:
        if start is None:
            return replace(state, locations=locations), None
        return replace(state, locations=locations, outage_start=start, confirmed_at=at), Opened(
            start, at
        )
    if start is None:
        end = max(at, state.outage_start)
        closed = CheckState(locations, None, end, None)
        return closed, Closed(end)
    if at == state.confirmed_at and start < state.outage_start:
        return replace(state, locations=locations, outage_start=start), Moved(start)
    return replace(state, locations=locations), None


class ConfirmedOutage(NamedTuple):
    start: int
    end: int | None
    confirmed_at: int


def confirmed_outages(
    results: Mapping[Hashable, Sequence[tuple[int, bool]]],
    *,
    quorum: int,
    consecutive: int,
) -> list[ConfirmedOutage]:
    """The outages of one check from every location's results ((time, ok), in time order), in
    order of start; the last one has `end` None when it is still going on."""
    _check_parameters(quorum, consecutive)
    by_time: dict[int, list[tuple[Hashable, bool]]] = {}
    for location, series in results.items():
        previous: int | None = None
        for index, pair in enumerate(series):
            at, ok = pair
            if isinstance(at, bool) or not isinstance(at, int):
                raise EngineError(f"results[{location!r}][{index}]", "time must be epoch seconds")
            if previous is not None and at <= previous:
                raise EngineError(
                    f"results[{location!r}][{index}]", "times must increase within a location"
                )
            previous = at
            by_time.setdefault(at, []).append((location, bool(ok)))
    state = CheckState()
    outages: list[ConfirmedOutage] = []
    for at in sorted(by_time):
        state, event = step(state, at, by_time[at], quorum=quorum, consecutive=consecutive)
        if isinstance(event, Opened):
            outages.append(ConfirmedOutage(event.start, None, event.confirmed_at))
        elif isinstance(event, Moved):  # pragma: no cover - one call per instant never moves
            outages[-1] = outages[-1]._replace(start=event.start)
        elif isinstance(event, Closed):
            outages[-1] = outages[-1]._replace(end=event.end)
    return outages
