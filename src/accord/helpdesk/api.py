"""The help desk's JSON API: the catalogue, fault tickets, their clocks, comments, severity
disputes and attachments.

Handlers are thin: validate (pydantic schemas; unknown catalogue references are 422s naming the
field), find the ticket through the one access helper (`get_or_404`: another organisation's
ticket is not found), call `accord.helpdesk.services`, render. Every handler that changes
something runs in one transaction, so a success the API answered has been committed. Clock values
are the engine's, recomputed for the moment of the request.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import File, Form, Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field, Strict, StringConstraints

from accord.accounts.access import get_or_404, is_staff, scope
from accord.accounts.api import (
    Clean,
    Id,
    In,
    OrganisationOut,
    PersonOut,
    Text,
    UtcDateTime,
    field_error,
    person,
)
from accord.accounts.models import Contract, Organisation, User
from accord.catalogue.models import Module, Region
from accord.core.prepared import Prepared, PreparedInsert
from accord.helpdesk import attachments, services, severity
from accord.helpdesk.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Comment,
    EventKind,
    IdempotencyKey,
    Ticket,
    TicketEvent,
)
from accord.releases.models import Release
from accord.releases.services import fixing_release

router = Router(tags=["help desk"])

# 1 Critical, 2 High, 3 Medium, 4 Normal. Strict: neither `true` nor "1" is severity 1.
SeverityLevel = Annotated[
    int, Strict(), Field(ge=1, le=4, json_schema_extra={"enum": [1, 2, 3, 4]})
]
StatusName = Literal[
    "reported", "acknowledged", "in_progress", "restored", "fix_delivered", "closed"
]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=50_000)]
IdempotencyKeyHeader = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string per new ticket (a UUID is ideal); reuse it to retry.",
    ),
]
MAX_PAGE = 200


# ---------------------------------------------------------------------------------------------
# Schemas


class ModuleOut(Schema):
    slug: str
    name: str


class RegionOut(Schema):
    code: str
    name: str
    timezone: str


class ClockOut(Schema):
    """The return-to-service clock as the engine computes it at `computed_at`."""

    severity_designated: int | None = Field(description="As the customer designated it")
    severity_in_force: int | None = Field(description="The one the clock measures against")
    severity_agreed: bool
    dispute_open: bool
    target_seconds: int | None = Field(description="Support seconds allowed by the severity")
    used_seconds: int = Field(description="Support seconds used so far")
    remaining_seconds: int | None = Field(description="target - used; negative once breached")
    state: Literal["running", "paused", "stopped"]
    # terms_error: the contract's stored terms are invalid, so the clock cannot be measured.
    standing: Literal["no_severity", "on_track", "at_risk", "breached", "met", "terms_error"]
    due_at: UtcDateTime | None
    breached_at: UtcDateTime | None
    next_warning_at: UtcDateTime | None
    computed_at: UtcDateTime


class TicketOut(Schema):
    id: int
    url: str
    organisation: OrganisationOut
    module: ModuleOut
    region: RegionOut
    summary: str
    severity: int | None = Field(description="As designated by the customer (null: not yet)")
    status: StatusName
    is_open: bool
    repair: Literal["", "temporary", "permanent"]
    channel: str
    reported_by: PersonOut
    reported_at: UtcDateTime
    clock: ClockOut


class EventOut(Schema):
    id: int
    kind: str
    label: str
    at: UtcDateTime
    actor: PersonOut | None
    severity: int | None
    data: dict[str, Any]


class CommentOut(Schema):
    id: int
    author: PersonOut
    body: str
    internal: bool
    channel: str
    created_at: UtcDateTime


class AttachmentOut(Schema):
    id: int
    url: str
    filename: str
    content_type: str
    size: int
    internal: bool
    uploaded_by: PersonOut
    created_at: UtcDateTime


class ProposalOut(Schema):
    event_id: int
    severity: int
    reason: str
    proposed_by: PersonOut | None
    side: Literal["vendor", "customer"] = Field(
        description="Who proposed; the other side answers (customer: reporter or admin; "
        "vendor: a support manager)"
    )
    at: UtcDateTime


class FixingReleaseOut(Schema):
    """The deployed release that carried the ticket's permanent fix."""

    version: str
    kind: Literal["major", "minor", "emergency"]
    module: str = Field(description="Module slug")
    region: str = Field(description="Region code")
    deployed_at: UtcDateTime


