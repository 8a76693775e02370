"""Help-desk pages: the customer portal, the ticket page and the agent queue.

Server-rendered, Post/Redirect/Get, no JavaScript needed. Every query goes through
`accord.accounts.access` (another organisation's ticket or file is *not found*), every action
is a service call inside a transaction, and a refusal is shown on the form that asked. The
clock figures come from the engine (`services.evaluate` / `services.refresh_clocks`); this
module only shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.accounts.access import get_or_404, is_staff, scope
from accord.accounts.models import User
from accord.accounts.terms import InvalidTerms, form_policy, ticket_terms
from accord.core.forms import refusal_shown
from accord.engine.clocks import ClockResult, ClockState
from accord.engine.policy import Policy
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk import selectors, services, severity
from accord.helpdesk.attachments import attach
from accord.helpdesk.forms import (
    AnswerForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    DesignateForm,
    PauseForm,
    ProposeForm,
    RaiseForm,
    ReopenForm,
    ResumeForm,
    SettleForm,
    StatusForm,
    TicketActionForm,
    next_statuses,
    severity_label,
)
from accord.helpdesk.models import (
    Attachment,
    EventKind,
    Repair,
    Status,
    Ticket,
    TicketEvent,
)
from accord.helpdesk.support_hours import counting_resumes_at
from accord.helpdesk.templatetags.helpdesk_tags import STANDING_LABELS
from accord.policies import load_builtin

logger = logging.getLogger(__name__)


def _policy_of(ticket: Ticket) -> Policy:
    return ticket.organisation.contract.terms.policy


# --- lists ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = is_staff(user)
    if not staff and user.organisation_id is None:
        raise Http404("not found")
    policy = load_builtin() if staff else form_policy(user.organisation)
    form = RaiseForm(request.POST or None, user=user, policy=policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_shown(form):
            with transaction.atomic():
                ticket = services.report(
                    reporter=user,
                    organisation=data["organisation"] if staff else user.organisation,
                    new=services.NewTicket(
                        module=data["module"],
                        summary=data["summary"],
                        description=data["description"],
                        severity=data["severity"],
                        channel=data["channel"] if staff else "portal",
                    ),
                )
            messages.success(
                request, gettext("Fault reported as ticket #%(number)s.") % {"number": ticket.pk}
            )
            return redirect("ticket_detail", pk=ticket.pk)
    return render(request, "helpdesk/ticket_new.html", {"form": form, "staff": staff})


# --- the ticket page --------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    actor: Any
    title: str
    kind: str  # event, comment, note, attachment
    details: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    attachment: Attachment | None = None


def _event_entry(event: TicketEvent, policy: Policy) -> TimelineEntry:
    data = event.data or {}
    label = EventKind(event.kind).label if event.kind in EventKind.values else event.kind
    details: list[tuple[str, str]] = []
    title = str(label)
    if event.kind == EventKind.REPORTED:
        title = gettext("Fault reported")
        details.append((gettext("Severity"), severity_label(policy, event.severity)))
    elif event.kind == EventKind.SEVERITY_DESIGNATED:
        title = gettext("Severity designated: %(severity)s") % {
            "severity": severity_label(policy, event.severity)
        }
    elif event.kind == EventKind.SEVERITY_PROPOSED:
        proposed = {"severity": severity_label(policy, event.severity)}
        if severity.proposal_side(event) == "vendor":
            title = gettext("Vendor proposed severity %(severity)s") % proposed
        else:
            title = gettext("Customer proposed severity %(severity)s") % proposed
        if data.get("from") is not None:
            details.append((gettext("Severity in force"), severity_label(policy, data["from"])))
    elif event.kind == EventKind.SEVERITY_REJECTED:
        if severity.side_of(event.actor) == "vendor":
            title = gettext("Vendor rejected the proposed severity")
        else:
            title = gettext("Customer rejected the proposed severity")
        details.extend(_proposer(data))
    elif event.kind == EventKind.SEVERITY_AGREED:
        title = gettext("Severity agreed: %(severity)s") % {
            "severity": severity_label(policy, event.severity)
        }
        details.extend(_agreement_details(data, policy))
    elif event.kind == EventKind.SEVERITY_SETTLED:
        title = gettext("Dispute settled at a meeting on %(day)s") % {
            "day": data.get("held_on", "")
        }
        details.append((gettext("Who met"), str(data.get("attendees", ""))))
    elif event.kind == EventKind.ASSIGNED:
        title = _assignment_title(data)
    elif event.kind == EventKind.RESTORED and data.get("repair") in Repair.values:
        title = gettext("Service restored (%(repair)s)") % {
            "repair": str(Repair(data["repair"]).label).lower()
        }
    names = (
        ("reason", gettext("Reason")),
        ("note", gettext("Note")),
        ("notes", gettext("Meeting notes")),
    )
    for key, name in names:
        if data.get(key):
            details.append((name, str(data[key])))
    return TimelineEntry(at=event.at, actor=event.actor, title=title, kind="event", details=details)


def _assignment_title(data: dict[str, Any]) -> str:
    who, group = data.get("assignee_name"), data.get("group_name")
    if who and group:
        return gettext("Assigned to %(who)s (%(group)s)") % {"who": who, "group": group}
    if who or group:
        return gettext("Assigned to %(who)s") % {"who": who or group}
    return gettext("Unassigned")


def _proposer(data: dict[str, Any]) -> list[tuple[str, str]]:
    who = data.get("proposed_by")
    if not isinstance(who, dict):
        return []
    return [(gettext("Proposed by"), f"{who.get('name', '')} ({who.get('side', '')})")]


def _figures_text(figures: Any, policy: Policy) -> str:
    """ "Severity 1 Critical, breached, 13:00 of 4:00 support hours"."""
    if not isinstance(figures, dict):
        return gettext("not measured (the contract's terms were broken)")
    used, target = figures.get("used_seconds"), figures.get("target_seconds")
    standing = STANDING_LABELS.get(figures.get("standing", ""), figures.get("standing", ""))
    text = f"{severity_label(policy, figures.get('severity'))}, {str(standing).lower()}"
    if isinstance(used, int) and isinstance(target, int):
        hours = {"used": _hours(used), "target": _hours(target)}
        text += ", " + gettext("%(used)s of %(target)s support hours") % hours
    elif isinstance(used, int):
        text += ", " + gettext("%(used)s used") % {"used": _hours(used)}
    return text


def _hours(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _agreement_details(data: dict[str, Any], policy: Policy) -> list[tuple[str, str]]:
    """Who proposed and who accepted, and the figures before and after; an agreement
    recorded before issue 14 shows the parties its recorder named."""
    details: list[tuple[str, str]] = []
    accepted = data.get("accepted_by")
    if isinstance(accepted, dict):
        details.extend(_proposer(data))
        details.append(
            (gettext("Accepted by"), f"{accepted.get('name', '')} ({accepted.get('side', '')})")
        )
        details.append(
            (
                gettext("Severity"),
                f"{severity_label(policy, data.get('severity_before'))} → "
                f"{severity_label(policy, data.get('severity_after'))}",
            )
        )
        details.append((gettext("Before"), _figures_text(data.get("before"), policy)))
        details.append((gettext("After"), _figures_text(data.get("after"), policy)))
        return details
    if data.get("how"):
        details.append((gettext("How"), str(data["how"])))
    if data.get("vendor_party"):
        details.append((gettext("Agreed for the vendor by"), str(data["vendor_party"])))
    if data.get("customer_party"):
        details.append((gettext("Agreed for the customer by"), str(data["customer_party"])))
    return details


def _timeline(ticket: Ticket, *, viewer: User, policy: Policy) -> list[TimelineEntry]:
    events = ticket.events.select_related("actor")
    if not is_staff(viewer):  # customers see "Assigned to Support", not who (docs/helpdesk.md)
        events = events.exclude(kind=EventKind.ASSIGNED)
    entries = [_event_entry(e, policy) for e in events]
    for comment in services.visible_comments(ticket, viewer):
        entries.append(
            TimelineEntry(
                at=comment.created_at,
                actor=comment.author,
                title=gettext("Internal note (staff only)")
                if comment.internal
                else gettext("Comment"),
                kind="note" if comment.internal else "comment",
                body=comment.body,
                details=[(gettext("Received by"), gettext("Email"))]
                if comment.channel == "email"
                else [],
            )
        )
    for attachment in services.visible_attachments(ticket, viewer):
        entries.append(
            TimelineEntry(
                at=attachment.created_at,
                actor=attachment.uploaded_by,
                title=gettext("Staff-only file attached")
                if attachment.internal
                else gettext("File attached"),
                kind="attachment",
                attachment=attachment,
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries


@dataclass
class ClockPanel:
    """What the clock panel says, all of it from the engine's result."""

    result: ClockResult
    severity: str
    standing: str
    label: str
    running: bool
    target_seconds: int | None
    used_seconds: int
    remaining_seconds: int | None
    due_at: datetime | None
    breached_at: datetime | None
    agreed: bool
    dispute_open: bool
    # Running, but outside support hours: the instant the calendar counts again.
    counting_resumes_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.remaining_seconds is not None and self.remaining_seconds < 0


