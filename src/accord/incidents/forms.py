"""Forms of the staff pages: incidents, impacts, external sources, ad-hoc maintenance.

Times are typed in the viewer's zone (the form says which) as `YYYY-MM-DD HH:MM`, or with an
explicit offset or `Z`; the engine turns a wall-clock time into an instant (a time skipped by
a daylight saving change means the first instant after it, a repeated one its first pass).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.core.forms import AccordForm
from accord.engine.errors import EngineError
from accord.engine.timeutil import from_epoch, local_to_epoch, parse_clock, parse_date, zone
from accord.incidents.hooks import PayloadError, parse_time
from accord.incidents.models import (
    OPEN_INCIDENT_STATUSES,
    Incident,
    IncidentStatus,
    SourceKind,
)
from accord.monitoring.models import Impact, ModuleRegion

IMPACT_CHOICES = [("", _("No impact (operational)")), *Impact.choices]
OPEN_STATUS_CHOICES = [(s.value, s.label) for s in OPEN_INCIDENT_STATUSES]


def parse_moment(text: str, zone_name: str) -> datetime:
    """`2026-03-11 01:15` in `zone_name`, or an ISO 8601 time with an offset, as UTC."""
    text = text.strip()
    try:
        return parse_time(text.replace(" ", "T", 1), "time")
    except PayloadError:
        pass
    day_text, _, clock_text = text.replace("T", " ", 1).partition(" ")
    try:
        day = parse_date(day_text, "date")
        seconds = parse_clock(clock_text.strip(), "time")
        return from_epoch(local_to_epoch(day, seconds, zone(zone_name)))
    except EngineError:
        raise forms.ValidationError(
            gettext("Enter a date and time as YYYY-MM-DD HH:MM (in %(zone)s), or with an offset."),
            params={"zone": zone_name},
        ) from None


class MomentField(forms.CharField):
    """A date and time in the viewer's zone (set `zone_name` before cleaning)."""

    zone_name = "UTC"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", _("YYYY-MM-DD HH:MM"))

    def clean(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        return parse_moment(text, self.zone_name)


class ZonedForm(AccordForm):
    """A form whose MomentFields read times in `zone_name`, and say so in their help."""

    def __init__(self, *args: Any, zone_name: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        for form_field in self.fields.values():
            if isinstance(form_field, MomentField):
                form_field.zone_name = zone_name
                suffix = gettext(
                    "In %(zone)s, as YYYY-MM-DD HH:MM (or with an offset such as Z)."
                ) % {"zone": zone_name}
                form_field.help_text = f"{form_field.help_text} {suffix}".strip()


def module_region_label(module_region: ModuleRegion) -> str:
    return f"{module_region.module.name} · {module_region.region.name}"


def _module_regions() -> list[ModuleRegion]:
    return list(ModuleRegion.objects.select_related("module", "region"))


class DeclareForm(ZonedForm):
    title = forms.CharField(
        max_length=200, label=_("Title"), help_text=_("Public: what is affected, in a few words.")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=OPEN_STATUS_CHOICES, initial=IncidentStatus.INVESTIGATING
    )
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The first public update."),
    )
    started_at = MomentField(
        required=False, label=_("Started at"), help_text=_("When it began; empty: now.")
    )
    public = forms.BooleanField(
        required=False, initial=True, label=_("Show on the public status page")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module_regions = _module_regions()
        for module_region in self.module_regions:
            self.fields[f"impact_{module_region.pk}"] = forms.ChoiceField(
                choices=IMPACT_CHOICES, required=False, label=module_region_label(module_region)
            )

    def impact_fields(self) -> list[forms.BoundField]:
        return [self[f"impact_{mr.pk}"] for mr in self.module_regions]

    def impacts(self) -> dict[ModuleRegion, str]:
        return {
            mr: self.cleaned_data[f"impact_{mr.pk}"]
            for mr in self.module_regions
            if self.cleaned_data.get(f"impact_{mr.pk}")
        }


class UpdateForm(AccordForm):
    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))


class ImpactForm(ZonedForm):
    target = forms.ChoiceField(label=_("Module and region"))
    impact = forms.ChoiceField(label=_("Impact"), choices=IMPACT_CHOICES, required=False)
    at = MomentField(required=False, label=_("From"), help_text=_("Empty: now."))

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"mr:{mr.pk}", module_region_label(mr)) for mr in _module_regions()]
        from accord.incidents.services import current_outages

        for link in current_outages(incident):
            outage = link.outage
            if outage.organisation_id is not None:
                choices.append(
                    (
                        f"org:{outage.module_region_id}:{outage.organisation_id}",
                        gettext("%(target)s — %(name)s only")
                        % {
                            "target": module_region_label(outage.module_region),
                            "name": outage.organisation.name,  # type: ignore[union-attr]
                        },
                    )
                )
        self.fields["target"].choices = choices


class ResolveForm(ZonedForm):
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The last public update."),
    )
    at = MomentField(required=False, label=_("Resolved at"), help_text=_("Empty: now."))


class ConfirmOutageForm(ZonedForm):
    scope = forms.ChoiceField(
        choices=[
            ("region", _("Every customer in the region (a public incident)")),
            ("customer", _("This customer only (counts for this customer alone)")),
        ],
        widget=forms.RadioSelect,
        initial="region",
        label=_("Whom did the fault hit?"),
    )
    incident = forms.ChoiceField(label=_("Incident"))
    title = forms.CharField(
        max_length=200,
        required=False,
        label=_("Title"),
        help_text=_("For a new incident; empty: a default title."),
    )
    started_at = MomentField(
        required=False,
        label=_("Outage began"),
        help_text=_("Empty: when the fault was reported."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.incidents.services import open_incidents

        self.fields["incident"].choices = [("new", gettext("A new incident"))] + [
            (str(incident.pk), f"#{incident.pk} {incident.title}")
            for incident in open_incidents().order_by("-started_at")[:50]
        ]


class SourceForm(AccordForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    module_region = forms.ModelChoiceField(
        queryset=ModuleRegion.objects.select_related("module", "region"),
        required=False,
        label=_("Default module and region"),
        help_text=_("Used when an alert's labels (or fields) name no module or region."),
    )
    module_label = forms.CharField(
        max_length=100,
        initial="module",
        label=_("Module label"),
        help_text=_("Alertmanager: the label naming the module."),
    )
    region_label = forms.CharField(
        max_length=100,
        initial="region",
        label=_("Region label"),
        help_text=_("Alertmanager: the label naming the region."),
    )
    impact = forms.ChoiceField(
        label=_("Impact"), choices=Impact.choices, initial=Impact.MAJOR_OUTAGE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module_region"].label_from_instance = module_region_label  # type: ignore[attr-defined]


class MaintenanceForm(ZonedForm):
    region = forms.ChoiceField(label=_("Region"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    start = MomentField(label=_("Start"))
    end = MomentField(label=_("End"))
    module_regions = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Modules affected"),
        help_text=_("None ticked: every module of the region."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accord.catalogue.models import Region

        self.regions = {str(r.pk): r for r in Region.objects.all()}
        self.fields["region"].choices = [(pk, r.name) for pk, r in self.regions.items()]
        self.all_module_regions = {str(mr.pk): mr for mr in _module_regions()}
        self.fields["module_regions"].choices = [
            (pk, module_region_label(mr)) for pk, mr in self.all_module_regions.items()
        ]
