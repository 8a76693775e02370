"""The "Download CSV" links: the queue's (staff) and the ticket list's (staff and customer
admins, their own organisation only). Each exports exactly the rows the page's filters select,
every page of them (accord.helpdesk.export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from accord.accounts.access import is_customer_admin, is_staff
from accord.helpdesk.export import csv_response
from accord.helpdesk.list_views import queue_selection, ticket_list_selection


@login_required
@require_GET
def queue_export(request: HttpRequest) -> StreamingHttpResponse:
    if not is_staff(request.user):
        raise Http404("not found")
    _form, _view, tickets = queue_selection(request)
    return csv_response(tickets, customer=False, name="queue")


@login_required
@require_GET
def ticket_export(request: HttpRequest) -> StreamingHttpResponse:
    user = request.user
    staff = is_staff(user)
    if not (staff or is_customer_admin(user)):
        raise Http404("not found")
    _form, _show, tickets = ticket_list_selection(request)  # scoped to the caller's organisation
    return csv_response(tickets, customer=not staff, name="tickets")
