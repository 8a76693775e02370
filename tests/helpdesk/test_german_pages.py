"""The help desk's remaining pages in German for a German reader: reporting a fault and a
contested restoration (docs/translations.md)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpdesk.test_restoration_contest import contest, restored_early

pytestmark = pytest.mark.django_db


def test_the_report_a_fault_page_is_german(world: Any, german_client: Any) -> None:
    page = german_client(world.acme_reporter).get("/tickets/new/").content.decode()
    assert "<h1>Störung melden</h1>" in page
    assert "sie zählt nur Supportzeiten" in page
    assert "Report a fault" not in page and "support hours only" not in page


def test_a_contested_restoration_reads_in_german_on_both_sides(
    world: Any, german_client: Any
) -> None:
    ticket = restored_early(world)
    contest(world, ticket)
    manager_page = german_client(world.manager).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Wiederherstellung angefochten" in manager_page
    assert "Der Kunde gibt an, dass der Dienst nicht wiederhergestellt war" in manager_page
    assert "Grund: Exports still fail" in manager_page  # the customer's words, as written
    assert "Zustimmen: die Wiederherstellung bestand nie" in manager_page
    assert "The customer says" not in manager_page and "Your answer" not in manager_page
    customer_page = (
        german_client(world.acme_reporter).get(f"/tickets/{ticket.pk}/").content.decode()
    )
    assert "Warten auf die Antwort des Anbieters." in customer_page
    assert "Waiting for the vendor" not in customer_page
