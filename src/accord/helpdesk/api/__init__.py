"""The help desk's JSON API: the catalogue, fault tickets, their clocks, comments, severity
disputes and attachments, one module per resource:

- here: the catalogue and the tickets (list, report with the Idempotency-Key protocol, read),
  and what every resource shares: `act`, the lock–call–render of an action;
- `actions`: the lifecycle (status, reopen, pause, resume) and comments;
- `severity`: designation, proposals and their answers;
- `attachments`: upload and download;
- `restoration`: a restoration's contest;
- `schemas` (what goes in and out) and `render` (a ticket as the schemas show it).

Each module has its router; `accord.api` mounts them in that order. Handlers are thin:
validate (pydantic schemas; unknown catalogue references are 422s naming the field), find the
ticket through the one access helper (`get_or_404`: another organisation's ticket is not
found), call `accord.helpdesk.services`, render. Every handler that changes something runs in
one transaction, so a success the API answered has been committed. Clock values are the
engine's, recomputed for the moment of the request. (tests/api replace `_detail` and
`_replay` on this module to make an answer fail or a retry lose its race: they are looked up
when called.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from accord.accounts.access import get_or_404, is_staff, scope
from accord.accounts.api import Id, field_error
from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module, Region
from accord.core.display import viewer_zone
from accord.core.errors import Invalid
from accord.helpdesk import idempotency, selectors, services
from accord.helpdesk.api.render import _detail, _ticket
from accord.helpdesk.api.schemas import (
    REFUSALS,
    IdempotencyKeyHeader,
    ModuleOut,
    RegionOut,
    TicketDetailOut,
    TicketFilters,
    TicketIn,
    TicketPage,
)
from accord.helpdesk.models import Channel, Ticket

Done = TypeVar("Done")
Payload = TypeVar("Payload", bound=Schema)
Render = Callable[[Ticket, User, Done], Any]


class ResourceRouter(Router):
    """The router of one of the help desk's resources. Its operations keep the OpenAPI ids
    they had before the API was split by resource (`<operation_ids>_<function name>`): clients
    generate code from them."""

    def __init__(self, operation_ids: str = "accord_helpdesk_api") -> None:
        super().__init__(tags=["help desk"])
        self.operation_ids = operation_ids

    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Callable[..., Any],
        *,
        operation_id: str | None = None,
        **options: Any,
    ) -> None:
        operation_id = operation_id or f"{self.operation_ids}_{view_func.__name__}"
        super().add_api_operation(path, methods, view_func, operation_id=operation_id, **options)

    def action(
        self,
        path: str,
        payload: type[Payload],
        do: Callable[[Ticket, User, Payload], Done],
        *,
        name: str,
        summary: str,
        response: dict[int, Any] | None = None,
        render: Render[Done] | None = None,
    ) -> None:
        """Declare `POST path`, an action on one ticket: `act` calls `do(ticket, caller,
        payload)`, the answer is `render`'s (default: the ticket as TicketDetailOut, 200) or a
        refusal (400, 403, 409; `accord.api` maps them). `name` is the operation's, as a
        handler function's would be (its OpenAPI id is made of it)."""
        answer: Render[Done] = render or detail_answer

        def endpoint(request: HttpRequest, ticket_id: int, payload: Payload) -> Any:
            return act(request, ticket_id, lambda ticket, user: do(ticket, user, payload), answer)

        endpoint.__name__ = endpoint.__qualname__ = name
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind)
                for arg, kind in (("request", HttpRequest), ("ticket_id", Id), ("payload", payload))
            ]
        )
        responses = response or {200: TicketDetailOut, **REFUSALS}
        self.post(path, response=responses, summary=summary)(endpoint)


router = ResourceRouter()

# ---------------------------------------------------------------------------------------------
# What every resource shares


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _ticket_for(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it (404 otherwise); locked for the transaction when
    `for_update` (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)."""
    tickets = selectors.tickets()
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    return get_or_404(user, tickets, pk=ticket_id)


def detail_answer(ticket: Ticket, user: User, done: object = None) -> dict[str, Any]:
    """The answer of most actions: the ticket as TicketDetailOut, as the action left it."""
    return _detail(ticket, user)


def created(render_one: Callable[[Done], dict[str, Any]]) -> Render[Done]:
    """The answer of an action that adds something to the ticket: 201 and that thing."""
    return lambda ticket, user, done: Status(201, render_one(done))


def act(
    request: HttpRequest,
    ticket_id: int,
    do: Callable[[Ticket, User], Done],
    render: Render[Done] = detail_answer,
) -> Any:
    """An action on a ticket, in one transaction: the caller's ticket (404 if they may not see
    it), locked; `do(ticket, caller)`, the service call (its refusals are the API's 403, 409 and
    400); the answer `render(ticket, caller, what do returned)`, rendered before the commit, so
    an action whose answer fails changes nothing."""
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        done = do(ticket, user)
        return render(ticket, user, done)


def _module(slug: str, *, source: str = "body") -> Module:
    module = selectors.module_by_slug(slug)
    if module is None:
        known = ", ".join(Module.objects.values_list("slug", flat=True))
        raise field_error("module", f"no module {slug!r}; known: {known}", source=source)
    return module


def _region(code: str, *, source: str = "body") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        known = ", ".join(Region.objects.values_list("code", flat=True))
        raise field_error("region", f"no region {code!r}; known: {known}", source=source)
    return region


def _organisation(user: User, slug: str, *, source: str = "body") -> Organisation:
    """An organisation the user may see; another customer's is as unknown as a missing one."""
    organisation = scope(user, Organisation.objects.all()).filter(slug=slug).first()
    if organisation is None:
        raise field_error(
            "organisation", f"no organisation {slug!r} that you can see", source=source
        )
    return organisation


