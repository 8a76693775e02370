"""Forms of the help-desk pages. They check the shape of the input; the services decide
whether an action is allowed and refuse with a message the page shows beside the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.accounts.access import is_staff, scope
from accord.accounts.models import Organisation, User
from accord.accounts.terms import TERMS_ERROR
from accord.catalogue.models import Module, Region
from accord.core.forms import AccordForm, OptionalChoice
from accord.engine.policy import Policy
from accord.helpdesk import services
from accord.helpdesk.attachments import limits_text
from accord.helpdesk.models import Channel, Repair, Severity, Status, Ticket
from accord.helpdesk.templatetags.helpdesk_tags import STANDING_LABELS

# The standings a queue can be filtered by (accord.engine.clocks.Standing), as the badges say.
STANDING_CHOICES = [
    (standing, label) for standing, label in STANDING_LABELS.items() if standing != TERMS_ERROR
]

NOT_DESIGNATED = _("Not yet designated")


class DescribedRadioSelect(forms.RadioSelect):
    """Radio buttons with a description beside each choice (tied to it for screen readers)."""

    option_template_name = "helpdesk/widgets/described_radio_option.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.descriptions: Mapping[str, str] = {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        description = self.descriptions.get(str(option["value"]), "")
        option["description"] = description
        if description and option["attrs"].get("id"):
            option["description_id"] = f"{option['attrs']['id']}_description"
            option["attrs"]["aria-describedby"] = option["description_id"]
        return option


def severity_label(policy: Policy | None, level: int | None) -> str:
    """ "1 Critical": the level and the policy's name for it."""
    if level is None:
        return str(NOT_DESIGNATED)
    if policy is not None:
        for severity in policy.severities:
            if severity.level == level:
                return f"{level} {severity.name}"
    try:
        return str(Severity(level).label)
    except ValueError:
        return str(level)


def severity_descriptions(policy: Policy) -> dict[str, str]:
    """Each severity's description from the policy (the seed's words) and its target."""
    descriptions = {}
    for severity in policy.severities:
        target = severity.target.to_duration().describe()
        # The policy's own words stay as written; Accord's sentence around them is translated.
        if severity.calendar == "always":
            sentence = gettext(
                "Target: service restored within %(target)s, counted around the clock."
            )
        else:
            sentence = gettext(
                "Target: service restored within %(target)s, counted in support hours."
            )
        descriptions[str(severity.level)] = (
            f"{severity.description} {sentence % {'target': target}}"
        )
    descriptions[""] = gettext(
        "Choose this if you are not sure yet. Designate the severity on the ticket as soon as "
        "you can: its target then applies from the time you reported the fault."
    )
    return descriptions


def severity_choices(policy: Policy, *, with_undesignated: bool) -> list[tuple[str, str]]:
    choices = [(str(s.level), severity_label(policy, s.level)) for s in policy.severities]
    return ([("", NOT_DESIGNATED)] if with_undesignated else []) + choices


def _severity_field(policy: Policy, *, label: str, with_undesignated: bool) -> forms.Field:
    field = forms.TypedChoiceField(
        label=label,
        choices=severity_choices(policy, with_undesignated=with_undesignated),
        coerce=int,
        empty_value=None,
        required=not with_undesignated,
        widget=DescribedRadioSelect,
    )
    field.widget.descriptions = severity_descriptions(policy)
    return field


class RaiseForm(AccordForm):
    """Report a fault. The vendor's staff (taking a call, say) also name the customer."""

    organisation = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose a customer"),
    )
    channel = forms.ChoiceField(
        label=_("Reported by"),
        choices=[(c, Channel(c).label) for c in (Channel.PHONE, Channel.EMAIL, Channel.PORTAL)],
    )
    module = forms.ModelChoiceField(
        label=_("Affected module"), queryset=Module.objects.all(), empty_label=_("Choose a module")
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line saying what is wrong, e.g. “Release calendar does not load”."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What you were doing, what happened, what you expected, any error message, "
            "and who is affected."
        ),
    )

    def __init__(self, *args: Any, user: User, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"] = _severity_field(
            policy, label=_("Severity"), with_undesignated=True
        )
        self.fields["severity"].initial = ""
        if is_staff(user):
            self.fields["organisation"].queryset = scope(user, Organisation.objects.all())
        else:
            del self.fields["organisation"]
            del self.fields["channel"]


