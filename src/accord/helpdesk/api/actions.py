"""The help desk API's actions on a ticket's lifecycle (status, reopen, pause, resume) and its
comments: each one `act`, the lock–call–render of `accord.helpdesk.api`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Status

from accord.accounts.api import Id
from accord.helpdesk import services
from accord.helpdesk.api import ResourceRouter, act, created
from accord.helpdesk.api.render import _comment
from accord.helpdesk.api.schemas import (
    CommentIn,
    CommentOut,
    PauseIn,
    ReopenIn,
    ResumeIn,
    StatusIn,
    TicketDetailOut,
)
from accord.helpdesk.models import Channel

router = ResourceRouter()


@router.post(
    "/tickets/{ticket_id}/comments",
    response={201: CommentOut},
    summary="Comment (staff may write an internal note)",
)
def add_comment(request: HttpRequest, ticket_id: Id, payload: CommentIn) -> Status[dict[str, Any]]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: services.add_comment(
            ticket, author=user, body=payload.body, internal=payload.internal, channel=Channel.API
        ),
        created(_comment),
    )


@router.post(
    "/tickets/{ticket_id}/status",
    response=TicketDetailOut,
    summary="Move the ticket along its lifecycle (staff; a customer may close a restored one)",
)
def change_status(request: HttpRequest, ticket_id: Id, payload: StatusIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: services.change_status(
            ticket, payload.status, actor=user, repair=payload.repair or "", note=payload.note
        ),
    )


@router.post(
    "/tickets/{ticket_id}/reopen",
    response=TicketDetailOut,
    summary="The fault returned: reopen (the clock resumes with the time already used)",
)
def reopen_ticket(request: HttpRequest, ticket_id: Id, payload: ReopenIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: services.reopen(ticket, actor=user, reason=payload.reason),
    )


@router.post(
    "/tickets/{ticket_id}/pause",
    response=TicketDetailOut,
    summary="Pause the clock, with a reason the customer sees (staff; where the contract "
    "allows it). The customer's next comment resumes it",
)
def pause_ticket(request: HttpRequest, ticket_id: Id, payload: PauseIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: services.pause_clock(ticket, actor=user, reason=payload.reason),
    )


@router.post(
    "/tickets/{ticket_id}/resume",
    response=TicketDetailOut,
    summary="Resume a paused clock, with the time already used (staff or the customer)",
)
def resume_ticket(request: HttpRequest, ticket_id: Id, payload: ResumeIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: services.resume_clock(ticket, actor=user, note=payload.note),
    )
