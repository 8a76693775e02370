"""The audit log page's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organisation, User
from accord.audit import registry, services
from accord.core.forms import AccordForm, OptionalChoice


class AuditFilterForm(AccordForm):
    organisation = OptionalChoice(
        _("Organisation"), Organisation.objects.none(), _("All organisations"), to_field_name="slug"
    )
    type = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if services.may_choose_organisation(user):
            self.fields["organisation"].queryset = services.organisations(user)  # type: ignore[attr-defined]
        else:
            del self.fields["organisation"]
        self.fields["type"].choices = [("", _("Everything")), *registry.object_types()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> services.Filters:
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return services.Filters(
            organisation=data.get("organisation"),
            object_type=data.get("type") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
