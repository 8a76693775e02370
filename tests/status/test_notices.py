"""Status notices: a confirmed subscriber of an affected region (or of every region) gets one
email per public incident update and per scheduled maintenance window, with a working
unsubscribe link; unconfirmed, unsubscribed and other-region subscribers and non-public
incidents get nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accord.catalogue.models import Region
from accord.core.display import format_when
from accord.incidents import services as incidents
from accord.status.models import StatusSubscriber
from accord.work.models import Job
from accord.work.outbox import muted
from accord.work.services import run_due

from .conftest import Clock

FindMR = Callable[[str, str], Any]
UNSUBSCRIBE = re.compile(r"https://sla\.example\.test(/status/subscription/[^/\s]+/unsubscribe/)")


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.test"


def send_mail(clock: Clock) -> list[Any]:
    mail.outbox.clear()
    while run_due("test", now=clock.at):
        pass
    return list(mail.outbox)


def subscriber(email: str, region: str | None, clock: Clock, *, confirmed: bool = True) -> Any:
    return StatusSubscriber.objects.create(
        email=email,
        region=Region.objects.get(code=region) if region else None,
        confirmed_at=clock.at if confirmed else None,
    )


def to(messages: list[Any]) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def test_public_incident_updates_reach_the_regions_confirmed_subscribers(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    uk = subscriber("uk@example.test", "uk", clock)
    subscriber("everywhere@example.test", None, clock)
    subscriber("pending@example.test", "uk", clock, confirmed=False)
    subscriber("us@example.test", "us", clock)

    incident = incidents.declare(
        title="Reports fail to load",
        message="We are looking into failing reports.",
        impacts={mr("Reporting", "uk"): "partial_outage"},
        actor=world.agent,
        now=clock.at,
    )
    assert mail.outbox == []  # only queued, in the change's transaction
    sent = send_mail(clock)
    assert to(sent) == ["everywhere@example.test", "uk@example.test"]
    (message,) = [m for m in sent if m.to == ["uk@example.test"]]
    assert message.subject == "[Investigating] Reports fail to load"
    assert "Status: Investigating" in message.body
    assert "We are looking into failing reports." in message.body
    assert "https://sla.example.test/status/uk/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert send_mail(clock) == []  # once

    clock.at += timedelta(minutes=20)
    incidents.post_update(
        incident, status="identified", message="A bad index.", actor=world.agent, now=clock.at
    )
    sent = send_mail(clock)
    assert to(sent) == ["everywhere@example.test", "uk@example.test"]
    assert all("A bad index." in m.body and "Status: Identified" in m.body for m in sent)

    clock.at += timedelta(minutes=20)
    incidents.resolve(incident, message="Fixed.", actor=world.agent, now=clock.at)
    sent = send_mail(clock)
    assert to(sent) == ["everywhere@example.test", "uk@example.test"]
    assert all(m.subject == "[Resolved] Reports fail to load" for m in sent)
    assert send_mail(clock) == []
    # One email job per (update, subscriber), never more.
    assert Job.objects.filter(key__endswith=f":subscriber-{uk.pk}").count() == 3


def test_the_unsubscribe_link_in_a_notice_works(world: Any, clock: Clock, mr: FindMR) -> None:
    person = subscriber("uk@example.test", "uk", clock)
    incident = incidents.declare(
        title="Slow reports",
        message="Reports are slow.",
        impacts={mr("Reporting", "uk"): "degraded"},
        actor=world.agent,
        now=clock.at,
    )
    (message,) = send_mail(clock)
    path = UNSUBSCRIBE.search(message.body).group(1)
    assert Client().post(path).status_code == 302
    person.refresh_from_db()
    assert not person.active
    clock.at += timedelta(minutes=5)
    incidents.post_update(
        incident, status="monitoring", message="Better now.", actor=world.agent, now=clock.at
    )
    assert send_mail(clock) == []


def test_an_email_queued_before_unsubscribing_is_not_sent(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    person = subscriber("uk@example.test", "uk", clock)
    incidents.declare(
        title="Slow reports",
        message="Reports are slow.",
        impacts={mr("Reporting", "uk"): "degraded"},
        actor=world.agent,
        now=clock.at,
    )
    run_due("test", now=clock.at, limit=1)  # the fan-out only
    StatusSubscriber.objects.filter(pk=person.pk).update(unsubscribed_at=clock.at)
    assert send_mail(clock) == []


def test_a_non_public_incident_notifies_nobody(world: Any, clock: Clock, mr: FindMR) -> None:
    subscriber("uk@example.test", "uk", clock)
    subscriber("everywhere@example.test", None, clock)
    incident = incidents.declare(
        title="Acme's tenant is slow",
        message="Only Acme is affected.",
        impacts={mr("Reporting", "uk"): "degraded"},
        public=False,
        actor=world.agent,
        now=clock.at,
    )
    incidents.post_update(
        incident, status="identified", message="Found it.", actor=world.agent, now=clock.at
    )
    incidents.resolve(incident, message="Fixed.", actor=world.agent, now=clock.at)
    assert send_mail(clock) == []


def test_muted_changes_notify_nobody(world: Any, clock: Clock, mr: FindMR) -> None:
    subscriber("uk@example.test", "uk", clock)
    with muted():
        incidents.declare(
            title="Demo data",
            message="Imported.",
            impacts={mr("Reporting", "uk"): "degraded"},
            actor=world.agent,
            now=clock.at,
        )
    assert send_mail(clock) == []


def test_scheduled_maintenance_reaches_the_regions_subscribers(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    subscriber("uk@example.test", "uk", clock)
    subscriber("everywhere@example.test", None, clock)
    subscriber("us@example.test", "us", clock)
    window = incidents.schedule_maintenance(
        region=Region.objects.get(code="uk"),
        title="Database upgrade",
        description="Reports are read-only.",
        start=clock.at + timedelta(days=3),
        end=clock.at + timedelta(days=3, hours=1),
        module_regions=[mr("Reporting", "uk")],
        actor=world.agent,
        now=clock.at,
    )
    sent = send_mail(clock)
    assert to(sent) == ["everywhere@example.test", "uk@example.test"]
    message = sent[0]
    assert message.subject == "[Scheduled maintenance] Database upgrade"
    assert "Reporting" in message.body and "Reports are read-only." in message.body
    assert f"From {format_when(window.start, 'UTC')} to {format_when(window.end, 'UTC')}" in (
        message.body
    )
    assert UNSUBSCRIBE.search(message.body)
    assert send_mail(clock) == []