class TicketActionForm(AccordForm):
    """A form of the ticket page: knows the ticket and the person acting."""

    def __init__(self, *args: Any, ticket: Ticket, user: User, policy: Policy, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.user = user
        self.policy = policy


class CommentForm(TicketActionForm):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(
        label=_("Internal note: staff only, the customer never sees it"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_staff(self.user):
            del self.fields["internal"]


class AttachmentForm(TicketActionForm):
    file = forms.FileField(label=_("File"))
    internal = forms.BooleanField(
        label=_("Staff only: the customer never sees this file"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = limits_text()
        if not is_staff(self.user):
            del self.fields["internal"]


class DesignateForm(TicketActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"] = _severity_field(
            self.policy, label=_("Severity"), with_undesignated=False
        )
        self.fields["severity"].initial = (
            str(self.ticket.severity) if self.ticket.severity is not None else None
        )


class AnswerForm(TicketActionForm):
    decision = forms.ChoiceField(
        label=_("Your answer"), choices=[("accept", _("Accept")), ("reject", _("Reject"))]
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StatusForm(TicketActionForm):
    status = forms.ChoiceField(label=_("New status"))
    repair = forms.ChoiceField(
        label=_("Repair (when restoring service)"),
        choices=Repair.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("A temporary repair stops the clock too; the permanent fix is tracked after."),
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = next_statuses(self.ticket)
        self.fields["status"].choices = [(s, Status(s).label) for s in allowed]
        if Status.RESTORED not in allowed:
            del self.fields["repair"]  # only a restoration says how service came back


def next_statuses(ticket: Ticket) -> tuple[str, ...]:
    """The statuses the vendor's staff may move the ticket to now. After a restoration by a
    permanent repair there is no later fix to deliver: closing is what is left."""
    allowed = services._TRANSITIONS.get(ticket.status, ())  # noqa: SLF001 (the services' table)
    if ticket.status == Status.RESTORED and ticket.repair == Repair.PERMANENT:
        allowed = tuple(s for s in allowed if s != Status.FIX_DELIVERED)
    return allowed


class CloseForm(TicketActionForm):
    """The customer closes a ticket whose service is back."""

    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(TicketActionForm):
    reason = forms.CharField(
        label=_("How did the fault return?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class PauseForm(TicketActionForm):
    reason = forms.CharField(
        label=_("Why is the clock paused?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer sees this reason. Their next comment resumes the clock."),
    )


class ResumeForm(TicketActionForm):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class ProposeForm(TicketActionForm):
    """Either side proposes another severity; the other side accepts or rejects it."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer sees this reason and accepts or rejects the proposal."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _severity_field(self.policy, label=_("Proposed severity"), with_undesignated=False)
        self.fields = {"severity": field, **self.fields}
        if not is_staff(self.user):
            self.fields["reason"].help_text = _(
                "Support sees this reason; a support manager accepts or rejects the proposal."
            )


class SettleForm(TicketActionForm):
    """The meeting that settled an unresolved severity dispute (the severity in force stands)."""

    held_on = forms.DateField(
        label=_("Meeting held on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    attendees = forms.CharField(
        label=_("Who met"),
        max_length=300,
        help_text=_("Name the people of both sides, e.g. “Morgan (vendor), Ada (Acme)”."),
    )
    note = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class QueueFilterForm(AccordForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    standing = forms.ChoiceField(label=_("Standing"), required=False)
    raised_from = forms.DateField(
        label=_("Raised from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    raised_to = forms.DateField(
        label=_("Raised to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    module = OptionalChoice(_("Module"), Module.objects.all(), _("All modules"))
    region = OptionalChoice(_("Region"), Region.objects.all(), _("All regions"))
    customer = OptionalChoice(_("Customer"), Organisation.objects.none(), _("All customers"))
    view = forms.CharField(required=False, widget=forms.HiddenInput)  # the ownership tab kept

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [
            ("", _("All severities")),
            *((str(value), label) for value, label in Severity.choices),
            ("none", NOT_DESIGNATED),
        ]
        self.fields["customer"].queryset = scope(user, Organisation.objects.all())
        self.fields["standing"].choices = [("", _("Any standing")), *STANDING_CHOICES]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("raised_from"), cleaned.get("raised_to")
        if first and last and last < first:
            self.add_error("raised_to", _("must be on or after the first date"))
        return cleaned


class TicketListFilterForm(QueueFilterForm):
    """The ticket list's filters: the queue's, plus the status; a customer's people filter
    their own organisation's tickets only, so they have no customer field."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    show = forms.CharField(required=False, widget=forms.HiddenInput)  # the tab kept

    field_order = ["q", "status", "severity", "standing", "module", "region", "customer"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["view"]
        if not is_staff(user):
            del self.fields["customer"]
        self.fields["status"].choices = [("", _("Any status")), *Status.choices]
