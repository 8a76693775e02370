"""Password reset by emailed link and password change: Django's auth views, throttled, with the
email sent through Accord's mail path on the configured base URL.

The reset link carries Django's `default_token_generator` token: it hashes the password and
`last_login`, so it stops working once used (the password changes) or once the person signs in,
and after `PASSWORD_RESET_TIMEOUT` seconds. The answer to a request is the same whether or not
the address has an account.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from accord.accounts.models import PasswordResetRequest, User
from accord.core.links import absolute_url
from accord.core.proxies import client_address

RESET_WINDOW = timedelta(hours=1)
RESET_LIMIT_PER_EMAIL = 3
RESET_LIMIT_PER_ADDRESS = 10


def reset_wait(email: str, address: str | None, *, now: datetime | None = None) -> int:
    """Minutes until another reset request is allowed for this email or address; 0: now."""
    now = now or timezone.now()
    recent = PasswordResetRequest.objects.filter(at__gte=now - RESET_WINDOW)
    waits = []
    for rows, limit in (
        (recent.filter(email=email.lower()), RESET_LIMIT_PER_EMAIL),
        (recent.filter(address=address) if address else recent.none(), RESET_LIMIT_PER_ADDRESS),
    ):
        times = list(rows.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            # The oldest of the last `limit` leaves the window first.
            waits.append((times[-1] + RESET_WINDOW - now).total_seconds())
    return max(1, math.ceil(max(waits) / 60)) if waits else 0


def record_reset_request(email: str, address: str | None, *, now: datetime | None = None) -> None:
    at = now or timezone.now()
    PasswordResetRequest.objects.create(email=email.lower(), address=address, at=at)
    PasswordResetRequest.objects.filter(at__lt=at - RESET_WINDOW * 4).delete()


def reset_link(user: User) -> str:
    """The absolute reset link, on the configured base URL (never the request's Host header)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("password_reset_confirm", args=[uid, token]))


class ResetForm(PasswordResetForm):
    """Django's form, with Accord's email: the link on the base URL, plain text."""

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        email = self.cleaned_data["email"]
        for user in self.get_users(email):
            context = {"user": user, "link": reset_link(user), "hours": _hours()}
            send_mail(
                subject=gettext("Reset your Accord password"),
                message=render_to_string("accounts/password_reset_email.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )


def _hours() -> int:
    return max(1, int(settings.PASSWORD_RESET_TIMEOUT // 3600))


class PasswordReset(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: ResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].lower()
        address = client_address(self.request)
        minutes = reset_wait(email, address)
        if minutes:
            form.add_error(
                None,
                gettext("Too many password-reset requests. Try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        record_reset_request(email, address)
        return super().form_valid(form)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account_settings")

    def form_valid(self, form: Any) -> HttpResponse:
        from django.contrib import messages

        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password is changed."))
        return response
