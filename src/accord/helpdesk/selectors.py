"""Reading tickets: the querysets the API and the pages start from, and the one definition of
the ticket list's filters and orders (the API's `GET /api/tickets` and the agents' queue).

Reads only. Scoping to the caller's organisation stays with `accord.accounts.access`: the
querysets here are handed to `scope` or `get_or_404`, never answered unscoped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.db.models import F, QuerySet

from accord.accounts.access import is_staff, scope
from accord.accounts.models import Contract, Organisation, User
from accord.catalogue.models import Module, Region
from accord.core.prepared import Prepared
from accord.engine.timeutil import from_epoch, local_to_epoch, zone
from accord.helpdesk import search
from accord.helpdesk.models import OPEN_STATUSES, AgentGroup, Ticket

Ordering = Literal["due_at", "-due_at", "reported_at", "-reported_at"]


def tickets() -> QuerySet[Ticket]:
    """Every ticket with what the pages, the API and the clock need (not scoped: pass it to
    `get_or_404`, or use `visible_tickets`)."""
    return Ticket.objects.select_related(
        "organisation__contract",
        "organisation__region",
        "module",
        "region",
        "reported_by",
        "assignee",
        "group",
    )


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """The tickets a person may see, with what the pages, the API and the clock need."""
    return scope(user, tickets())


def filter_tickets(
    tickets: QuerySet[Ticket],
    *,
    statuses: Sequence[str] | None = None,
    severities: Sequence[int] | None = None,
    without_severity: bool = False,
    module: Module | None = None,
    region: Region | None = None,
    organisation: Organisation | None = None,
    open: bool | None = None,
    view: str | None = None,
    viewer: User | None = None,
    text: str | None = None,
    standings: Sequence[str] | None = None,
    raised_from: datetime | None = None,
    raised_before: datetime | None = None,
) -> QuerySet[Ticket]:
    """The tickets that pass every filter given (None, or empty: no filter). `severities` and
    `without_severity` are about the severity in force; `open`: True, reported, acknowledged
    or in progress; False, any other status; `view` (with `viewer`), one of OWNERSHIP_VIEWS:
    assigned to the viewer, in one of the viewer's agent groups, with no assignee, or all;
    `text`, a free-text search (accord.helpdesk.search; staff-only notes count for staff);
    `standings`, the standing last recorded (accord.engine.clocks.Standing); `raised_from` /
    `raised_before`, the report time in [from, before)."""
    if statuses:
        tickets = tickets.filter(status__in=statuses)
    if without_severity:
        tickets = tickets.filter(severity_in_force__isnull=True)
    if severities:
        tickets = tickets.filter(severity_in_force__in=severities)
    if module is not None:
        tickets = tickets.filter(module=module)
    if region is not None:
        tickets = tickets.filter(region=region)
    if organisation is not None:
        tickets = tickets.filter(organisation=organisation)
    if open is True:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif open is False:
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    if view and view != "all":
        tickets = ownership_view(tickets, view, viewer)
    if standings:
        tickets = tickets.filter(standing__in=standings)
    if raised_from is not None:
        tickets = tickets.filter(reported_at__gte=raised_from)
    if raised_before is not None:
        tickets = tickets.filter(reported_at__lt=raised_before)
    if text:
        tickets = search.matching(tickets, text, notes=viewer is not None and is_staff(viewer))
    return tickets


OWNERSHIP_VIEWS = ("mine", "group", "unassigned", "all")


def ownership_view(tickets: QuerySet[Ticket], view: str, viewer: User | None) -> QuerySet[Ticket]:
    """`mine`: assigned to the viewer; `group`: in one of the viewer's agent groups;
    `unassigned`: no assignee (whatever the group); anything else: every ticket."""
    if view == "mine":
        return tickets.filter(assignee=viewer) if viewer is not None else tickets.none()
    if view == "group":
        if viewer is None:
            return tickets.none()
        return tickets.filter(group__in=AgentGroup.objects.filter(members=viewer))
    if view == "unassigned":
        return tickets.filter(assignee__isnull=True)
    return tickets


def order_tickets(tickets: QuerySet[Ticket], ordering: Ordering) -> QuerySet[Ticket]:
    """`due_at`: the nearest breach first (breached ones lead; tickets without a severity, which
    have no due time, come last); `reported_at`: the oldest report first; `-`: reversed. Ties
    break on the report time and the id, so pages never overlap."""
    if ordering == "due_at":
        return tickets.order_by(F("due_at").asc(nulls_last=True), "reported_at", "pk")
    if ordering == "-due_at":
        return tickets.order_by(F("due_at").desc(nulls_last=True), "-reported_at", "-pk")
    if ordering == "reported_at":
        return tickets.order_by("reported_at", "pk")
    return tickets.order_by("-reported_at", "-pk")


# The reads every API create makes, compiled once per process (accord.core.prepared).
_module_by_slug = Prepared(
    lambda slug: Module.objects.filter(slug=slug).order_by(), "stand-in: slug"
)
_contract_of = Prepared(
    lambda organisation_id: Contract.objects.filter(organisation_id=organisation_id),
    -1_000_000_002,
)


def module_by_slug(slug: str) -> Module | None:
    found = _module_by_slug(slug)  # the slug is unique
    return found[0] if found else None


def with_contract(organisation: Organisation) -> Organisation:
    """`organisation` with its contract loaded (one prepared read), unless it already was."""
    if not Organisation.contract.is_cached(organisation):  # type: ignore[attr-defined]
        contract = _contract_of(organisation.pk)
        if contract:
            organisation.contract = contract[0]
    return organisation


def fixing_release(ticket: Ticket) -> Any:
    """The deployed release that carried the ticket's permanent fix (the earliest one), or
    None. Read through the relation the releases app adds to the ticket (`Release.tickets`,
    `ticket.fixed_by_releases`): the help desk does not import the releases above it."""
    fixes = ticket.fixed_by_releases  # type: ignore[attr-defined]
    return (
        fixes.select_related("module_region__module", "module_region__region")
        .filter(deployed_at__isnull=False)
        .order_by("deployed_at", "pk")
        .first()
    )


def day_bounds(
    first: date | None, last: date | None, zone_name: str
) -> tuple[datetime | None, datetime | None]:
    """Dates a person typed, in their zone, as instants: from midnight of `first` to the
    midnight after `last` (so `last` is included)."""
    tz = zone(zone_name)
    start = from_epoch(local_to_epoch(first, 0, tz)) if first else None
    end = from_epoch(local_to_epoch(last + timedelta(days=1), 0, tz)) if last else None
    return start, end
