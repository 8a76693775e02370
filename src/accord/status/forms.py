"""The status page's forms: subscribing by email, and the staff's demo switch."""

from __future__ import annotations

from django import forms

from accord.catalogue.models import Region
from accord.core.forms import AccordForm, OptionalChoice


class SubscribeForm(AccordForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    region = OptionalChoice(
        "Updates for", Region.objects.all(), "Every region", to_field_name="code"
    )


class SimulateForm(AccordForm):
    action = forms.ChoiceField(choices=[("down", "Simulate an outage"), ("up", "Restore")])
    back = forms.ChoiceField(
        choices=[("region", "The region's page"), ("overall", "Every region")], required=False
    )
