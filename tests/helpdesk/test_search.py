"""Free-text search over tickets (accord.helpdesk.search) in the queue, the customer's ticket
list and the API: the same answers on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import ApiToken
from accord.helpdesk import services

pytestmark = pytest.mark.django_db

PUNCTUATION = ['"', '"unbalanced', "*", "-", "NEAR(", "a:b", "(x OR", "'; DROP", "∑≈", "_"]


@pytest.fixture
def tickets(world: Any) -> dict[str, Any]:
    def raise_for(reporter: Any, organisation: Any, summary: str, description: str) -> Any:
        return services.report(
            reporter=reporter,
            organisation=organisation,
            new=services.NewTicket(
                module=world.module, summary=summary, description=description, severity=3
            ),
        )

    acme = raise_for(
        world.acme_reporter, world.acme, "Export button greyed out", "Since the upgrade"
    )
    acme_other = raise_for(world.acme_reporter, world.acme, "Login is slow", "Takes thirty seconds")
    globex = raise_for(
        world.globex_reporter, world.globex, "Export button missing", "Globex sees no button"
    )
    services.add_comment(acme_other, author=world.acme_reporter, body="The spinner never stops")
    services.add_comment(acme, author=world.agent, body="Suspect the zeppelin cache", internal=True)
    return {"acme": acme, "acme_other": acme_other, "globex": globex}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ticket_ids(page: Any) -> set[int]:
    return {ticket.pk for ticket in page.context["rows"]}


def queue_ids(page: Any) -> set[int]:
    return {
        row["ticket"].pk if isinstance(row, dict) else row.ticket.pk for row in page.context["rows"]
    }


def test_a_customer_finds_its_tickets_by_summary_description_and_public_comment(
    world: Any, tickets: dict[str, Any]
) -> None:
    client = signed_in(world.acme_reporter)
    assert ticket_ids(client.get("/tickets/?q=export")) == {tickets["acme"].pk}
    assert ticket_ids(client.get("/tickets/?q=upgrade")) == {tickets["acme"].pk}
    assert ticket_ids(client.get("/tickets/?q=spinner")) == {tickets["acme_other"].pk}
    # Words start words: "spin" finds "spinner"; every word must be there.
    assert ticket_ids(client.get("/tickets/?q=spin")) == {tickets["acme_other"].pk}
    assert ticket_ids(client.get("/tickets/?q=export+slow")) == set()


def test_a_customer_never_finds_another_organisation_s_ticket_nor_a_staff_note(
    world: Any, tickets: dict[str, Any]
) -> None:
    client = signed_in(world.globex_admin)
    assert ticket_ids(client.get("/tickets/?q=export")) == {tickets["globex"].pk}
    acme = signed_in(world.acme_admin)
    assert ticket_ids(acme.get("/tickets/?q=zeppelin")) == set()
    assert "Suspect the" not in acme.get("/tickets/?q=zeppelin").content.decode()


def test_staff_find_every_organisation_s_tickets_and_their_notes_in_the_queue(
    world: Any, tickets: dict[str, Any]
) -> None:
    client = signed_in(world.agent)
    page = client.get("/queue/?q=export")
    assert page.status_code == 200
    assert queue_ids(page) == {tickets["acme"].pk, tickets["globex"].pk}
    assert queue_ids(client.get("/queue/?q=zeppelin")) == {tickets["acme"].pk}
    # The search box is on the page, with what was searched.
    assert 'name="q"' in page.content.decode() and 'value="export"' in page.content.decode()


@pytest.mark.parametrize("text", PUNCTUATION)
def test_query_syntax_characters_are_only_separators(
    world: Any, tickets: dict[str, Any], text: str
) -> None:
    client = signed_in(world.agent)
    assert client.get("/queue/", {"q": text}).status_code == 200
    assert client.get("/tickets/", {"q": text}).status_code == 200
    assert client.get("/queue/", {"q": f"{text} export"}).status_code == 200
    assert queue_ids(client.get("/queue/", {"q": f'"export" {text}'})) <= {
        tickets["acme"].pk,
        tickets["globex"].pk,
    }


def test_the_api_searches_within_the_caller_s_organisation(
    world: Any, tickets: dict[str, Any]
) -> None:
    _, secret = ApiToken.issue(world.globex_reporter, "search")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = client.get("/api/tickets", {"q": "export button"})
    assert answer.status_code == 200
    assert [t["id"] for t in answer.json()["items"]] == [tickets["globex"].pk]
    too_long = client.get("/api/tickets", {"q": "x" * 201})
    assert too_long.status_code == 422
    assert "q" in str(too_long.json()["detail"])


def test_a_changed_summary_is_found_by_its_new_words(world: Any, tickets: dict[str, Any]) -> None:
    ticket = tickets["acme_other"]
    ticket.summary = "Login takes forever"
    ticket.save(update_fields=["summary"])
    client = signed_in(world.agent)
    assert queue_ids(client.get("/queue/?q=forever")) == {ticket.pk}
    assert queue_ids(client.get("/queue/?q=slow")) == set()


def test_the_queue_filters_by_standing_and_by_the_day_raised_in_the_viewer_s_zone(
    world: Any, tickets: dict[str, Any]
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from accord.helpdesk.models import Ticket

    # 23:30 on 1 March in Los Angeles is already 2 March in UTC.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    Ticket.objects.filter(pk=tickets["acme"].pk).update(reported_at=late, standing="breached")
    world.agent.timezone = "America/Los_Angeles"
    world.agent.save(update_fields=["timezone"])
    client = signed_in(world.agent)
    on_the_first = "/queue/?raised_from=2026-03-01&raised_to=2026-03-01"
    assert queue_ids(client.get(on_the_first)) == {tickets["acme"].pk}
    assert queue_ids(client.get("/queue/?raised_from=2026-03-02&raised_to=2026-03-02")) == set()
    assert queue_ids(client.get("/queue/?standing=breached")) == {tickets["acme"].pk}
    wrong = client.get("/queue/?raised_from=2026-03-05&raised_to=2026-03-01")
    assert "must be on or after the first date" in wrong.content.decode()
    assert "Enter a valid date" in client.get("/queue/?raised_from=yesterday").content.decode()


def test_the_api_filters_by_standing_and_dates_and_names_a_wrong_one(
    world: Any, tickets: dict[str, Any]
) -> None:
    from datetime import UTC, datetime

    from accord.helpdesk.models import Ticket

    Ticket.objects.filter(pk=tickets["globex"].pk).update(
        reported_at=datetime(2026, 3, 10, 12, tzinfo=UTC), standing="at_risk"
    )
    _, secret = ApiToken.issue(world.manager, "filters")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    found = client.get(
        "/api/tickets", {"raised_from": "2026-03-10", "raised_to": "2026-03-10"}
    ).json()
    assert [t["id"] for t in found["items"]] == [tickets["globex"].pk]
    assert [t["id"] for t in client.get("/api/tickets?standing=at_risk").json()["items"]] == [
        tickets["globex"].pk
    ]
    reversed_range = client.get("/api/tickets?raised_from=2026-03-10&raised_to=2026-03-01")
    assert reversed_range.status_code == 422 and "raised_to" in str(reversed_range.json())
    bad = client.get("/api/tickets?standing=sideways")
    assert bad.status_code == 422 and "standing" in str(bad.json())


def test_a_day_in_the_query_is_a_date_not_a_number(world: Any, tickets: dict[str, Any]) -> None:
    _, secret = ApiToken.issue(world.manager, "days")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for path in ("/api/tickets", "/api/tickets.csv"):
        answer = client.get(path, {"raised_to": "0"})
        assert answer.status_code == 422 and "raised_to" in str(answer.json()), path
