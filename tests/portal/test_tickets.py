"""The customer portal and the ticket page: what each person sees and may do, with JS off.

Every action is a plain form POST answered by a redirect (Post/Redirect/Get); refusals come
back as form errors on the page, never as a 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.helpdesk.models import Comment, Status, Ticket, TicketEvent

from .conftest import ClientFor, MakeTicket


def detail(ticket: Any) -> str:
    return reverse("ticket_detail", args=[ticket.pk])


def action(name: str, ticket: Any) -> str:
    return reverse(f"ticket_{name}", args=[ticket.pk])


def page(client: Any, ticket: Any) -> str:
    response = client.get(detail(ticket))
    assert response.status_code == 200
    return response.content.decode()


# --- lists ----------------------------------------------------------------------------------


def test_each_customer_lists_only_its_own_organisations_tickets(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    make_ticket("acme", summary="Acme fault")
    make_ticket("globex", summary="Globex fault")
    for user, mine, theirs in [
        (world.acme_reporter, "Acme fault", "Globex fault"),
        (world.acme_admin, "Acme fault", "Globex fault"),
        (world.globex_reporter, "Globex fault", "Acme fault"),
        (world.globex_admin, "Globex fault", "Acme fault"),
    ]:
        body = client_for(user).get(reverse("ticket_list")).content.decode()
        assert mine in body and theirs not in body
    for user in world.staff():
        body = client_for(user).get(reverse("ticket_list")).content.decode()
        assert "Acme fault" in body and "Globex fault" in body


def test_home_sends_customers_to_their_tickets_and_staff_to_the_queue(
    world: Any, client_for: ClientFor
) -> None:
    assert client_for(world.acme_reporter).get("/").url == reverse("ticket_list")
    assert client_for(world.agent).get("/").url == reverse("queue")


def test_closed_and_all_tabs(world: Any, client_for: ClientFor, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(summary="Old fault")
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    client = client_for(world.acme_reporter)
    assert "Old fault" not in client.get(reverse("ticket_list")).content.decode()
    assert "Old fault" in client.get(reverse("ticket_list") + "?show=closed").content.decode()
    assert "Old fault" in client.get(reverse("ticket_list") + "?show=all").content.decode()
    assert client.get(reverse("ticket_list") + "?show=nonsense&page=x").status_code == 200


def test_a_customer_filters_its_tickets_and_the_csv_keeps_the_filters(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    """The portal's list filters as the queue does (status, severity, module, region, day
    raised, standing), within the customer's own organisation; a bad day is shown on its
    field, never a 500; the CSV link carries the same filters."""
    from accord.catalogue.models import Module

    other = Module.objects.exclude(pk=world.module.pk).first()
    make_ticket(summary="Sev one", severity=1, at="09T09:00")
    make_ticket(summary="Sev three", severity=3, at="12T09:00", module=other)
    make_ticket("globex", summary="Globex sev one", severity=1)
    client = client_for(world.acme_admin)
    url = reverse("ticket_list")

    def listed(query: str) -> set[str]:
        body = client.get(url + query).content.decode()
        return {s for s in ("Sev one", "Sev three", "Globex sev one") if f"{s}</a>" in body}

    assert listed("") == {"Sev one", "Sev three"}
    assert listed("?severity=1") == {"Sev one"}
    assert listed(f"?module={other.pk}") == {"Sev three"}
    assert listed("?raised_from=2026-03-10") == {"Sev three"}
    assert listed("?status=reported&severity=3") == {"Sev three"}
    assert listed("?status=closed") == set()
    # A customer has no customer filter: Globex's tickets stay out whatever the query says.
    assert listed(f"?customer={world.globex.pk}") == {"Sev one", "Sev three"}
    bad = client.get(url + "?raised_to=yesterday")
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()
    page = client.get(url + "?severity=1").content.decode()
    assert 'name="customer"' not in page
    assert f'href="{reverse("ticket_export")}?severity=1"' in page
    answer = client.get(reverse("ticket_export") + "?severity=1")
    csv_text = b"".join(answer.streaming_content).decode()
    assert "Sev one" in csv_text and "Sev three" not in csv_text


# --- tenant isolation over every ticket URL ----------------------------------------------------

ACTIONS = ["comment", "attach", "designate", "answer", "status", "close", "reopen", "propose"]


def test_another_organisations_ticket_is_not_found_on_every_ticket_url(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket("acme")
    for user in (world.globex_reporter, world.globex_admin):
        client = client_for(user)
        assert client.get(detail(ticket)).status_code == 404
        for name in ACTIONS:
            response = client.post(action(name, ticket), {f"{name}-body": "hello"})
            assert response.status_code == 404, name
    assert Comment.objects.count() == 0
    for user in (world.acme_reporter, world.acme_admin, *world.staff()):
        assert client_for(user).get(detail(ticket)).status_code == 200
    # An id that does not exist looks exactly the same.
    assert client_for(world.agent).get(reverse("ticket_detail", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: Any, make_ticket: MakeTicket) -> None:
    from django.test import Client

    ticket = make_ticket()
    client = Client()
    for url in [reverse("ticket_list"), reverse("ticket_new"), reverse("queue"), detail(ticket)]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    for name in ACTIONS:
        response = client.post(action(name, ticket), {})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


# --- raising a fault ------------------------------------------------------------------------


def test_the_raise_form_shows_the_seeds_description_beside_each_severity(
    world: Any, client_for: ClientFor
) -> None:
    body = client_for(world.acme_reporter).get(reverse("ticket_new")).content.decode()
    assert "Total inability to perform the normal operations of an Application." in body
    assert "Not crucial to the overall operation or use of an Application." in body
    assert "Not yet designated" in body
    assert "within 4 hours" in body and "within 7 days" in body
    for label in ("Affected module", "Summary", "Description", "Severity"):
        assert label in body
    assert 'name="organisation"' not in body  # a customer reports for its own organisation


def test_raising_a_fault_with_a_severity(world: Any, client_for: ClientFor) -> None:
    client = client_for(world.acme_reporter)
    response = client.post(
        reverse("ticket_new"),
        {
            "module": world.module.pk,
            "summary": "Release calendar is down",
            "description": "Nobody can open it.",
            "severity": "1",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == detail(ticket)
    assert (ticket.organisation, ticket.severity, ticket.channel) == (world.acme, 1, "portal")
    assert ticket.target_seconds == 4 * 3600
    body = page(client, ticket)
    assert "Release calendar is down" in body and "Nobody can open it." in body
    assert "Fault reported" in body and "1 Critical" in body


def test_raising_a_fault_without_a_severity(world: Any, client_for: ClientFor) -> None:
    client = client_for(world.globex_admin)
    response = client.post(
        reverse("ticket_new"), {"module": world.module.pk, "summary": "Slow", "severity": ""}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.organisation == world.globex and ticket.severity is None
    body = page(client, ticket)
    assert "No severity yet" in body and "Designate severity" in body


@pytest.mark.parametrize(
    "data, field",
    [
        ({"summary": "x", "severity": "9"}, "severity"),
        ({"summary": "x", "severity": "one"}, "severity"),
        ({"summary": "   ", "severity": ""}, "summary"),
        ({"summary": "x" * 201}, "summary"),
    ],
)
def test_bad_input_to_the_raise_form_is_an_error_on_the_field(
    world: Any, client_for: ClientFor, data: dict[str, str], field: str
) -> None:
    response = client_for(world.acme_reporter).post(
        reverse("ticket_new"), {"module": world.module.pk, **data}
    )
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_missing_module_is_an_error_too(world: Any, client_for: ClientFor) -> None:
    response = client_for(world.acme_reporter).post(
        reverse("ticket_new"), {"module": "99999", "summary": "x"}
    )
    assert response.status_code == 200 and 'id="id_module_error"' in response.content.decode()


def test_staff_raise_a_fault_for_a_customer_taken_by_phone(
    world: Any, client_for: ClientFor
) -> None:
    response = client_for(world.agent).post(
        reverse("ticket_new"),
        {
            "organisation": world.globex.pk,
            "channel": "phone",
            "module": world.module.pk,
            "summary": "Called in: login fails",
            "severity": "2",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.organisation, ticket.channel, ticket.reported_by) == (
        world.globex,
        "phone",
        world.agent,
    )


# --- the ticket page: clock, severity, comments ----------------------------------------------


def test_the_clock_panel_shows_breach_times_and_figures_in_the_viewers_zone(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket, in_support_hours: Any
) -> None:
    ticket = make_ticket(severity=1, at="09T09:00")  # due 13:00 PDT, long breached by now
    body = page(client_for(world.acme_reporter), ticket)
    assert "Breached" in body and "Clock running" in body
    assert "4 h 0 min of support time" in body
    assert "Mon 9 Mar 2026 13:00 PDT" in body  # the customer's region zone, named
    assert "over by" in body
    # Staff without a zone of their own see the vendor's (ACCORD_VENDOR_TIMEZONE), named.
    world.agent.timezone = ""
    staff_page = page(client_for(world.agent), ticket)
    assert "Mon 9 Mar 2026 13:00 PDT" in staff_page
    assert "Times are shown in America/Los_Angeles" in staff_page
    world.agent.timezone = "Europe/London"
    world.agent.save()
    assert "Mon 9 Mar 2026 20:00 GMT" in page(client_for(world.agent), ticket)


def test_a_new_ticket_is_on_track(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket, frozen_now: Any
):
    ticket = make_ticket(severity=4, at=None)  # reported now: 7 support days to go
    body = page(client_for(world.acme_reporter), ticket)
    assert "On track" in body and "2 days 22 h of support time" in body


def test_designating_a_severity(world: Any, client_for: ClientFor, make_ticket: MakeTicket):
    ticket = make_ticket(severity=None, at=None)
    client = client_for(world.acme_admin)
    response = client.post(action("designate", ticket), {"designate-severity": "2"})
    assert response.status_code == 302 and response.url.startswith(detail(ticket))
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.severity_in_force, ticket.target_seconds) == (2, 2, 12 * 3600)
    body = page(client, ticket)
    assert "Severity designated: 2 High" in body and "Change severity" in body
    # Staff do not designate; they are told so on the form.
    response = client_for(world.agent).post(
        action("designate", ticket), {"designate-severity": "1"}
    )
    assert response.status_code == 200
    assert "The customer designates the severity; propose a change instead." in (
        response.content.decode()
    )
    # Nonsense is a form error.
    response = client.post(action("designate", ticket), {"designate-severity": "7"})
    assert response.status_code == 200 and 'id="id_designate-severity_error"' in (
        response.content.decode()
    )


def test_comments_and_internal_notes(world: Any, client_for: ClientFor, make_ticket: MakeTicket):
    ticket = make_ticket()
    customer, agent = client_for(world.acme_reporter), client_for(world.agent)
    assert (
        agent.post(action("comment", ticket), {"comment-body": "Looking at it now"}).status_code
        == 302
    )
    response = agent.post(
        action("comment", ticket),
        {"comment-body": "Root cause: expired certificate", "comment-internal": "on"},
    )
    assert response.status_code == 302
    response = customer.post(
        action("comment", ticket),
        {"comment-body": "Thanks, still down", "comment-internal": "on"},  # ignored: no field
    )
    assert response.status_code == 302
    assert list(Comment.objects.values_list("internal", flat=True).order_by("pk")) == [
        False,
        True,
        False,
    ]
    customer_view = page(customer, ticket)
    assert "Looking at it now" in customer_view and "Thanks, still down" in customer_view
    assert "expired certificate" not in customer_view and "Internal note" not in customer_view
    staff_view = page(agent, ticket)
    assert "Root cause: expired certificate" in staff_view
    assert "Internal note (staff only)" in staff_view
    # An empty comment is an error on the field.
    response = customer.post(action("comment", ticket), {"comment-body": "  "})
    assert response.status_code == 200 and 'id="id_comment-body_error"' in (
        response.content.decode()
    )


def test_agent_restores_service_and_both_sides_see_the_clock_stop(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(severity=1, at=None)
    agent = client_for(world.agent)
    # Restoring needs the kind of repair: the refusal is shown beside that field.
    response = agent.post(action("status", ticket), {"status-status": "restored"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_status-repair_error"' in body and "temporary or a permanent repair" in body
    response = agent.post(
        action("status", ticket),
        {"status-status": "restored", "status-repair": "temporary", "status-note": "Rolled back"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.clock_state, ticket.standing) == ("restored", "stopped", "met")
    for viewer in (world.acme_reporter, world.agent):
        body = page(client_for(viewer), ticket)
        assert "Clock stopped" in body and "Met" in body
        assert "Service restored (temporary repair)" in body and "Rolled back" in body
        assert "Not due: the clock is stopped" in body
    # The customer may close it now, and reopen it when the fault returns.
    customer = client_for(world.acme_reporter)
    assert "Close the ticket" in page(customer, ticket)
    assert customer.post(action("close", ticket), {}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    response = customer.post(action("reopen", ticket), {"reopen-reason": "Down again"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.clock_state) == (Status.IN_PROGRESS, "running")
    # A customer cannot move the status otherwise.
    response = customer.post(
        action("status", ticket), {"status-status": "restored", "status-repair": "permanent"}
    )
    assert response.status_code == 200
    assert "Only the vendor&#x27;s support staff change a ticket&#x27;s status." in (
        response.content.decode()
    )


def test_a_proposal_rejected_then_accepted_in_the_portal(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(severity=1, at=None)
    agent, customer = client_for(world.agent), client_for(world.acme_admin)
    # A proposal needs a reason; the refusal names the field.
    response = agent.post(
        action("propose", ticket), {"propose-severity": "3", "propose-reason": ""}
    )
    assert response.status_code == 200 and 'id="id_propose-reason_error"' in (
        response.content.decode()
    )
    response = agent.post(
        action("propose", ticket),
        {"propose-severity": "3", "propose-reason": "A workaround exists"},
    )
    assert response.status_code == 302
    body = page(customer, ticket)
    assert "The vendor proposes severity 3 Medium." in body and "A workaround exists" in body
    assert "Accept 3 Medium" in body and "Reject, keep 1 Critical" in body
    assert "Designate severity" not in body and "Change severity" not in body
    response = customer.post(
        action("answer", ticket), {"answer-decision": "reject", "answer-note": "It is critical"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.dispute_open) == (1, False)
    assert "Customer rejected the proposed severity" in page(agent, ticket)

    agent.post(
        action("propose", ticket), {"propose-severity": "2", "propose-reason": "Partial outage"}
    )
    assert customer.post(action("answer", ticket), {"answer-decision": "accept"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed, ticket.dispute_open) == (
        2,
        True,
        False,
    )
    body = page(customer, ticket)
    assert "Severity agreed: 2 High" in body and "Accepted by" in body
    # Staff cannot answer for the customer, and a missing decision is an error.
    agent.post(action("propose", ticket), {"propose-severity": "3", "propose-reason": "Again"})
    response = agent.post(action("answer", ticket), {"answer-decision": "accept"})
    assert response.status_code == 200
    assert "You made this proposal: the other side accepts or rejects it." in (
        response.content.decode()
    )
    response = client_for(world.manager).post(
        action("answer", ticket), {"answer-decision": "accept"}
    )
    assert response.status_code == 200
    assert "is answered by the customer" in response.content.decode()
    response = customer.post(action("answer", ticket), {"answer-decision": "maybe"})
    assert response.status_code == 200


def test_a_restored_tickets_severity_changes_only_by_a_proposal_the_other_side_accepts(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    from accord.helpdesk import services

    ticket = make_ticket(severity=4, at=None)
    services.change_status(ticket, Status.RESTORED, actor=world.agent, repair="temporary")
    customer, agent = client_for(world.acme_admin), client_for(world.agent)
    manager = client_for(world.manager)
    body = page(customer, ticket)
    assert action("designate", ticket) not in body and action("propose", ticket) in body
    assert "Service was restored once, so the severity changes only by agreement" in body
    # A stale form is refused with the reason, never a silent change nor a 500.
    response = customer.post(action("designate", ticket), {"designate-severity": "1"})
    assert response.status_code == 200
    assert "Service was restored once, so the severity changes only by agreement" in (
        response.content.decode()
    )
    response = customer.post(
        action("propose", ticket),
        {"propose-severity": "2", "propose-reason": "Two teams could not release"},
    )
    assert response.status_code == 302
    assert "The customer proposes severity 2 High." in page(agent, ticket)
    assert action("answer", ticket) not in page(agent, ticket)  # an agent may not accept
    assert "Waiting for the answer of a support manager" in page(customer, ticket)
    assert manager.post(action("answer", ticket), {"answer-decision": "accept"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.severity_in_force, ticket.severity_agreed) == (2, True)
    for viewer in (customer, agent):
        body = page(viewer, ticket)
        assert "Customer proposed severity 2 High" in body and "Severity agreed: 2 High" in body
        assert "Adam" in body or "adam@acme.test" in body
        assert "4 Normal → 2 High" in body


def test_the_forms_each_person_is_offered(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(severity=2, at=None)
    customer = page(client_for(world.acme_reporter), ticket)
    assert action("designate", ticket) in customer and action("comment", ticket) in customer
    assert action("status", ticket) not in customer
    assert action("propose", ticket) in customer  # either side may propose
    assert "Internal note" not in customer
    agent = page(client_for(world.agent), ticket)
    assert action("status", ticket) in agent and action("propose", ticket) in agent
    assert action("designate", ticket) not in agent
    assert "Internal note: staff only" in agent
