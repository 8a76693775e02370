"""`{% restoration_contest ticket %}`: the ticket page's panel of a contested restoration.

For the customer, within the contract's window after a restoration: the "Service not restored"
form and its deadline. For everyone, an open contest ("Restoration contested") and the answers
given; for a support manager or a vendor admin, the form to answer the open contest.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accord.helpdesk import restoration
from accord.helpdesk.restoration_views import ContestAnswerForm, ContestForm

register = template.Library()


@register.inclusion_tag("helpdesk/_restoration_contest.html", takes_context=True)
def restoration_contest(context: template.Context, ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    panel = restoration.contest_panel(ticket, user, timezone.now()) if user else None
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "panel": panel,
        "staff": context.get("staff", False),
        "contest_form": ContestForm(prefix="contest") if panel and panel.can_contest else None,
        "answer_form": (
            ContestAnswerForm(prefix="contest-answer") if panel and panel.can_answer else None
        ),
    }
