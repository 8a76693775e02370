"""The API of contested restorations (accord.helpdesk.restoration): read a ticket's
restoration and its contest, contest it (the customer), answer the contest (a support manager
or a vendor admin). Refusals are 403 (not for your role) or 409 (not in the ticket's state),
with the reason, as for every help-desk action.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Schema
from pydantic import Field

from accord.accounts.api import Id, In, PersonOut, Text, UtcDateTime, person
from accord.accounts.models import User
from accord.helpdesk import restoration
from accord.helpdesk.api import ResourceRouter, _caller, _ticket_for
from accord.helpdesk.api.render import _detail
from accord.helpdesk.api.schemas import REFUSALS, LongText, TicketDetailOut
from accord.helpdesk.models import Ticket, TicketEvent

# The ids of the module this was before the API was split by resource.
router = ResourceRouter(operation_ids="accord_helpdesk_restoration_api")


class ContestOut(Schema):
    event_id: int
    reason: str
    contested_by: PersonOut | None
    at: UtcDateTime


class ContestAnswerOut(Schema):
    event_id: int
    accepted: bool = Field(description="true: the restoration was withdrawn; false: rejected")
    note: str
    answered_by: PersonOut | None
    at: UtcDateTime


class RestorationOut(Schema):
    """The restoration that stopped the clock and its contest (docs/sla-model.md)."""

    restored_at: UtcDateTime | None = Field(description="null while the clock runs")
    contest_until: UtcDateTime | None = Field(
        description="The last moment the customer may contest this restoration (wall-clock "
        "hours after it, `clock.restoration_contest_hours`); null: nothing to contest"
    )
    can_contest: bool = Field(description="You may contest it now")
    contested: bool = Field(description="A contest awaits the vendor's answer")
    open_contest: ContestOut | None
    disputed: bool = Field(description="The vendor rejected a contest: an unresolved dispute")
    answers: list[ContestAnswerOut]


class ContestedTicketOut(TicketDetailOut):
    restoration: RestorationOut


# The answers of an action: the ticket, or why not (400: a field, 403: not for your role,
# 409: not in the ticket's state, e.g. after the contest window).
_ACTION_RESPONSES: dict[int, Any] = {200: ContestedTicketOut, **REFUSALS}


class ContestIn(In):
    reason: Text = Field(description="What still does not work")


class ContestAnswerIn(In):
    accept: bool = Field(description="true: the restoration never held (withdrawn)")
    note: LongText = Field(default="", description="Required to reject; the customer reads it")


def _event(event: TicketEvent, key: str) -> dict[str, Any]:
    return {"event_id": event.pk, key: person(event.actor), "at": event.at}


def _restoration(ticket: Ticket, viewer: User) -> dict[str, Any]:
    panel = restoration.contest_panel(ticket, viewer, timezone.now())
    contest = panel.open_contest
    answers = sorted([*panel.withdrawn, *panel.disputes], key=lambda e: (e.at, e.pk))
    return {
        "restored_at": panel.restored_at,
        "contest_until": panel.contest_until,
        "can_contest": panel.can_contest,
        "contested": contest is not None,
        "open_contest": (
            {**_event(contest, "contested_by"), "reason": contest.data.get("reason", "")}
            if contest is not None
            else None
        ),
        "disputed": bool(panel.disputes),
        "answers": [
            {
                **_event(answer, "answered_by"),
                "accepted": answer in panel.withdrawn,
                "note": answer.data.get("note", ""),
            }
            for answer in answers
        ],
    }


def _answer(ticket: Ticket, user: User, done: object = None) -> dict[str, Any]:
    """The answer of an action: the ticket with its restoration."""
    return {**_detail(ticket, user), "restoration": _restoration(ticket, user)}


@router.get(
    "/tickets/{ticket_id}/restoration",
    response=RestorationOut,
    summary="The restoration that stopped the clock, and its contest",
)
def get_restoration(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    user = _caller(request)
    return _restoration(_ticket_for(user, ticket_id), user)


router.action(
    "/tickets/{ticket_id}/restoration/contest",
    ContestIn,
    lambda ticket, user, contest: restoration.contest_restoration(
        ticket, actor=user, reason=contest.reason
    ),
    name="contest_restoration",
    summary="Service was not restored: contest the restoration (customer, within the "
    "contract's window); the clock runs again until the vendor answers",
    response=_ACTION_RESPONSES,
    render=_answer,
)
router.action(
    "/tickets/{ticket_id}/restoration/contest/answer",
    ContestAnswerIn,
    lambda ticket, user, answer: restoration.answer_contest(
        ticket, actor=user, accept=answer.accept, note=answer.note
    ),
    name="answer_contest",
    summary="Answer the open contest (support manager or vendor admin): accept withdraws the "
    "restoration, reject (with a note) keeps it as a dispute",
    response=_ACTION_RESPONSES,
    render=_answer,
)