def _clock_panel(ticket: Ticket, policy: Policy, now: datetime) -> ClockPanel:
    result = services.evaluate(ticket, now)
    running = result.state is ClockState.RUNNING
    resumes = (
        counting_resumes_at(ticket_terms(ticket).clock_rules, result.severity, to_epoch(now))
        if running
        else None
    )
    return ClockPanel(
        result=result,
        severity=severity_label(policy, result.severity),
        standing=result.standing.value,
        label=STANDING_LABELS[result.standing],
        running=running,
        target_seconds=result.target_seconds,
        used_seconds=result.used_seconds,
        remaining_seconds=result.remaining_seconds,
        due_at=from_epoch(result.due_at) if result.due_at is not None else None,
        breached_at=from_epoch(result.breached_at) if result.breached_at is not None else None,
        agreed=result.severity_agreed,
        dispute_open=result.dispute_open,
        counting_resumes_at=resumes,
    )


_ACTION_FORMS: dict[str, type[TicketActionForm]] = {
    "comment": CommentForm,
    "attach": AttachmentForm,
    "designate": DesignateForm,
    "answer": AnswerForm,
    "status": StatusForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "propose": ProposeForm,
    "settle": SettleForm,
}


def _available_actions(
    ticket: Ticket, user: User, state: severity.SeverityState | None = None
) -> set[str]:
    """The forms the ticket page offers this person now (the services have the last word)."""
    staff = is_staff(user)
    state = state or severity.SeverityState(ticket)
    actions = {"comment", "attach"}
    if ticket.status in services.REOPENABLE:
        actions.add("reopen")
    if state.proposal is not None:
        if severity.answer_refusal(state.proposal, user, ticket) is None:
            actions.add("answer")
    elif state.in_force is not None if staff else severity.may_speak_for_customer(user, ticket):
        actions.add("propose")
    if severity.may_record_meeting(user, ticket) and severity.settle_refusal(ticket, state) is None:
        actions.add("settle")
    if staff:
        if next_statuses(ticket):
            actions.add("status")
        if ticket.clock_state == ClockState.PAUSED:
            actions.add("resume")
        elif ticket.clock_state == ClockState.RUNNING and services.pause_allowed(ticket):
            actions.add("pause")
    else:
        if severity.designation_refusal(ticket, state) is None:
            actions.add("designate")
        if ticket.status in (Status.RESTORED, Status.FIX_DELIVERED):
            actions.add("close")
    return actions


