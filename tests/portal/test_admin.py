"""The Django admin: every Accord model is registered; ticket events can only be read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse

from accord.helpdesk.models import TicketEvent

from .conftest import ClientFor, MakeTicket


def test_every_model_has_a_working_admin_page(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()
    world.vendor_admin.is_staff = world.vendor_admin.is_superuser = True
    world.vendor_admin.save()
    client = client_for(world.vendor_admin)
    registered = {model._meta.label for model in admin.site._registry}
    for label in [
        "catalogue.Module",
        "catalogue.Region",
        "accounts.Organisation",
        "accounts.Contract",
        "accounts.User",
        "accounts.ApiToken",
        "accounts.Invitation",
        "helpdesk.Ticket",
        "helpdesk.TicketEvent",
        "helpdesk.Comment",
        "helpdesk.Attachment",
        "work.Job",
    ]:
        assert label in registered, label
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200 and "Release page is down" in page.content.decode()

    event = TicketEvent.objects.filter(ticket=ticket).first()
    model_admin = admin.site._registry[TicketEvent]
    request = page.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert client.get(reverse("admin:helpdesk_ticketevent_add")).status_code == 403
    url = reverse("admin:helpdesk_ticketevent_change", args=[event.pk])
    assert client.get(url).status_code == 200  # viewable
    assert client.post(url, {"kind": "closed"}).status_code == 403


def test_customers_and_ordinary_staff_cannot_use_the_admin(
    world: Any, client_for: ClientFor
) -> None:
    for user in (world.acme_admin, world.agent):
        response = client_for(user).get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response.url
