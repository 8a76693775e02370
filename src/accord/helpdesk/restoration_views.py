"""The ticket page's "Service not restored" forms (accord.helpdesk.restoration).

The panel on the ticket page is `{% restoration_contest ticket %}` (templatetags/
restoration_tags.py). Its two forms post here: the customer contests the restoration, a support
manager or a vendor admin answers the contest. Success goes back to the ticket page (PRG); a
refusal is shown on the form, on a page of its own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accord.accounts.access import get_or_404, scope
from accord.core.forms import AccordForm, refusal_shown
from accord.helpdesk import restoration
from accord.helpdesk.models import Ticket


class ContestForm(AccordForm):
    reason = forms.CharField(
        label=gettext_lazy("What still does not work?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Support reads this. The clock runs again from now until they answer."
        ),
    )


class ContestAnswerForm(AccordForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Your answer"),
        choices=[
            ("accept", gettext_lazy("Agree: the restoration never held (withdraw it)")),
            (
                "reject",
                gettext_lazy("Disagree: service was restored (the dispute goes on the report)"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note (required to disagree; the customer reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _tickets(request: HttpRequest) -> Any:
    return scope(request.user, Ticket.objects.all()).select_related(
        "organisation__contract", "organisation__region", "module", "region", "reported_by"
    )


def _act(request: HttpRequest, pk: int, form: forms.Form, title: str, act: Any) -> HttpResponse:
    ticket = get_or_404(request.user, _tickets(request), pk=pk)  # not found before anything
    if request.method == "POST" and form.is_valid():
        with refusal_shown(form):
            with transaction.atomic():
                locked = get_or_404(
                    request.user, _tickets(request).select_for_update(of=("self",)), pk=pk
                )
                done = act(locked, form.cleaned_data)
            messages.success(request, done)
            return redirect("ticket_detail", pk=pk)
    panel = restoration.contest_panel(ticket, request.user, timezone.now())
    context = {"ticket": ticket, "form": form, "title": title, "panel": panel}
    return render(request, "helpdesk/restoration_contest.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_contest(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer: service was not restored."""
    form = ContestForm(request.POST or None, prefix="contest")

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        restoration.contest_restoration(ticket, actor=request.user, reason=data["reason"])
        return _("Restoration contested: the clock runs again until support answers.")

    return _act(request, pk, form, _("Service not restored"), act)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_contest_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A support manager or a vendor admin answers the open contest."""
    form = ContestAnswerForm(request.POST or None, prefix="contest-answer")

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        accept = data["decision"] == "accept"
        restoration.answer_contest(ticket, actor=request.user, accept=accept, note=data["note"])
        if accept:
            return _("Restoration withdrawn: the clock counts from the report to the real one.")
        return _(
            "Contest rejected: the time before the contest does not count, and the dispute goes "
            "on the report. The clock runs from the contest until service is restored again."
        )

    return _act(request, pk, form, _("Answer the contested restoration"), act)
