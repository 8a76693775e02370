"""Forms of the dashboard and the contract simulator: plain GET forms (they work with
JavaScript off and change nothing). They check the shape of the input; the engine checks the
terms, and its refusal is shown beside the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.accounts.access import scope
from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module, Region
from accord.core.display import format_span
from accord.core.forms import AccordForm, OptionalChoice
from accord.dashboard import services, simulator
from accord.engine.errors import EngineError
from accord.engine.policy import Policy
from accord.engine.timeutil import month_bounds, zone

SORT_CHOICES = [(key, key) for key in services.SORTS] + [
    (f"-{key}", f"-{key}") for key in services.SORTS
]


CUSTOMER_CHOICES = 200  # beyond, the customer filter is a text field (no list of thousands)


class DashboardFilterForm(AccordForm):
    customer = OptionalChoice(
        "Customer", Organisation.objects.none(), "All customers", to_field_name="slug"
    )
    region = OptionalChoice("Region", Region.objects.all(), "All regions", to_field_name="code")
    module = OptionalChoice("Module", Module.objects.all(), "All modules", to_field_name="slug")
    at_risk = forms.BooleanField(label=_("Only customers with tickets at risk"), required=False)
    below_target = forms.BooleanField(label=_("Only modules below target"), required=False)
    sort = forms.ChoiceField(
        choices=SORT_CHOICES, required=False, widget=forms.HiddenInput, initial="customer"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = services.customers_with_contracts(scope(user, Organisation.objects.all()))
        self.fields["customer"].queryset = customers
        if customers.count() > CUSTOMER_CHOICES:  # a fleet: the customer's slug, typed
            self.fields["customer"].widget = forms.TextInput(attrs={"placeholder": "slug"})


CALENDAR_PRESETS = [
    ("contract", _("The contract's support hours")),
    ("always", _("24×7 (every hour of every day)")),
    ("business", _("Monday–Friday 08:00–18:00 in the time zone below")),
    ("custom", _("Edit the calendar (JSON below)")),
]
SEVERITY_CALENDARS = [
    ("", _("As the contract")),
    ("support_hours", _("Support hours")),
    ("always", _("24×7")),
]


def customer_field() -> forms.ModelChoiceField:
    """The customer a form is about, by slug; the view sets the organisations it may name."""
    return forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose a customer"),
        to_field_name="slug",
    )


class SimulatorForm(AccordForm):
    customer = customer_field()
    month_from = forms.CharField(
        label=_("Month"),
        max_length=7,
        help_text=_("YYYY-MM, in the contract's reporting time zone"),
    )
    month_to = forms.CharField(
        label=_("Through month"),
        max_length=7,
        required=False,
    )
    calendar = forms.ChoiceField(
        label=_("Support calendar"),
        choices=CALENDAR_PRESETS,
        initial="contract",
        # Its radios would be id_calendar_0, _1, … the ids of the severities' calendar_1, _2
        # fields; a label would then change another field. Its own prefix keeps them apart.
        widget=forms.RadioSelect(attrs={"id": "id_calendar_preset"}),
    )
    calendar_timezone = forms.CharField(
        label=_("Time zone of Monday–Friday 08:00–18:00"),
        max_length=64,
        required=False,
        help_text=_("An IANA zone such as Europe/London (default: the customer's region)"),
    )
    region_holidays = forms.BooleanField(
        label=_("Closed on the region's public holidays (Monday–Friday preset)"), required=False
    )
    calendar_json = forms.CharField(
        label=_("Calendar (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'A support-hours object: {"timezone": "region" or an IANA zone, "weekly": {"mon": '
            '[["08:00", "18:00"]], ...}, "holidays": ["2026-12-25"], "region_holidays": true} '
            'or {"always": true}.'
        ),
    )
    target_percent = forms.CharField(
        label=_("Uptime target (%)"),
        max_length=12,
        required=False,
        help_text=_("Blank: the contract's"),
    )
    penalties = forms.CharField(
        label=_("Penalty schedule (TOML or JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_("Blank: the contract's. The contract's schedule is shown below, to copy."),
    )

    def __init__(self, *args: Any, user: User, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = services.customers_with_contracts(
            scope(user, Organisation.objects.all())
        )
        self.fields["month_to"].help_text = gettext(
            "Optional: a range of up to %(most)s months"
        ) % {"most": simulator.MAX_MONTHS}
        self.levels = [severity.level for severity in policy.severities]
        for severity in policy.severities:
            # The policy's own target and name; the span in the active language's words.
            duration = severity.target.to_duration()
            target = format_span(duration.days * 24 * 3600 + duration.seconds)
            counted = gettext("24×7") if severity.calendar == "always" else gettext("support hours")
            named = {"level": severity.level, "name": severity.name}
            self.fields[f"calendar_{severity.level}"] = forms.ChoiceField(
                label=gettext("Severity %(level)s %(name)s: counted in") % named,
                choices=SEVERITY_CALENDARS,
                required=False,
                help_text=gettext("The contract: %(counted)s") % {"counted": counted},
            )
            self.fields[f"target_{severity.level}"] = forms.CharField(
                label=gettext("Severity %(level)s %(name)s: return-to-service target") % named,
                max_length=30,
                required=False,
                help_text=gettext(
                    "The contract: %(target)s. Write 4h, 12h, 2d or 1d 4h (support time)."
                )
                % {"target": target},
            )

    def severity_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"calendar_{level}"], self[f"target_{level}"]) for level in self.levels]

    def clean_month_from(self) -> str:
        return _month(self.cleaned_data["month_from"])

    def clean_month_to(self) -> str:
        value = self.cleaned_data["month_to"].strip()
        return _month(value) if value else ""

    def clean_calendar_timezone(self) -> str:
        value = self.cleaned_data["calendar_timezone"].strip()
        if value:
            try:
                zone(value)
            except EngineError as error:
                raise forms.ValidationError(error.problem) from None
        return value

    def clean_target_percent(self) -> str:
        value = self.cleaned_data["target_percent"].strip().removesuffix("%").strip()
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for level in self.levels:
            text = data.get(f"target_{level}", "")
            if text:
                try:
                    data[f"parsed_target_{level}"] = simulator.parse_target(text)
                except ValueError as error:
                    self.add_error(f"target_{level}", str(error))
        organisation = data.get("customer")
        first, last = data.get("month_from"), data.get("month_to")
        if organisation is not None and first:
            last = last or first
            months = simulator.month_range(first, last)
            if not months:
                self.add_error("month_to", gettext("must be the same month as Month or later"))
            elif len(months) > simulator.MAX_MONTHS:
                self.add_error(
                    "month_to",
                    gettext("a range is at most %(most)s months (%(given)s given)")
                    % {"most": simulator.MAX_MONTHS, "given": len(months)},
                )
            else:
                from django.utils import timezone

                this_month, _ = services.current_month(organisation.contract, timezone.now())
                if last > this_month:
                    field = "month_to" if data.get("month_to") else "month_from"
                    self.add_error(
                        field,
                        gettext("must be %(month)s or earlier (months not begun)")
                        % {"month": this_month},
                    )
                data["months"] = months
        if data.get("calendar") == "custom" and not data.get("calendar_json", "").strip():
            self.add_error(
                "calendar_json", gettext("give the calendar as JSON (or choose a preset)")
            )
        return data


def _month(value: str) -> str:
    value = value.strip()
    try:
        month_bounds(value, zone("UTC"))
    except EngineError:
        raise forms.ValidationError(
            gettext("%(value)r is not a month YYYY-MM") % {"value": value}
        ) from None
    return value


class ReplayForm(AccordForm):
    """Replay under a published SLA: a customer, a month, a shipped policy (its own prefix, so
    its fields never meet the simulator's)."""

    prefix = "replay"

    customer = customer_field()
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        help_text=_("YYYY-MM; a quarterly policy measures the quarter that holds it"),
    )
    policy = forms.ChoiceField(label=_("Published SLA"), choices=())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        from accord.dashboard.replay import policy_choices

        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = services.customers_with_contracts(
            scope(user, Organisation.objects.all())
        )
        self.fields["policy"].choices = policy_choices()

    def clean_month(self) -> str:
        return _month(self.cleaned_data["month"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        organisation, month = data.get("customer"), data.get("month")
        if organisation is not None and month:
            from django.utils import timezone

            this_month, _name = services.current_month(organisation.contract, timezone.now())
            if month > this_month:
                self.add_error(
                    "month",
                    gettext("must be %(month)s or earlier (months not begun)")
                    % {"month": this_month},
                )
        return data