# ---------------------------------------------------------------------------------------------
# Catalogue


@router.get("/modules", response=list[ModuleOut], tags=["catalogue"], summary="Modules")
def list_modules(request: HttpRequest) -> QuerySet[Module]:
    return Module.objects.all()


@router.get("/regions", response=list[RegionOut], tags=["catalogue"], summary="Regions")
def list_regions(request: HttpRequest) -> QuerySet[Region]:
    return Region.objects.all()


# ---------------------------------------------------------------------------------------------
# Tickets


def _raised(filters: TicketFilters, user: User) -> dict[str, Any]:
    """The report-time bounds of a ticket list's `raised_from` / `raised_to`, in the caller's
    zone (selectors.day_bounds)."""
    if filters.raised_from and filters.raised_to and filters.raised_to < filters.raised_from:
        raise Invalid("must be on or after raised_from", field="raised_to")
    start, end = selectors.day_bounds(filters.raised_from, filters.raised_to, viewer_zone(user))
    return {"raised_from": start, "raised_before": end}


@router.get("/tickets", response=TicketPage, summary="List the fault tickets you can see")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    user = _caller(request)
    module = _module(filters.module, source="query") if filters.module is not None else None
    region = _region(filters.region, source="query") if filters.region is not None else None
    organisation = (
        _organisation(user, filters.organisation, source="query")
        if filters.organisation is not None
        else None
    )
    tickets = selectors.filter_tickets(
        selectors.visible_tickets(user),
        statuses=filters.status,
        severities=filters.severity,
        module=module,
        region=region,
        organisation=organisation,
        open=filters.open,
        view=filters.view,
        viewer=user,
        text=filters.q,
        standings=filters.standing,
        **_raised(filters, user),
    )
    ordering = filters.ordering or ("due_at" if is_staff(user) else "-reported_at")
    tickets = selectors.order_tickets(tickets, ordering)
    count = tickets.count()
    page = list(tickets[filters.offset : filters.offset + filters.limit])
    services.refresh_clocks(page)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_ticket(t, is_staff(user)) for t in page],
    }


def _replay(
    user: User, key: str, digest: str, response: HttpResponse
) -> Status[dict[str, Any]] | None:
    """The answer to a retry of an earlier create with this key, or None if the key is new."""
    earlier = idempotency.earlier_use(user, key)
    if earlier is None:
        return None
    if earlier.request_digest != digest:
        raise HttpError(
            409,
            f"Idempotency-Key: this key was already used for a different request (ticket "
            f"#{earlier.ticket_id}); use a new key for a new ticket",
        )
    response["Idempotent-Replayed"] = "true"
    return Status(200, _detail(_ticket_for(user, earlier.ticket_id), user))


@router.post(
    "/tickets",
    response={200: TicketDetailOut, 201: TicketDetailOut},
    summary="Report a fault (201; a retry with the same Idempotency-Key answers 200)",
)
def create_ticket(
    request: HttpRequest,
    payload: TicketIn,
    idempotency_key: IdempotencyKeyHeader,
    response: HttpResponse,
) -> Status[dict[str, Any]]:
    user = _caller(request)
    digest = idempotency.request_digest(payload.model_dump(mode="json"))
    # What only reads comes first, outside the write transaction (SQLite's BEGIN IMMEDIATE
    # takes the database's one write lock, so the less done under it the better): the retry
    # check, the references, the contract's clock rules. Two retries racing past the check are
    # still decided by the key's unique constraint (below).
    replayed = _replay(user, idempotency_key, digest, response)
    if replayed is not None:
        return replayed
    if payload.organisation is not None:
        organisation = _organisation(user, payload.organisation)
    elif user.organisation is not None:
        organisation = user.organisation
    else:
        raise field_error("organisation", "staff must name the customer's organisation")
    module = _module(payload.module)
    region = _region(payload.region) if payload.region is not None else None
    new = services.NewTicket(
        module=module,
        summary=payload.summary,
        description=payload.description,
        severity=payload.severity,
        channel=Channel.API,
    )
    selectors.with_contract(organisation)
    # The checks and the engine's clock before the write transaction too: under SQLite's
    # write lock only the inserts.
    opening = services.prepare_ticket(
        reporter=user, organisation=organisation, new=new, region=region
    )
    try:
        with transaction.atomic():
            ticket, event = services.write_ticket(opening)
            idempotency.remember(user, idempotency_key, digest, ticket)
            return Status(201, _detail(ticket, user, event))
    except IntegrityError:
        # A concurrent retry with the same key committed first: the key's unique constraint
        # refused ours, and this ticket was rolled back with the whole transaction. Theirs is
        # the answer.
        replayed = _replay(user, idempotency_key, digest, response)
        if replayed is None:
            raise
        return replayed


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, summary="A ticket with its clock")
def get_ticket(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    user = _caller(request)
    return _detail(_ticket_for(user, ticket_id), user)
