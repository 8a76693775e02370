"""The help desk API's request and response schemas (pydantic, through django-ninja): what a
client sends and what it is answered, as the OpenAPI document shows them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Header, Schema
from pydantic import Field, Strict, StringConstraints

from accord.accounts.api import (
    Clean,
    DayIn,
    DayQuery,
    In,
    OrganisationOut,
    PersonOut,
    Refusal,
    SlugQuery,
    Text,
    UtcDateTime,
)
from accord.engine.policy import MAX_SEVERITY_LEVEL

# A level of the contract's policy: the schema says only that it is a whole number from 1 to
# 9 (the levels any policy may define); the help desk refuses a level the ticket's contract
# does not define, with a 422 naming the field (docs/api.md, "Severity levels"). Strict:
# neither `true` nor "1" is severity 1.
SEVERITY_LEVELS_TEXT = (
    "One of the severity levels of your contract's policy (the built-in policy's: 1 Critical, "
    "2 High, 3 Medium, 4 Normal); another level is refused with a 422 naming the field"
)
SeverityLevel = Annotated[
    int, Strict(), Field(ge=1, le=MAX_SEVERITY_LEVEL, description=SEVERITY_LEVELS_TEXT)
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
    dispute_open: bool = Field(description="A severity proposal awaits the other side's answer")
    severity_disputed: bool = Field(
        description="A proposal was rejected and no agreement or meeting has settled it since"
    )
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


class StaffOut(Schema):
    id: int = Field(description="The user id to assign (POST /api/tickets/{id}/assign)")
    name: str
    email: str


class GroupOut(Schema):
    id: int
    name: str


class GroupMembersOut(GroupOut):
    members: list[StaffOut]


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
    assigned: bool = Field(description="Someone in Support (a person or a group) has the ticket")
    assignee: StaffOut | None = Field(description="Who handles it (staff only; customers: null)")
    group: GroupOut | None = Field(description="The agent group (staff only; null for customers)")


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
        default=None, description=f"{SEVERITY_LEVELS_TEXT}; null: not yet designated"
    )
    region: str | None = Field(default=None, description="Region code; default: the customer's")
    organisation: str | None = Field(
        default=None,
        description="Organisation slug: required for staff; a customer may only name its own",
    )


class TicketFilters(Clean):
    status: list[StatusName] | None = Field(default=None, max_length=6)
    severity: list[Annotated[int, Field(ge=1, le=MAX_SEVERITY_LEVEL)]] | None = Field(
        default=None,
        max_length=MAX_SEVERITY_LEVEL,
        description="Severity in force (a level of the customers' policies)",
    )
    module: SlugQuery | None = Field(default=None, description="Module slug")
    region: SlugQuery | None = Field(default=None, description="Region code")
    organisation: SlugQuery | None = Field(default=None, description="Organisation slug (staff)")
    open: bool | None = Field(
        default=None, description="true: reported, acknowledged or in progress"
    )
    ordering: Literal["due_at", "-due_at", "reported_at", "-reported_at"] | None = Field(
        default=None,
        description="Default: due_at (soonest breach first) for staff, -reported_at for customers",
    )
    view: Literal["mine", "group", "unassigned", "all"] | None = Field(
        default=None,
        description="Ownership (staff): assigned to you, in your agent groups, with no assignee",
    )
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Free-text search: every word in the summary and description or in one "
        "public comment (staff: staff-only notes too); see docs/search.md",
    )
    standing: list[Literal["breached", "at_risk", "on_track", "met", "no_severity"]] | None = Field(
        default=None, max_length=5, description="The standing last recorded"
    )
    raised_from: DayQuery | None = Field(
        default=None, description="Reported on or after this date, in your time zone"
    )
    raised_to: DayQuery | None = Field(
        default=None, description="Reported on or before this date, in your time zone"
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


class AssignIn(In):
    assignee: int | None = Field(default=None, description="User id of active staff (null: nobody)")
    group: int | None = Field(
        default=None, description="Agent group id, see GET /api/agent-groups (null: no group)"
    )


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


class SettlementIn(In):
    held_on: DayIn = Field(description="The day the meeting was held (not in the future)")
    attendees: str = Field(max_length=300, description="Who met, of both sides")
    note: LongText = ""


# The refusals of an action on a ticket (the core family, mapped once by `accord.api`): 400, a
# field; 403, not for this person; 409, not in the ticket's state.
REFUSALS: dict[int, Any] = {400: Refusal, 403: Refusal, 409: Refusal}
