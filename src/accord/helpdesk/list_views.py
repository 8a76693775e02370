"""The help desk's lists: a customer's ticket list and the agents' queue, with their filters,
ownership tabs and search (the CSV exports reuse their selections)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accord.accounts.access import is_customer_admin, is_staff
from accord.core.display import viewer_zone
from accord.core.forms import valid_filters
from accord.helpdesk import selectors, services
from accord.helpdesk.forms import QueueFilterForm, TicketListFilterForm
from accord.helpdesk.models import Status, Ticket

PAGE_SIZE = 50
MAX_SEARCH = 200  # characters of a search kept (the form and the API refuse longer)


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The tickets of the customer's organisation (for the vendor's staff: every customer's)."""
    form, show, tickets = ticket_list_selection(request)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    services.refresh_clocks(rows)  # standing as of now, in memory only
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "show": show,
        "staff": is_staff(request.user),
        "can_export": is_staff(request.user) or is_customer_admin(request.user),
        "export_query": query.urlencode(),
    }
    return render(request, "helpdesk/ticket_list.html", context)


def ticket_list_selection(request: HttpRequest) -> tuple[TicketListFilterForm, str, Any]:
    """The ticket list's filters, its tab (`show`) and its tickets, newest first (the page
    and its CSV), always within what the viewer may see (`visible_tickets`)."""
    user = request.user
    form = TicketListFilterForm(request.GET or None, user=user)
    filters = valid_filters(form)
    show = request.GET.get("show", "active")
    tickets = selectors.order_tickets(selectors.visible_tickets(user), "-reported_at")
    if show == "closed":
        tickets = tickets.filter(status=Status.CLOSED)
    elif show != "all":
        show = "active"
        tickets = tickets.exclude(status=Status.CLOSED)
    severity = filters.get("severity")
    raised_from, raised_before = selectors.day_bounds(
        filters.get("raised_from"), filters.get("raised_to"), viewer_zone(user)
    )
    tickets = selectors.filter_tickets(
        tickets,
        statuses=[filters["status"]] if filters.get("status") else None,
        without_severity=severity == "none",
        severities=[int(severity)] if severity and severity != "none" else None,
        module=filters.get("module"),
        region=filters.get("region"),
        organisation=filters.get("customer"),
        viewer=user,
        text=(filters.get("q") or "")[:MAX_SEARCH],
        standings=[filters["standing"]] if filters.get("standing") else None,
        raised_from=raised_from,
        raised_before=raised_before,
    )
    return form, show, tickets


def queue_selection(request: HttpRequest) -> tuple[QueueFilterForm, str, Any]:
    """The queue's filter form, ownership tab (`view`) and tickets (the page and its CSV)."""
    user = request.user
    form = QueueFilterForm(request.GET or None, user=user)
    filters = valid_filters(form)
    severity = filters.get("severity")
    view = request.GET.get("view", "all")
    view = view if view in selectors.OWNERSHIP_VIEWS else "all"
    raised_from, raised_before = selectors.day_bounds(
        filters.get("raised_from"), filters.get("raised_to"), viewer_zone(user)
    )
    tickets = selectors.filter_tickets(
        selectors.visible_tickets(user),
        open=True,
        without_severity=severity == "none",
        severities=[int(severity)] if severity and severity != "none" else None,
        module=filters.get("module"),
        region=filters.get("region"),
        organisation=filters.get("customer"),
        view=view,
        viewer=user,
        text=filters.get("q"),
        standings=[filters["standing"]] if filters.get("standing") else None,
        raised_from=raised_from,
        raised_before=raised_before,
    )
    return form, view, selectors.order_tickets(tickets, "due_at")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The agents' queue: open tickets, the nearest breach first (breached ones lead, tickets
    without a severity, which have no due time, come last)."""
    if not is_staff(request.user):
        raise Http404("not found")
    form, view, tickets = queue_selection(request)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    services.refresh_clocks(rows)
    context = {
        "form": form,
        "page": page,
        "rows": [_QueueRow(t) for t in rows],
        "view": view,
        "view_tabs": _view_tabs(request, view),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "helpdesk/queue.html", context)


def _view_tabs(request: HttpRequest, current: str) -> list[tuple[str, str, bool]]:
    """(label, href, current) of the queue's ownership tabs; the other filters are kept."""
    labels = {
        "mine": gettext("Mine"),
        "group": gettext("My groups"),
        "unassigned": gettext("Unassigned"),
        "all": gettext("All"),
    }
    tabs = []
    for name in selectors.OWNERSHIP_VIEWS:
        query = request.GET.copy()
        query.pop("page", None)
        query["view"] = name
        tabs.append((labels[name], f"?{query.urlencode()}", name == current))
    return tabs


@dataclass
class _QueueRow:
    ticket: Ticket
    remaining_seconds: int | None = field(init=False)

    def __post_init__(self) -> None:
        target = self.ticket.target_seconds
        self.remaining_seconds = None if target is None else target - self.ticket.used_seconds

    @property
    def overdue(self) -> bool:
        return self.remaining_seconds is not None and self.remaining_seconds < 0


# --- raising a fault --------------------------------------------------------------------------
