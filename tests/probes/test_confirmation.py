"""Outages confirmed from probe results: N consecutive failures, a quorum of locations, the
start at the first failing check and the end at the first success the quorum sees.

The built-in location probes the local server for real, stamped with frozen instants; other
locations are agents posting their results through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accord.engine.timeutil import to_epoch
from accord.monitoring.models import Impact, Outage, Source
from accord.monitoring.services import Terms, period_uptime
from accord.probes import services
from accord.probes.models import CheckStatus, HealthCheck, ProbeLocation, ProbeState, StatusChange
from accord.probes.prober import Result

from .conftest import Target, at, probe_once

Post = Callable[..., Any]


def worker_probes(check: Any, offset: float) -> Any:
    """The built-in location runs `check` at T0 + offset and records what it found."""
    result = probe_once(check, at(offset))
    with transaction.atomic():
        services.record_results(services.builtin_location(), [result], now=at(offset))
    return result


def flips(check: Any) -> list[tuple[str, str, Any, Any]]:
    return [
        (c.previous, c.status, c.at, c.confirmed_at)
        for c in StatusChange.objects.filter(health_check=check).order_by("at", "pk")
    ]


def test_n_consecutive_failures_confirm_an_outage_from_the_first_one(
    world: Any, target: Target, make_check: Callable[..., Any]
) -> None:
    check = make_check(failures_to_confirm=3)
    assert worker_probes(check, 0).ok
    target.fail()
    for offset in (60, 120):
        assert not worker_probes(check, offset).ok
        assert not Outage.objects.exists(), "two failures are not three"
    worker_probes(check, 180)  # the third: confirmed, from the first failure
    outage = Outage.objects.get()
    assert (outage.source, outage.impact, outage.reference) == (
        Source.PROBE,
        Impact.MAJOR_OUTAGE,
        f"check:{check.pk}",
    )
    assert (outage.module_region, outage.start, outage.end) == (check.module_region, at(60), None)
    check.refresh_from_db()
    assert (check.status, check.status_since, check.outage) == (CheckStatus.DOWN, at(60), outage)
    worker_probes(check, 240)
    target.recover()
    worker_probes(check, 300)  # the first success ends it
    outage.refresh_from_db()
    assert outage.end == at(300)
    check.refresh_from_db()
    assert (check.status, check.status_since, check.outage) == (CheckStatus.UP, at(300), None)
    assert flips(check) == [
        ("up", "down", at(60), at(180)),
        ("down", "up", at(300), at(300)),
    ]
    # The engine counts it: four minutes down in the hour.
    terms = Terms.of(world.acme.contract.terms)
    result = period_uptime(check.module_region, terms, at(0), at(3600), now=at(3600))
    assert result.downtime_seconds == 240
    # The worker's state for the check is up again.
    state = ProbeState.objects.get(health_check=check)
    assert (state.failures, state.run_start, state.last_at, state.last_ok) == (
        0,
        None,
        at(300),
        True,
    )


def test_a_single_failure_between_successes_is_not_an_outage(
    world: Any, target: Target, make_check: Callable[..., Any]
) -> None:
    check = make_check(failures_to_confirm=2)
    for offset, fails in ((0, False), (60, True), (120, False), (180, True), (240, False)):
        target.status = 503 if fails else 200
        worker_probes(check, offset)
    assert not Outage.objects.exists() and not StatusChange.objects.exists()


def test_two_of_three_locations_start_it_and_the_quorum_ends_it(
    world: Any,
    target: Target,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Callable[..., Any],
) -> None:
    """eu fails from 60, the worker from 120 (the server goes down), ap never; N = 2.

    At 120 only eu is down (two failures): no quorum. At 180 the worker's second failure makes
    two: confirmed, starting at 120, when both were failing. At 300 the server recovers: the
    worker's success leaves eu alone, so the outage ends at 300 although eu still fails."""
    check = make_check(quorum=2, failures_to_confirm=2)
    _, eu = agent_location("eu")
    _, ap = agent_location("ap")
    eu_fails = {60, 120, 180, 240, 300}
    for offset in range(0, 420, 60):
        target.status = 503 if 120 <= offset < 300 else 200
        assert post_results(eu, [(check, at(offset), offset not in eu_fails)]).status_code == 200
        worker_probes(check, offset)
        assert post_results(ap, [(check, at(offset), True)]).status_code == 200
        if offset == 120:
            assert not Outage.objects.exists(), "one location is not a quorum of two"
    outage = Outage.objects.get()
    assert (outage.start, outage.end) == (at(120), at(300))
    assert flips(check) == [
        ("up", "down", at(120), at(180)),
        ("down", "up", at(300), at(300)),
    ]
    states = {
        s.location.slug: (s.failures, s.last_ok)
        for s in ProbeState.objects.filter(health_check=check).select_related("location")
    }
    assert states == {"worker": (0, True), "eu": (0, True), "ap": (0, True)}


