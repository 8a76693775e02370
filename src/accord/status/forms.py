"""The status page's forms: subscribing by email, and the staff's demo switch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.catalogue.models import Module, Region
from accord.core.errors import Invalid
from accord.core.forms import AccordForm, OptionalChoice
from accord.status.hooks import check_url
from accord.status.models import Channel


class SubscribeForm(AccordForm):
    channel = forms.ChoiceField(
        label=_("Send updates by"),
        choices=Channel.choices,
        initial=Channel.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    url = forms.URLField(
        label=_("Webhook or Slack URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("A signed webhook: an https URL. Slack: an incoming webhook's URL."),
    )
    region = OptionalChoice(
        "Updates for", Region.objects.all(), "Every region", to_field_name="code"
    )
    modules = forms.ModelMultipleChoiceField(
        Module.objects.order_by("position", "name"),
        label=_("Modules"),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every module."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel") or Channel.EMAIL
        data["channel"] = channel
        if channel == Channel.EMAIL:
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", _("Give the address to send updates to."))
        elif "url" not in self.errors:
            if not data.get("url"):
                self.add_error("url", _("Give the URL to send updates to."))
            else:
                try:
                    data["url"] = check_url(channel, data["url"])
                except Invalid as refused:
                    self.add_error("url", str(refused).removeprefix("url: "))
        return data


class PageSubscribeForm(SubscribeForm):
    """The status page's own short form: an email address and a region (every module); the
    subscribe page has the rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("channel", "url", "modules"):
            del self.fields[name]


class SimulateForm(AccordForm):
    action = forms.ChoiceField(choices=[("down", "Simulate an outage"), ("up", "Restore")])
    back = forms.ChoiceField(
        choices=[("region", "The region's page"), ("overall", "Every region")], required=False
    )
