"""A subscriber's emails in the language of the page it subscribed on (an address has no
account, so no language of its own): the confirmation and every later notice, Subject and
body as sent, read back from the real message; the unsubscribe link keeps working."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from accord.catalogue.models import Region
from accord.core.display import format_when
from accord.incidents import services as incidents
from accord.status.models import StatusSubscriber
from accord.work.services import run_due

from .conftest import Clock

pytestmark = pytest.mark.django_db

FindMR = Callable[[str, str], Any]
CONFIRM = re.compile(r"https://sla\.example\.test(/status/subscription/[^/\s]+/confirm/)")
UNSUBSCRIBE = re.compile(r"https://sla\.example\.test(/status/subscription/[^/\s]+/unsubscribe/)")
GERMAN = "de-DE,de;q=0.9"


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.ACCORD_BASE_URL = "https://sla.example.test"


def sent(clock: Clock) -> dict[str, EmailMessage]:
    """The worker's due emails, parsed back from their bytes, by recipient."""
    mail.outbox.clear()
    while run_due("test", now=clock.at):
        pass
    parsed = {}
    for message in mail.outbox:
        raw = message.message().as_bytes()
        found = email.message_from_bytes(raw, policy=default)
        assert isinstance(found, EmailMessage)
        parsed[message.to[0]] = found
    return parsed


def subject(message: EmailMessage) -> str:
    # Django folds a Subject it must encode (RFC 2047) onto a second line: the fold's space
    # is not part of the subject a mail client shows.
    return str(message["Subject"]).strip()


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def subscribe_and_confirm(address: str, clock: Clock, **headers: str) -> EmailMessage:
    client = Client(**headers)
    answer = client.post("/status/subscribe/", {"email": address, "region": "uk"})
    assert answer.status_code == 302
    said = client.get(answer.url).content.decode()
    assert ("Fast geschafft: Wir haben einen Link an" in said) == bool(headers)
    confirmation = sent(clock)[address]
    path = CONFIRM.search(body(confirmation))
    assert path is not None
    assert client.post(path.group(1)).status_code == 302
    return confirmation


def test_each_subscriber_reads_the_language_of_the_page_it_subscribed_on(
    world: Any, clock: Clock, mr: FindMR
) -> None:
    german = subscribe_and_confirm("anna@example.test", clock, HTTP_ACCEPT_LANGUAGE=GERMAN)
    english = subscribe_and_confirm("pat@example.test", clock)
    assert StatusSubscriber.objects.get(email="anna@example.test").language == "de"
    assert subject(german) == "Bestätigen Sie Ihre Statusmeldungen für United Kingdom"
    text = body(german)
    assert "Jemand, hoffentlich Sie, hat darum gebeten" in text
    assert "klicken Sie auf „Bestätigen“" in text and "Der Link ist 7 Tage gültig." in text
    assert "Die Statusseite: https://sla.example.test/status/uk/" in text
    assert "Someone, hopefully you" not in text
    assert subject(english) == "Confirm your status updates for United Kingdom"
    assert "Someone, hopefully you, asked" in body(english)

    # The notice is made by the worker, outside any request: each in its subscriber's language.
    translation.activate("en")
    incidents.declare(
        title="Reports fail to load",
        message="We are looking into failing reports.",
        impacts={mr("Reporting", "uk"): "partial_outage"},
        actor=world.agent,
        now=clock.at,
    )
    notices = sent(clock)
    german, english = notices["anna@example.test"], notices["pat@example.test"]
    assert subject(german) == "[Wird untersucht] Reports fail to load"  # the title as written
    text = body(german)
    with translation.override("de"):
        when = format_when(clock.at, "UTC")
    assert f"Status: Wird untersucht ({when})" in text and when.startswith("Mo., 15. Jun 2026")
    assert "We are looking into failing reports." in text  # what staff wrote, as written
    assert "weil Sie Statusmeldungen für United Kingdom abonniert haben" in text
    assert subject(english) == "[Investigating] Reports fail to load"
    assert "Status: Investigating (Mon 15 Jun 2026 19:00 UTC)" in body(english)
    assert "Unsubscribe: https://sla.example.test/status/subscription/" in body(english)

    # Its unsubscribe link still works, and the page it opens follows the browser.
    found = UNSUBSCRIBE.search(text)
    assert found is not None and "Abbestellen: " in text
    page = Client(HTTP_ACCEPT_LANGUAGE=GERMAN).get(found.group(1)).content.decode()
    assert "Statusmeldungen abbestellen" in page
    assert Client().post(found.group(1)).status_code == 302
    assert not StatusSubscriber.objects.get(email="anna@example.test").active


def test_scheduled_maintenance_in_the_subscriber_s_language(world: Any, clock: Clock) -> None:
    uk = Region.objects.get(code="uk")
    for address, language in (("anna@example.test", "de"), ("pat@example.test", "")):
        StatusSubscriber.objects.create(
            email=address, region=uk, confirmed_at=clock.at, language=language
        )
    start = clock.at + timedelta(days=3)
    incidents.schedule_maintenance(
        region=uk,
        title="Database upgrade",
        description="Reports are read-only.",
        start=start,
        end=start + timedelta(hours=1),
        module_regions=[],
        actor=world.agent,
        now=clock.at,
    )
    notices = sent(clock)
    german, english = notices["anna@example.test"], notices["pat@example.test"]
    assert subject(german) == "[Geplante Wartung] Database upgrade"
    text = body(german)
    assert "Geplante Wartung in United Kingdom: jedes Modul" in text
    assert "Von Do., 18. Jun 2026, 19:00 UTC bis Do., 18. Jun 2026, 20:00 UTC" in text
    assert "(Do., 18. Jun 2026, 20:00 BST bis Do., 18. Jun 2026, 21:00 BST, Europe/London)" in (
        text
    )
    # A row from before the language was stored ("") reads the site's default, English.
    assert subject(english) == "[Scheduled maintenance] Database upgrade"
    assert "From Thu 18 Jun 2026 19:00 UTC to Thu 18 Jun 2026 20:00 UTC" in body(english)
