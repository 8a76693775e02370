"""Two-factor sign-in with TOTP (django-otp's otp_totp device).

* Enrolment (account settings -> two-factor): an unconfirmed device is made, its QR code shown
  as inline SVG (segno) with the secret for manual entry; it counts only once a valid code
  confirms it.
* Sign-in: after the right password, a person with a confirmed device is not signed in yet;
  the session holds their id (`PENDING_KEY`) and the code page asks for the 6-digit code.
* Removal: with a current code.
* Guessing is throttled by django-otp's own throttle on the device (each failure doubles the
  wait, `OTP_TOTP_THROTTLE_FACTOR`), and the code page answers "try again in N seconds".
* `TwoFactorPolicy.staff_required`: a staff member without a confirmed device is sent to
  enrolment by `RequireTwoFactorMiddleware` and reaches nothing else until enrolled.

API tokens are a separate credential and are not affected (docs/accounts.md).
"""

from __future__ import annotations

import math
from base64 import b32encode
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.access import is_staff
from accord.accounts.models import Role, TwoFactorPolicy, User

PENDING_KEY = "accord_two_factor_user"
PENDING_NEXT_KEY = "accord_two_factor_next"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PolicyForm(forms.Form):
    staff_required = forms.BooleanField(
        label=_("Require two-factor sign-in for the vendor's staff"), required=False
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _wait_seconds(device: TOTPDevice) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data:
        return 0
    locked_until = data.get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def check_code(form: CodeForm, device: TOTPDevice) -> bool:
    """Whether the form's code is valid for the device; errors on the form when not."""
    if not form.is_valid():
        return False
    wait = _wait_seconds(device)
    if wait:
        form.add_error(
            None,
            gettext("Too many wrong codes. Try again in %(seconds)d seconds.") % {"seconds": wait},
        )
        return False
    if not device.verify_token(form.cleaned_data["code"]):  # counts a failure (throttle)
        form.add_error("code", gettext("That code is not right (or no longer current)."))
        return False
    return True


def begin(request: HttpRequest, user: User, next_url: str | None) -> bool:
    """After the right password: True when a second step is needed (the user is kept in the
    session, not signed in)."""
    if confirmed_device(user) is None:
        return False
    request.session[PENDING_KEY] = user.pk
    request.session[PENDING_NEXT_KEY] = next_url or ""
    return True


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: the code from the authenticator app."""
    pending = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    device = confirmed_device(user) if user else None
    if user is None or device is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if check_code(form, device):
            next_url = request.session.get(PENDING_NEXT_KEY) or "home"
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            return redirect(next_url)
        status = 429 if _wait_seconds(device) and form.non_field_errors() else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=status)


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=gettext("QR code"))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol (scan, then confirm with a code), or remove the device with a current code."""
    user = request.user
    device = confirmed_device(user)
    form = CodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and check_code(form, device):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, gettext("Two-factor sign-in is removed."))
            return redirect("account_settings")
        return render(request, "accounts/two_factor_setup.html", {"form": form, "enrolled": True})
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    if request.method == "POST" and check_code(form, pending):
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        otp_login(request, pending)
        messages.success(request, gettext("Two-factor sign-in is on."))
        return redirect("account_settings")
    context = {
        "form": form,
        "enrolled": False,
        "qr": mark_safe(_qr_svg(pending)),  # segno's own SVG: no user input in it
        "secret": b32encode(pending.bin_key).decode(),
        "required": is_staff(user) and TwoFactorPolicy.current().staff_required,
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """Vendor admins: whether the staff must use two-factor sign-in."""
    if not (request.user.is_active and request.user.role == Role.VENDOR_ADMIN):
        raise Http404("not found")
    current = TwoFactorPolicy.current()
    form = PolicyForm(request.POST or None, initial={"staff_required": current.staff_required})
    if request.method == "POST" and form.is_valid():
        current.staff_required = form.cleaned_data["staff_required"]
        current.save()
        if current.staff_required:
            messages.success(request, gettext("Two-factor sign-in is now required for staff."))
        else:
            messages.success(request, gettext("Two-factor sign-in is now optional for staff."))
        return redirect("two_factor_policy")
    return render(request, "accounts/two_factor_policy.html", {"form": form})


class RequireTwoFactorMiddleware:
    """When the vendor requires it, a signed-in staff member without a confirmed device
    reaches only enrolment and signing out. The API (tokens) is not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            is_staff(user)
            and not request.path.startswith(("/api/", "/static/", "/healthz"))
            and request.path not in (reverse("two_factor_setup"), reverse("logout"))
            and TwoFactorPolicy.objects.filter(pk=1, staff_required=True).exists()
            and confirmed_device(user) is None
        ):
            messages.info(
                request, gettext("Two-factor sign-in is required for staff: set it up first.")
            )
            return redirect("two_factor_setup")
        return self.get_response(request)
