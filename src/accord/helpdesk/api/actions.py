"""The help desk API's actions on a ticket's lifecycle (status, reopen, pause, resume) and its
comments: each one `router.action`, the lock–call–render of `accord.helpdesk.api`."""

from __future__ import annotations

from accord.helpdesk import services
from accord.helpdesk.api import ResourceRouter, created
from accord.helpdesk.api.render import _comment
from accord.helpdesk.api.schemas import (
    REFUSALS,
    CommentIn,
    CommentOut,
    PauseIn,
    ReopenIn,
    ResumeIn,
    StatusIn,
)
from accord.helpdesk.models import Channel

router = ResourceRouter()

router.action(
    "/tickets/{ticket_id}/comments",
    CommentIn,
    lambda ticket, user, comment: services.add_comment(
        ticket, author=user, body=comment.body, internal=comment.internal, channel=Channel.API
    ),
    name="add_comment",
    summary="Comment (staff may write an internal note)",
    response={201: CommentOut, **REFUSALS},
    render=created(_comment),
)
router.action(
    "/tickets/{ticket_id}/status",
    StatusIn,
    lambda ticket, user, change: services.change_status(
        ticket, change.status, actor=user, repair=change.repair or "", note=change.note
    ),
    name="change_status",
    summary="Move the ticket along its lifecycle (staff; a customer may close a restored one)",
)
router.action(
    "/tickets/{ticket_id}/reopen",
    ReopenIn,
    lambda ticket, user, reopen: services.reopen(ticket, actor=user, reason=reopen.reason),
    name="reopen_ticket",
    summary="The fault returned: reopen (the clock resumes with the time already used)",
)
router.action(
    "/tickets/{ticket_id}/pause",
    PauseIn,
    lambda ticket, user, pause: services.pause_clock(ticket, actor=user, reason=pause.reason),
    name="pause_ticket",
    summary="Pause the clock, with a reason the customer sees (staff; where the contract "
    "allows it). The customer's next comment resumes it",
)
router.action(
    "/tickets/{ticket_id}/resume",
    ResumeIn,
    lambda ticket, user, resume: services.resume_clock(ticket, actor=user, note=resume.note),
    name="resume_ticket",
    summary="Resume a paused clock, with the time already used (staff or the customer)",
)