def _render_ticket(
    request: HttpRequest,
    pk: int,
    bound: dict[str, TicketActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    ticket = get_or_404(user, selectors.visible_tickets(user), pk=pk)
    staff = is_staff(user)
    try:
        policy = _policy_of(ticket)
    except InvalidTerms as error:
        return _render_unmeasured(request, ticket, error)
    now = timezone.now()
    state = severity.SeverityState(ticket)
    actions = _available_actions(ticket, user, state)
    bound = bound or {}
    forms = {
        name: bound.get(name) or form_class(ticket=ticket, user=user, policy=policy, prefix=name)
        for name, form_class in _ACTION_FORMS.items()
        if name in actions or name in bound
    }
    proposal = state.proposal
    context = {
        "ticket": ticket,
        "staff": staff,
        "clock": _clock_panel(ticket, policy, now),
        "timeline": _timeline(ticket, viewer=user, policy=policy),
        "forms": forms,
        "proposal": proposal,
        "proposal_severity": severity_label(policy, proposal.severity) if proposal else "",
        "proposal_side": severity.proposal_side(proposal) if proposal else "",
        "in_force": severity_label(policy, state.in_force),
        "agreed": state.agreed,
        "disputed": state.disputed,
        "designation_refusal": "" if staff else severity.designation_refusal(ticket, state) or "",
        "designated": severity_label(policy, ticket.severity),
        "attachments": list(services.visible_attachments(ticket, user)),
        "pause_reason": _pause_reason(ticket),
    }
    return render(request, "helpdesk/ticket_detail.html", context, status=status)


def _render_unmeasured(request: HttpRequest, ticket: Ticket, error: InvalidTerms) -> HttpResponse:
    """The ticket of a contract whose stored terms are broken: what was reported and said,
    without the clock, severity labels and actions that need the terms."""
    user = request.user
    context = {
        "ticket": ticket,
        "staff": is_staff(user),
        "error": error,
        "terms_url": reverse("contract_terms", kwargs={"organisation": error.slug}),
        "comments": list(services.visible_comments(ticket, user).select_related("author")),
        "attachments": list(services.visible_attachments(ticket, user)),
    }
    return render(request, "helpdesk/ticket_unmeasured.html", context)


def _pause_reason(ticket: Ticket) -> str:
    """Why a paused clock is paused: the reason of its latest pause."""
    if ticket.clock_state != ClockState.PAUSED:
        return ""
    paused = ticket.events.filter(kind=EventKind.PAUSED).order_by("-at", "-pk").first()
    return str(paused.data.get("reason", "")) if paused else ""


@login_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_ticket(request, pk)


Action = Callable[[Ticket, User, dict[str, Any], HttpRequest], str]


def _act(request: HttpRequest, pk: int, name: str, action: Action) -> HttpResponse:
    """Bind the action's form; if valid, run the service under a lock and redirect (PRG);
    otherwise show the ticket page again with the form's errors."""
    user = request.user
    # Not found before anything else.
    ticket = get_or_404(user, selectors.visible_tickets(user), pk=pk)
    form_class = _ACTION_FORMS[name]
    form = form_class(
        request.POST,
        request.FILES,
        ticket=ticket,
        user=user,
        policy=_policy_of(ticket),
        prefix=name,
    )
    if form.is_valid():
        with refusal_shown(form):
            with transaction.atomic():
                locked = get_or_404(
                    user, selectors.visible_tickets(user).select_for_update(of=("self",)), pk=pk
                )
                done = action(locked, user, form.cleaned_data, request)
            messages.success(request, done)
            return redirect("ticket_detail", pk=pk)
    return _render_ticket(request, pk, {name: form})


def _comment(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    internal = bool(data.get("internal"))
    services.add_comment(ticket, author=user, body=data["body"], internal=internal)
    return gettext("Internal note added.") if internal else gettext("Comment added.")


def _attach(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    attachment = attach(
        ticket, uploaded_by=user, upload=data["file"], internal=bool(data.get("internal"))
    )
    return f"{attachment.filename} attached."


def _designate(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    severity.designate_severity(ticket, data["severity"], actor=user)
    return gettext("Severity designated; its target applies from the time the fault was reported.")


def _answer(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    accept = data["decision"] == "accept"
    severity.answer_proposal(ticket, accept=accept, actor=user, note=data["note"])
    if accept:
        return gettext("Proposal accepted: the agreed severity applies from the report time.")
    return gettext("Proposal rejected: the severity in force stands.")


def _status(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    services.change_status(
        ticket, data["status"], actor=user, repair=data.get("repair", ""), note=data["note"]
    )
    return gettext("Status changed to %(status)s.") % {
        "status": str(Status(data["status"]).label).lower()
    }


def _close(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    services.change_status(ticket, Status.CLOSED, actor=user, note=data["note"])
    return gettext("Ticket closed.")


def _reopen(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    services.reopen(ticket, actor=user, reason=data["reason"])
    return gettext("Ticket reopened: the clock resumes with the time already used.")


def _pause(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    services.pause_clock(ticket, actor=user, reason=data["reason"])
    return gettext(
        "Clock paused: paused time does not count. The customer's next comment resumes it."
    )


def _resume(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    services.resume_clock(ticket, actor=user, note=data["note"])
    return gettext("Clock resumed with the time already used.")


def _propose(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    severity.propose_severity(ticket, data["severity"], actor=user, reason=data["reason"])
    if is_staff(user):
        return gettext("Severity change proposed; the customer's severity stands until they agree.")
    return gettext("Severity change proposed; the severity in force stands until support agrees.")


def _settle(ticket: Ticket, user: User, data: dict[str, Any], request: HttpRequest) -> str:
    severity.settle_dispute(
        ticket,
        actor=user,
        held_on=data["held_on"],
        attendees=data["attendees"],
        note=data["note"],
    )
    return gettext("Meeting recorded: the dispute is settled and the severity in force stands.")


def _action_view(name: str, action: Action) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, name, action)

    view.__name__ = view.__qualname__ = f"ticket_{name}"
    view.__doc__ = f"POST the ticket page's {name} form."
    return view


ticket_comment = _action_view("comment", _comment)
ticket_attach = _action_view("attach", _attach)
ticket_designate = _action_view("designate", _designate)
ticket_answer = _action_view("answer", _answer)
ticket_status = _action_view("status", _status)
ticket_close = _action_view("close", _close)
ticket_reopen = _action_view("reopen", _reopen)
ticket_pause = _action_view("pause", _pause)
ticket_resume = _action_view("resume", _resume)
ticket_propose = _action_view("propose", _propose)
ticket_settle = _action_view("settle", _settle)


# --- files ----------------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A ticket's file, for those who may see the ticket (customers: not staff-only files);
    always as a download, never rendered inline."""
    queryset = scope(request.user, Attachment.objects.all())
    if not is_staff(request.user):
        queryset = queryset.filter(internal=False)
    attachment = get_or_404(request.user, queryset, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("attachment %s: file %s is missing from storage", pk, attachment.file.name)
        raise Http404("not found") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
