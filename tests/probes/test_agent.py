"""`accord probe` agents and the built-in location inside `accord worker`, running for real.

The two end-to-end tests run the real loops against the local server for a few seconds (they
wait for an outcome, with a deadline; no assertion depends on how long anything took).
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from accord.monitoring.models import ModuleRegion, Outage
from accord.probes import runner, services
from accord.probes.agent import Agent
from accord.probes.models import BUILTIN_LOCATION, HealthCheck, ProbeLocation, ProbeState

from .conftest import Target, at

live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> bool:
    """Poll `condition` (a query) until it holds. The tests' SQLite database is in memory with
    a shared cache, where a read that meets the probe thread's write fails at once with "table
    is locked" instead of waiting (a file database waits): read again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError as error:
            if "locked" not in str(error):
                raise
        time.sleep(0.1)
    return False


def fast_check(target: Target, **fields: Any) -> HealthCheck:
    """A check every second (below what the admin allows; the loops do not mind)."""
    module_region = ModuleRegion.objects.get(module__slug="release-manager", region__code="us")
    values = {"interval_seconds": 1, "timeout_seconds": 0.5, "failures_to_confirm": 2, **fields}
    return HealthCheck.objects.create(
        module_region=module_region, name="fast", url=target.url(), **values
    )


@pytest.fixture
def threads() -> Iterator[list[tuple[threading.Event, threading.Thread]]]:
    started: list[tuple[threading.Event, threading.Thread]] = []
    yield started
    for stop, thread in started:
        stop.set()
        thread.join(20)


@pytest.mark.slow
@live_db
def test_an_agent_reports_over_the_api_and_confirms_an_outage(
    live_server: Any, target: Target, threads: list[Any]
) -> None:
    check = fast_check(target)
    location, token = services.create_location(name="Frankfurt", slug="fra")
    agent = Agent(live_server.url, token, batch_seconds=0.3)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(agent.run(stop.is_set)))
    thread.start()
    threads.append((stop, thread))

    def reported() -> bool:
        return ProbeState.objects.filter(location=location, last_ok=True).exists()

    assert wait_for(reported), "the agent's results never arrived"
    assert agent.location == "fra" and [c.id for c in agent.checks] == [check.pk]
    target.fail()
    assert wait_for(Outage.objects.exists), "two failures in a row, yet no outage"
    outage = Outage.objects.get()
    assert outage.reference == f"check:{check.pk}" and outage.end is None
    target.recover()
    assert wait_for(lambda: Outage.objects.filter(end__isnull=False).exists())
    stop.set()
    thread.join(20)
    assert not thread.is_alive() and not agent.pending


@pytest.mark.slow
@live_db
def test_the_worker_runs_the_built_in_location_under_a_lease(
    target: Target, threads: list[Any]
) -> None:
    check = fast_check(target)
    stop = threading.Event()
    first = runner.WorkerProbes(stop, "w1", flush_seconds=0.2, refresh_seconds=0.5)
    threads.append((stop, first.start()))
    worker = services.builtin_location()
    assert wait_for(
        lambda: ProbeState.objects.filter(health_check=check, location=worker).exists()
    ), "the worker never probed"
    # A second worker finds the lease taken and probes nothing.
    other_stop = threading.Event()
    second = runner.WorkerProbes(other_stop, "w2", flush_seconds=0.2, refresh_seconds=0.5)
    threads.append((other_stop, second.start()))
    time.sleep(1)
    assert second.location is None and second.flushes == 0
    other_stop.set()
    second.join(20)
    stop.set()
    first.join(20)
    worker.refresh_from_db()
    assert (worker.lease_holder, worker.lease_until) == ("", None)


def test_the_lease_is_one_worker_s_until_it_runs_out(db: None) -> None:
    assert runner.take_lease("w1", now=at(0)) is not None
    assert runner.take_lease("w2", now=at(10)) is None
    assert runner.take_lease("w1", now=at(20)) is not None  # renewed to 20 + 45
    assert runner.take_lease("w2", now=at(60)) is None
    taken = runner.take_lease("w2", now=at(66))  # w1 died: its lease ran out
    assert taken is not None and taken.lease_holder == "w2"
    runner.release_lease("w2")
    ProbeLocation.objects.filter(slug=BUILTIN_LOCATION).update(active=False)
    assert runner.take_lease("w1", now=at(70)) is None  # an inactive location runs nowhere
    assert timedelta(seconds=45) == runner.LEASE


def test_the_command_creates_locations_and_tokens(db: None) -> None:
    out = io.StringIO()
    call_command("probe", "--new-location", "São Paulo", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    location = ProbeLocation.objects.get(slug="sao-paulo")
    assert ProbeLocation.find(token) == location
    out = io.StringIO()
    call_command("probe", "--new-token", "sao-paulo", stdout=out)
    fresh = out.getvalue().strip().splitlines()[-1]
    assert ProbeLocation.find(token) is None and ProbeLocation.find(fresh) == location
    with pytest.raises(CommandError, match="exists"):
        call_command("probe", "--new-location", "Sao Paulo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="built-in"):
        call_command("probe", "--new-token", BUILTIN_LOCATION, stdout=io.StringIO())
    with pytest.raises(CommandError, match="--server"):
        call_command("probe", "--token", fresh)
    with pytest.raises(CommandError, match="--token"):
        call_command("probe", "--server", "http://127.0.0.1:1")