class TicketDetailOut(TicketOut):
    description: str
    fixed_by_release: FixingReleaseOut | None = Field(
        description="The deployed release that carried the permanent fix (the earliest one)"
    )
    open_proposal: ProposalOut | None
    events: list[EventOut]
    comments: list[CommentOut]
    attachments: list[AttachmentOut]


class TicketPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TicketOut]


class TicketIn(In):
    module: str = Field(description="Module slug, see GET /api/modules")
    summary: Summary
    description: LongText = ""
    severity: SeverityLevel | None = Field(
        default=None, description="1 Critical, 2 High, 3 Medium, 4 Normal; null: not yet"
    )
    region: str | None = Field(default=None, description="Region code; default: the customer's")
    organisation: str | None = Field(
        default=None,
        description="Organisation slug: required for staff; a customer may only name its own",
    )


class TicketFilters(Clean):
    status: list[StatusName] | None = None
    severity: list[Annotated[int, Field(ge=1, le=4)]] | None = Field(
        default=None, description="Severity in force"
    )
    module: str | None = Field(default=None, description="Module slug")
    region: str | None = Field(default=None, description="Region code")
    organisation: str | None = Field(default=None, description="Organisation slug (staff)")
    open: bool | None = Field(
        default=None, description="true: reported, acknowledged or in progress"
    )
    ordering: Literal["due_at", "-due_at", "reported_at", "-reported_at"] | None = Field(
        default=None,
        description="Default: due_at (soonest breach first) for staff, -reported_at for customers",
    )
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=2**31)


class CommentIn(In):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
    internal: bool = Field(default=False, description="A staff-only note (staff only)")


class StatusIn(In):
    status: Literal["acknowledged", "in_progress", "restored", "fix_delivered", "closed"]
    repair: Literal["temporary", "permanent"] | None = Field(
        default=None, description="Required when status is restored"
    )
    note: LongText = ""


class ReopenIn(In):
    reason: Text


class PauseIn(In):
    reason: Text


class ResumeIn(In):
    note: str = Field(default="", max_length=500)


class SeverityIn(In):
    severity: SeverityLevel


class ProposalIn(In):
    severity: SeverityLevel
    reason: Text


class AnswerIn(In):
    accept: bool
    note: LongText = ""


class Refusal(Schema):
    """Why the action was refused: 403, not for this person; 409, not in the ticket's state."""

    detail: str


# ---------------------------------------------------------------------------------------------
# Rendering


def _ticket_url(ticket: Ticket) -> str:
    return f"/api/tickets/{ticket.pk}"


def _clock(ticket: Ticket) -> dict[str, Any]:
    target = ticket.target_seconds
    return {
        "severity_designated": ticket.severity,
        "severity_in_force": ticket.severity_in_force,
        "severity_agreed": ticket.severity_agreed,
        "dispute_open": ticket.dispute_open,
        "target_seconds": target,
        "used_seconds": ticket.used_seconds,
        "remaining_seconds": None if target is None else target - ticket.used_seconds,
        "state": ticket.clock_state,
        "standing": ticket.standing,
        "due_at": ticket.due_at,
        "breached_at": ticket.breached_at,
        "next_warning_at": ticket.next_warning_at,
        "computed_at": ticket.clock_computed_at,
    }


def _ticket(ticket: Ticket) -> dict[str, Any]:
    organisation, module, region = ticket.organisation, ticket.module, ticket.region
    return {
        "id": ticket.pk,
        "url": _ticket_url(ticket),
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "module": {"slug": module.slug, "name": module.name},
        "region": {"code": region.code, "name": region.name, "timezone": region.timezone},
        "summary": ticket.summary,
        "severity": ticket.severity,
        "status": ticket.status,
        "is_open": ticket.is_open,
        "repair": ticket.repair,
        "channel": ticket.channel,
        "reported_by": person(ticket.reported_by),
        "reported_at": ticket.reported_at,
        "clock": _clock(ticket),
    }


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": person(comment.author),
        "body": comment.body,
        "internal": comment.internal,
        "channel": comment.channel,
        "created_at": comment.created_at,
    }


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "url": f"/api/tickets/{attachment.ticket_id}/attachments/{attachment.pk}",
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "internal": attachment.internal,
        "uploaded_by": person(attachment.uploaded_by),
        "created_at": attachment.created_at,
    }