def test_one_location_alone_never_confirms_a_quorum_of_two(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Callable[..., Any],
) -> None:
    check = make_check(quorum=2, failures_to_confirm=1)
    _, eu = agent_location("eu")
    # The worker reports nothing (it is not running); eu fails and fails.
    post_results(eu, [(check, at(60 * i), False) for i in range(10)])
    assert not Outage.objects.exists()
    check.refresh_from_db()
    assert check.status == CheckStatus.UP


def test_the_quorum_is_capped_at_the_active_locations(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Callable[..., Any],
) -> None:
    """A quorum of 3 with two active locations (worker and eu) means both; a deactivated
    location is neither counted nor needed."""
    check = make_check(quorum=3, failures_to_confirm=1)
    location, eu = agent_location("eu")
    other, ap = agent_location("ap")
    post_results(ap, [(check, at(0), False)])
    ProbeLocation.objects.filter(pk=other.pk).update(active=False)
    post_results(eu, [(check, at(60), False)])
    assert not Outage.objects.exists(), "the worker has not failed, and ap no longer counts"
    with transaction.atomic():
        services.record_results(
            services.builtin_location(),
            [Result(check.pk, to_epoch(at(90)), False, 10)],
            now=at(90),
        )
    assert Outage.objects.get().start == at(90)


def test_a_late_batch_moves_the_start_to_where_the_quorum_began(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Callable[..., Any],
) -> None:
    """Quorum 1, N = 2. eu confirms at 120 (failing from 60). ap's batch for the same instants
    arrives later: ap was failing from 0, so the outage started at 0."""
    check = make_check(quorum=1, failures_to_confirm=2)
    _, eu = agent_location("eu")
    _, ap = agent_location("ap")
    post_results(eu, [(check, at(0), True), (check, at(60), False), (check, at(120), False)])
    outage = Outage.objects.get()
    assert outage.start == at(60)
    post_results(ap, [(check, at(0), False), (check, at(60), False), (check, at(120), False)])
    outage.refresh_from_db()
    assert outage.start == at(0)
    assert flips(check) == [("up", "down", at(0), at(120))]
    assert HealthCheck.objects.get(pk=check.pk).status_since == at(0)


def test_deactivating_ends_the_outages_that_lose_their_quorum(
    world: Any,
    make_check: Callable[..., Any],
    agent_location: Callable[[str], tuple[Any, str]],
    post_results: Post,
) -> None:
    failing = make_check(failures_to_confirm=1)
    retired = make_check(name="Retired", failures_to_confirm=1)
    location, eu = agent_location("eu")
    post_results(eu, [(failing, at(0), False), (retired, at(0), False)])
    assert Outage.objects.filter(end__isnull=True).count() == 2
    assert services.reevaluate(now=at(30)) == []  # nothing changed: both still confirmed
    HealthCheck.objects.filter(pk=retired.pk).update(active=False)
    ProbeLocation.objects.filter(pk=location.pk).update(active=False)  # eu goes away
    assert sorted(services.reevaluate(now=at(60))) == sorted([failing.pk, retired.pk])
    assert set(Outage.objects.values_list("end", flat=True)) == {at(60)}
    assert flips(failing)[-1] == ("down", "up", at(60), at(60))


def test_the_admin_pages_and_the_token_action(
    world: Any, make_check: Callable[..., Any], agent_location: Callable[[str], tuple[Any, str]]
) -> None:
    from django.test import Client

    make_check()
    location, token = agent_location("eu")
    admin = Client()
    world.vendor_admin.is_staff = world.vendor_admin.is_superuser = True
    world.vendor_admin.save()
    admin.force_login(world.vendor_admin)
    for page in ("healthcheck", "probelocation", "statuschange", "probestate"):
        assert admin.get(f"/admin/probes/{page}/").status_code == 200, page
    response = admin.post(
        "/admin/probes/probelocation/",
        {"action": "issue_token", "_selected_action": [location.pk]},
        follow=True,
    )
    assert "prb_" in response.content.decode()
    assert ProbeLocation.find(token) is None
