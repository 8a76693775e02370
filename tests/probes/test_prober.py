"""The prober: its schedule on a frozen clock, and single checks against a real local server."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from accord.probes.prober import CheckSpec, Prober, Result, Schedule, next_slot, slot_phase

from .conftest import T0, Target


def spec(check_id: int = 7, interval: float = 60, **fields: Any) -> CheckSpec:
    return CheckSpec(id=check_id, url="http://127.0.0.1:9/", interval=interval, timeout=2, **fields)


# ---------------------------------------------------------------------------------------------
# The schedule, on a clock that only moves when the test says


def test_a_check_is_due_at_its_slots_and_does_not_drift() -> None:
    schedule = Schedule()
    schedule.update([spec()], now=T0)
    slot = next_slot(7, 60, T0)
    assert T0 <= slot < T0 + 60 and (slot - slot_phase(7, 60)) % 60 == 0
    assert schedule.next_due() == slot
    assert schedule.due(slot - 0.001) == []
    assert schedule.due(slot) == [(spec(), slot)]
    # Started 0.8 s late: the next slot is still exactly one interval after the last one.
    assert schedule.due(slot + 60.8) == [(spec(), slot + 60)]
    assert schedule.next_due() == slot + 120
    assert schedule.skipped == 0


def test_a_prober_far_behind_skips_the_missed_slots_instead_of_bursting() -> None:
    schedule = Schedule()
    schedule.update([spec()], now=T0)
    slot = next_slot(7, 60, T0)
    schedule.due(slot)
    # 190 s later: the slot of +60 fires once (late); +120 and +180 are skipped.
    assert schedule.due(slot + 190) == [(spec(), slot + 60)]
    assert schedule.skipped == 2
    assert schedule.next_due() == slot + 240


def test_slots_are_spread_over_the_interval() -> None:
    schedule = Schedule()
    schedule.update([spec(i, 20) for i in range(1, 2001)], now=T0)
    due = schedule.due(T0 + 20)
    assert len(due) == 2000
    per_second = Counter(int(slot - T0) for _, slot in due)
    assert len(per_second) == 20 and max(per_second.values()) <= 2 * 2000 / 20
    # Every location computes the same slots for a check: they probe it at the same instants.
    assert {slot for _, slot in due} == {next_slot(i, 20, T0) for i in range(1, 2001)}


def test_changing_the_checks_keeps_unchanged_slots() -> None:
    schedule = Schedule()
    schedule.update([spec(1), spec(2), spec(3)], now=T0)
    slots = {s.id: slot for s, slot in schedule.due(T0 + 60)}
    # 2 is removed, 3 changes its interval, 4 is new.
    schedule.update([spec(1), spec(3, 30), spec(4)], now=T0 + 60)
    assert len(schedule) == 3
    fired = schedule.due(T0 + 600)
    assert all(s.id != 2 for s, _ in fired)
    firsts = {}
    for s, slot in fired:
        firsts.setdefault(s.id, slot)
    assert firsts[1] == slots[1] + 60
    assert firsts[3] == next_slot(3, 30, T0 + 60)
    assert firsts[4] == next_slot(4, 60, T0 + 60)


def test_the_prober_starts_checks_when_their_slot_comes(target: Target) -> None:
    """The prober's own loop step, on a frozen clock: nothing starts early, a check started
    at its slot carries the slot's time and no lateness."""
    now = [float(T0)]
    results: list[Result] = []
    check = CheckSpec(id=1, url=target.url(), interval=60, timeout=2)
    slot = next_slot(1, 60, T0)

    async def scenario() -> None:
        prober = Prober(results.append, clock=lambda: now[0])
        prober.update([check])
        assert prober.start_due(now[0]) == 0
        now[0] = slot
        assert prober.start_due(now[0]) == 1
        await prober.settle()
        target.fail()
        now[0] = slot + 60
        assert prober.start_due(now[0]) == 1
        await prober.settle()
        assert list(prober.lateness) == [0.0, 0.0]
        await prober.close()

    asyncio.run(scenario())
    assert [(r.at, r.ok, r.status) for r in results] == [
        (int(slot), True, 200),
        (int(slot) + 60, False, 503),
    ]
    assert results[1].error == "expected status 200, got 503"
    assert len(target.hits) == 2


# ---------------------------------------------------------------------------------------------
# One check against the local server


def run_check(check: CheckSpec) -> Result:
    async def once() -> Result:
        prober = Prober(lambda r: None, clock=lambda: float(T0))
        try:
            return await prober.check(check)
        finally:
            await prober.close()

    return asyncio.run(once())


def test_expected_status_and_body_text(target: Target) -> None:
    url = target.url()
    assert run_check(CheckSpec(1, url, 60, 2)).ok
    assert run_check(CheckSpec(1, url, 60, 2, body_text="All systems go")).ok
    missing = run_check(CheckSpec(1, url, 60, 2, body_text="Release Manager"))
    assert (missing.ok, missing.status, missing.error) == (False, 200, "body text not found")
    target.status = 204
    target.body = b""
    wrong = run_check(CheckSpec(1, url, 60, 2))
    assert (wrong.ok, wrong.status, wrong.error) == (False, 204, "expected status 200, got 204")
    assert run_check(CheckSpec(1, url, 60, 2, expected_status=204)).ok
    target.status = 301  # a redirect is not followed: it is what the URL answered
    assert run_check(CheckSpec(1, url, 60, 2, expected_status=301)).ok


def test_a_slow_answer_is_a_timeout(target: Target) -> None:
    target.delay = 1.0
    result = run_check(CheckSpec(1, target.url(), 60, 0.2))
    assert (result.ok, result.error, result.latency_ms) == (False, "timed out after 0.2 s", 200)


def test_a_closed_port_fails_with_the_reason() -> None:
    result = run_check(CheckSpec(1, "http://127.0.0.1:9/health", 60, 2))
    assert not result.ok and result.status is None
    assert result.error.startswith("connection failed")