def _detail(ticket: Ticket, viewer: User, opened: TicketEvent | None = None) -> dict[str, Any]:
    """The ticket as TicketDetailOut, its clock recomputed for now.

    `opened`: the ticket was opened by this request and `opened` is its `reported` event, so
    nothing is read back: that event is its whole log, it has no comments or attachments yet,
    and its clock columns are the engine's, computed from that event for this request's moment
    as the row was written."""
    if opened is not None:
        return _render_detail(ticket, [opened], comments=[], attachments=[], fix=None)
    services.refresh_clocks([ticket])
    events = list(ticket.events.select_related("actor").order_by("at", "pk"))
    return _render_detail(
        ticket,
        events,
        comments=services.visible_comments(ticket, viewer),
        attachments=services.visible_attachments(ticket, viewer),
        fix=fixing_release(ticket),
    )


def _fixing_release(release: Release | None) -> dict[str, Any] | None:
    if release is None:
        return None
    module_region = release.module_region
    return {
        "version": release.version,
        "kind": release.kind,
        "module": module_region.module.slug,
        "region": module_region.region.code,
        "deployed_at": release.deployed_at,
    }


def _render_detail(
    ticket: Ticket,
    events: list[TicketEvent],
    *,
    comments: Iterable[Comment],
    attachments: Iterable[Attachment],
    fix: Release | None,
) -> dict[str, Any]:
    proposal = severity.SeverityState(ticket, events).proposal
    return {
        **_ticket(ticket),
        "description": ticket.description,
        "fixed_by_release": _fixing_release(fix),
        "open_proposal": (
            {
                "event_id": proposal.pk,
                "severity": proposal.severity,
                "reason": proposal.data.get("reason", ""),
                "proposed_by": person(proposal.actor),
                "side": severity.proposal_side(proposal),
                "at": proposal.at,
            }
            if proposal is not None
            else None
        ),
        "events": [
            {
                "id": e.pk,
                "kind": e.kind,
                "label": EventKind(e.kind).label if e.kind in EventKind.values else e.kind,
                "at": e.at,
                "actor": person(e.actor),
                "severity": e.severity,
                "data": e.data,
            }
            for e in events
        ],
        "comments": [_comment(c) for c in comments],
        "attachments": [_attachment(a) for a in attachments],
    }


# ---------------------------------------------------------------------------------------------
# Lookups


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(
        "organisation__contract", "organisation__region", "module", "region", "reported_by"
    )


