"""The help desk API's severity disputes: the customer's designation, either side's proposal
and the other side's answer (accord.helpdesk.severity), each one `router.action`."""

from __future__ import annotations

from accord.helpdesk import severity
from accord.helpdesk.api import ResourceRouter
from accord.helpdesk.api.schemas import (
    AnswerIn,
    ProposalIn,
    SettlementIn,
    SeverityIn,
)

router = ResourceRouter()

router.action(
    "/tickets/{ticket_id}/severity",
    SeverityIn,
    lambda ticket, user, chosen: severity.designate_severity(ticket, chosen.severity, actor=user),
    name="designate_severity",
    summary="Designate the severity (customer, while the clock runs and no severity was "
    "agreed); it applies from the report time. 409 once restored, closed or agreed: propose",
)
router.action(
    "/tickets/{ticket_id}/severity/proposals",
    ProposalIn,
    lambda ticket, user, proposal: severity.propose_severity(
        ticket, proposal.severity, actor=user, reason=proposal.reason
    ),
    name="propose_severity",
    summary="Propose another severity (staff, or the reporter or a customer admin); the "
    "severity in force stands until the other side accepts",
)
router.action(
    "/tickets/{ticket_id}/severity/proposals/answer",
    AnswerIn,
    lambda ticket, user, answer: severity.answer_proposal(
        ticket, accept=answer.accept, actor=user, note=answer.note
    ),
    name="answer_proposal",
    summary="Accept or reject the open proposal (the other side: the reporter or a customer "
    "admin for a vendor proposal, a support manager for a customer one)",
)
router.action(
    "/tickets/{ticket_id}/severity/settlement",
    SettlementIn,
    lambda ticket, user, meeting: severity.settle_dispute(
        ticket,
        actor=user,
        held_on=meeting.held_on,
        attendees=meeting.attendees,
        note=meeting.note,
    ),
    name="settle_dispute",
    summary="Record the meeting that settled an unresolved dispute (a rejected proposal); the "
    "severity in force stands (a support manager or a customer admin). 409 with none to settle",
)
