"""The ticket page's ownership form (accord.helpdesk.assignment) and the agent groups list.

The panel on the ticket page is `{% ticket_ownership ticket %}` (templatetags/
assignment_tags.py); its form posts here. Staff only: a customer gets *not found*. Success goes
back to the ticket page (PRG); a refusal is shown on the form, on a page of its own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accord.accounts.access import get_or_404, is_staff
from accord.accounts.models import User
from accord.core.forms import AccordForm, refusal_shown
from accord.helpdesk import assignment, selectors
from accord.helpdesk.models import AgentGroup


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class AssignForm(AccordForm):
    assignee = _PersonChoice(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=AgentGroup.objects.all(),
        required=False,
        empty_label=_("No group"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active staff only: anyone else is "not a valid choice", an error on the field.
        self.fields["assignee"].queryset = assignment.assignable_staff()


def assign_form(ticket: Any, prefix: str = "assign", data: Any = None) -> AssignForm:
    initial = {"assignee": ticket.assignee_id, "group": ticket.group_id}
    return AssignForm(data, prefix=prefix, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign, reassign or unassign a ticket (staff)."""
    user = request.user
    if not is_staff(user):
        raise Http404("not found")
    ticket = get_or_404(user, selectors.visible_tickets(user), pk=pk)
    form = assign_form(ticket, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(form):
            with transaction.atomic():
                locked = get_or_404(
                    user, selectors.visible_tickets(user).select_for_update(of=("self",)), pk=pk
                )
                assignment.assign(
                    locked,
                    actor=user,
                    assignee=form.cleaned_data["assignee"],
                    group=form.cleaned_data["group"],
                )
            messages.success(request, gettext("Assignment saved."))
            return redirect("ticket_detail", pk=pk)
    return render(request, "helpdesk/ticket_assign.html", {"ticket": ticket, "form": form})


@login_required
@require_GET
def agent_groups(request: HttpRequest) -> HttpResponse:
    """The agent groups and their members, read-only (managed in the Django admin)."""
    if not is_staff(request.user):
        raise Http404("not found")
    groups = AgentGroup.objects.prefetch_related("members").order_by("name")
    return render(request, "helpdesk/agent_groups.html", {"groups": groups})