def _ticket_for(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it (404 otherwise); locked for the transaction when
    `for_update` (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)."""
    tickets = _tickets()
    if for_update:
        tickets = tickets.select_for_update(of=("self",))
    return get_or_404(user, tickets, pk=ticket_id)


# The reads every create makes, compiled once per process (accord.core.prepared).
_module_by_slug = Prepared(
    lambda slug: Module.objects.filter(slug=slug).order_by(), "stand-in: slug"
)
_idempotency_key = Prepared(
    lambda user_id, key: IdempotencyKey.objects.filter(user_id=user_id, key=key).order_by(),
    -1_000_000_001,
    "stand-in: key",
)
_contract_of = Prepared(
    lambda organisation_id: Contract.objects.filter(organisation_id=organisation_id),
    -1_000_000_002,
)
# And its key's insert (IdempotencyKey.objects.create).
_insert_key = PreparedInsert(IdempotencyKey)


def _module(slug: str, *, source: str = "body") -> Module:
    found = _module_by_slug(slug)  # the slug is unique
    module = found[0] if found else None
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


@router.get("/tickets", response=TicketPage, summary="List the fault tickets you can see")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    user = _caller(request)
    tickets = scope(user, _tickets())
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.severity:
        tickets = tickets.filter(severity_in_force__in=filters.severity)
    if filters.module is not None:
        tickets = tickets.filter(module=_module(filters.module, source="query"))
    if filters.region is not None:
        tickets = tickets.filter(region=_region(filters.region, source="query"))
    if filters.organisation is not None:
        organisation = _organisation(user, filters.organisation, source="query")
        tickets = tickets.filter(organisation=organisation)
    if filters.open is True:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.open is False:
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    ordering = filters.ordering or ("due_at" if is_staff(user) else "-reported_at")
    if ordering == "due_at":
        tickets = tickets.order_by(F("due_at").asc(nulls_last=True), "reported_at", "pk")
    elif ordering == "-due_at":
        tickets = tickets.order_by(F("due_at").desc(nulls_last=True), "-reported_at", "-pk")
    elif ordering == "reported_at":
        tickets = tickets.order_by("reported_at", "pk")
    else:
        tickets = tickets.order_by("-reported_at", "-pk")
    count = tickets.count()
    page = list(tickets[filters.offset : filters.offset + filters.limit])
    services.refresh_clocks(page)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_ticket(t) for t in page],
    }


def _request_digest(payload: TicketIn) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(
    user: User, key: str, digest: str, response: HttpResponse
) -> Status[dict[str, Any]] | None:
    """The answer to a retry of an earlier create with this key, or None if the key is new."""
    found = _idempotency_key(user.pk, key)  # (user, key) is unique
    if not found:
        return None
    earlier = found[0]
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
    digest = _request_digest(payload)
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
    if not Organisation.contract.is_cached(organisation):  # type: ignore[attr-defined]
        contract = _contract_of(organisation.pk)
        if contract:
            organisation.contract = contract[0]
    # The checks and the engine's clock before the write transaction too: under SQLite's
    # write lock only the inserts.
    opening = services.prepare_ticket(
        reporter=user, organisation=organisation, new=new, region=region
    )
    try:
        with transaction.atomic():
            ticket, event = services.write_ticket(opening)
            _insert_key.insert(
                IdempotencyKey(user=user, key=idempotency_key, request_digest=digest, ticket=ticket)
            )
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


@router.post(
    "/tickets/{ticket_id}/comments",
    response={201: CommentOut},
    summary="Comment (staff may write an internal note)",
)
def add_comment(request: HttpRequest, ticket_id: Id, payload: CommentIn) -> Status[dict[str, Any]]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        comment = services.add_comment(
            ticket, author=user, body=payload.body, internal=payload.internal, channel=Channel.API
        )
    return Status(201, _comment(comment))


@router.post(
    "/tickets/{ticket_id}/status",
    response=TicketDetailOut,
    summary="Move the ticket along its lifecycle (staff; a customer may close a restored one)",
)
def change_status(request: HttpRequest, ticket_id: Id, payload: StatusIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        services.change_status(
            ticket, payload.status, actor=user, repair=payload.repair or "", note=payload.note
        )
        return _detail(ticket, user)


@router.post(
    "/tickets/{ticket_id}/reopen",
    response=TicketDetailOut,
    summary="The fault returned: reopen (the clock resumes with the time already used)",
)
def reopen_ticket(request: HttpRequest, ticket_id: Id, payload: ReopenIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        services.reopen(ticket, actor=user, reason=payload.reason)
        return _detail(ticket, user)


@router.post(
    "/tickets/{ticket_id}/pause",
    response=TicketDetailOut,
    summary="Pause the clock, with a reason the customer sees (staff; where the contract "
    "allows it). The customer's next comment resumes it",
)
def pause_ticket(request: HttpRequest, ticket_id: Id, payload: PauseIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        services.pause_clock(ticket, actor=user, reason=payload.reason)
        return _detail(ticket, user)


@router.post(
    "/tickets/{ticket_id}/resume",
    response=TicketDetailOut,
    summary="Resume a paused clock, with the time already used (staff or the customer)",
)
def resume_ticket(request: HttpRequest, ticket_id: Id, payload: ResumeIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        services.resume_clock(ticket, actor=user, note=payload.note)
        return _detail(ticket, user)


_REFUSALS: dict[int | str, Any] = {403: Refusal, 409: Refusal}


@router.post(
    "/tickets/{ticket_id}/severity",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Designate the severity (customer, while the clock runs and no severity was "
    "agreed); it applies from the report time. 409 once restored, closed or agreed: propose",
)
def designate_severity(request: HttpRequest, ticket_id: Id, payload: SeverityIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        severity.designate_severity(ticket, payload.severity, actor=user)
        return _detail(ticket, user)


@router.post(
    "/tickets/{ticket_id}/severity/proposals",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Propose another severity (staff, or the reporter or a customer admin); the "
    "severity in force stands until the other side accepts",
)
def propose_severity(request: HttpRequest, ticket_id: Id, payload: ProposalIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        severity.propose_severity(ticket, payload.severity, actor=user, reason=payload.reason)
        return _detail(ticket, user)


@router.post(
    "/tickets/{ticket_id}/severity/proposals/answer",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Accept or reject the open proposal (the other side: the reporter or a customer "
    "admin for a vendor proposal, a support manager for a customer one)",
)
def answer_proposal(request: HttpRequest, ticket_id: Id, payload: AnswerIn) -> dict[str, Any]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        severity.answer_proposal(ticket, accept=payload.accept, actor=user, note=payload.note)
        return _detail(ticket, user)


# ---------------------------------------------------------------------------------------------
# Attachments

_BINARY = {"type": "string", "format": "binary"}


# What a client may declare for a file beyond the type its extension implies (browsers and curl
# differ); a generic declaration says nothing and is accepted for every allowed kind.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ALSO_DECLARED: dict[str, frozenset[str]] = {
    "jpg": frozenset({"image/jpeg", "image/pjpeg"}),
    "jpeg": frozenset({"image/jpeg", "image/pjpeg"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "txt": frozenset({"text/plain"}),
    "log": frozenset({"text/plain", "text/x-log"}),
    "csv": frozenset({"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"}),
    "json": frozenset({"application/json", "text/json", "text/plain"}),
    "har": frozenset({"application/json", "application/har+json", "text/plain"}),
    "xml": frozenset({"application/xml", "text/xml", "text/plain"}),
    "zip": frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"}),
    "gz": frozenset({"application/gzip", "application/x-gzip"}),
}


def _check_declared_type(filename: str, declared: str) -> None:
    """A file whose declared type contradicts its name is refused (415, naming `file`); the
    extension itself, the size and the storage are `accord.helpdesk.attachments`' business."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    declared = declared.split(";", 1)[0].strip().lower()
    if declared in _GENERIC_TYPES or extension not in attachments.allowed_extensions():
        return
    implied = mimetypes.guess_type(f"x.{extension}")[0]
    expected = _ALSO_DECLARED.get(extension, frozenset()) | ({implied} if implied else set())
    if declared not in expected:
        raise HttpError(
            415,
            f"file: a .{extension} file cannot be of type {declared}"
            + (f" (expected {', '.join(sorted(expected))})" if expected else ""),
        )


@router.post(
    "/tickets/{ticket_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file (multipart form: `file`, optional `internal` for staff)",
)
def upload_attachment(
    request: HttpRequest,
    ticket_id: Id,
    file: File[UploadedFile],
    internal: Form[bool] = False,
) -> Status[dict[str, Any]]:
    user = _caller(request)
    with transaction.atomic():
        ticket = _ticket_for(user, ticket_id, for_update=True)
        _check_declared_type(file.name or "", file.content_type or "")
        attachment = attachments.attach(ticket, uploaded_by=user, upload=file, internal=internal)
    return Status(201, _attachment(attachment))


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, ticket_id: Id, attachment_id: Id) -> FileResponse:
    user = _caller(request)
    ticket = _ticket_for(user, ticket_id)
    attachment = get_or_404(user, services.visible_attachments(ticket, user), pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("the stored file is missing") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Never rendered by the browser in Accord's origin, whatever the file holds.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
