"""The help desk API's severity disputes: the customer's designation, either side's proposal
and the other side's answer (accord.helpdesk.severity), each one `act`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.accounts.api import Id
from accord.helpdesk import severity
from accord.helpdesk.api import ResourceRouter, act
from accord.helpdesk.api.schemas import (
    AnswerIn,
    ProposalIn,
    Refusal,
    SeverityIn,
    TicketDetailOut,
)

router = ResourceRouter()

_REFUSALS: dict[int | str, Any] = {403: Refusal, 409: Refusal}


@router.post(
    "/tickets/{ticket_id}/severity",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Designate the severity (customer, while the clock runs and no severity was "
    "agreed); it applies from the report time. 409 once restored, closed or agreed: propose",
)
def designate_severity(request: HttpRequest, ticket_id: Id, payload: SeverityIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: severity.designate_severity(ticket, payload.severity, actor=user),
    )


@router.post(
    "/tickets/{ticket_id}/severity/proposals",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Propose another severity (staff, or the reporter or a customer admin); the "
    "severity in force stands until the other side accepts",
)
def propose_severity(request: HttpRequest, ticket_id: Id, payload: ProposalIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: severity.propose_severity(
            ticket, payload.severity, actor=user, reason=payload.reason
        ),
    )


@router.post(
    "/tickets/{ticket_id}/severity/proposals/answer",
    response={200: TicketDetailOut, **_REFUSALS},
    summary="Accept or reject the open proposal (the other side: the reporter or a customer "
    "admin for a vendor proposal, a support manager for a customer one)",
)
def answer_proposal(request: HttpRequest, ticket_id: Id, payload: AnswerIn) -> dict[str, Any]:
    return act(
        request,
        ticket_id,
        lambda ticket, user: severity.answer_proposal(
            ticket, accept=payload.accept, actor=user, note=payload.note
        ),
    )
