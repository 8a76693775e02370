"""Forms of the account pages: login, invitations, people, API tokens and one's settings."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import CUSTOMER_ROLES, STAFF_ROLES, Organisation, Role, User
from accord.core.forms import AccordForm, OptionalChoice


class LoginForm(AccordForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AcceptInvitationForm(AccordForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            # The validators compare the password with the person's name and address too.
            candidate = User(
                email=self.email,
                username=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class InviteForm(AccordForm):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))
    organisation = OptionalChoice(
        "Organisation",
        Organisation.objects.none(),
        help_text=_("Needed for a customer's people; leave empty for the vendor's staff."),
    )

    def __init__(self, *args: Any, inviter: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if inviter.role == Role.VENDOR_ADMIN:
            self.fields["role"].choices = Role.choices
            self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        else:
            self.fields["role"].choices = [c for c in Role.choices if c[0] in CUSTOMER_ROLES]
            del self.fields["organisation"]
        self.inviter = inviter

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "organisation" not in self.fields:
            data["organisation"] = self.inviter.organisation
            return data
        role, organisation = data.get("role"), data.get("organisation")
        if role in CUSTOMER_ROLES and organisation is None:
            self.add_error("organisation", "Choose the organisation this person belongs to.")
        if role in STAFF_ROLES and organisation is not None:
            self.add_error("organisation", "The vendor's staff belong to no organisation.")
        return data


class TokenForm(AccordForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “monitoring script”."),
    )


class SettingsForm(AccordForm):
    """What a person sets for themselves: the time zone their pages and emails show times in."""

    timezone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Every time Accord shows you, on its pages and in its emails, is in this zone,"
            " with the zone named."
        ),
    )

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Accord's pages and emails to you are in this language."),
    )

    def __init__(self, *args: Any, default_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Default: your browser's language")),
            *settings.LANGUAGES,
        ]
        zones = sorted(available_timezones() - {"localtime"})
        self.fields["timezone"].choices = [
            ("", _("Default: %(zone)s") % {"zone": default_zone})
        ] + [(zone, zone) for zone in zones]


class TermsForm(AccordForm):
    """A new version of a contract's terms: the whole policy as TOML, checked by the engine
    when saved (`accord.accounts.terms.add_version`)."""

    policy_text = forms.CharField(
        label=_("Policy (TOML)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        strip=False,
        help_text=_("Fields: docs/sla-model.md. A problem is shown with its field and line."),
    )
    effective_from = forms.DateField(
        label=_("In force from"),
        help_text=_(
            "The first day of a month, this month or later. Earlier months keep their terms."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    monthly_fee = forms.DecimalField(
        label=_("Monthly fee"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(
        label=_("Why the terms change"),
        max_length=500,
        help_text=_("Both sides read it in the contract's history."),
    )
