"""Account pages: where "/" leads, sign in and out, accept an invitation, people, personal API
tokens.

Thin views: a form validates the input, a service in `accord.accounts.services` acts inside a
transaction, and a refusal is shown on the form. Pages a person's role does not include are
*not found* for them, like another organisation's data.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts import services, two_factor
from accord.accounts.access import is_customer_admin, is_staff, scope
from accord.accounts.emails import send_invitation
from accord.accounts.forms import (
    AcceptInvitationForm,
    InviteForm,
    LoginForm,
    SettingsForm,
    TokenForm,
)
from accord.accounts.models import ApiToken, Invitation, Role, User
from accord.accounts.people import allowed_roles, change_person, find_person
from accord.accounts.services import (
    LOGIN_FAILURE_WINDOW,
    Refused,
    accept_invitation,
    clear_login_failures,
    find_invitation,
    invite,
    issue_token,
    login_locked,
    record_login_failure,
    visible_users,
)
from accord.core.display import vendor_zone
from accord.core.forms import refusal_shown
from accord.core.proxies import client_address

logger = logging.getLogger(__name__)

# The session key holding a new token's secret until the tokens page shows it, once.
NEW_TOKEN_SESSION_KEY = "accord_new_api_token"


@require_safe
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Where "/" leads: the login page, the staff's queue, or a customer's tickets."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_staff(request.user):
        return redirect("queue")
    return redirect("ticket_list")


@require_http_methods(["GET", "POST"])
def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The Django admin's sign-in page: Accord's own (password, then the two-factor code)."""
    target = _next_url(request) or "/admin/"
    return redirect_to_login(target)


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Password sign-in, throttled: after repeated failures the account (and the address) is
    locked for a while, and the page says so instead of checking the password."""
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(_next_url(request) or "home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        address = client_address(request)
        if login_locked(email, address):
            minutes = int(LOGIN_FAILURE_WINDOW.total_seconds() // 60)
            form.add_error(
                None,
                "Too many failed sign-in attempts. Sign-in is locked for up to "
                f"{minutes} minutes; wait and try again, or ask your administrator.",
            )
            status = 429
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                record_login_failure(email, address)
                form.add_error(None, "That email address and password do not match an account.")
            else:
                clear_login_failures(email)
                if two_factor.begin(request, user, _next_url(request)):
                    return redirect("two_factor_verify")
                login(request, user)
                return redirect(_next_url(request) or "home")
    context = {"form": form, "next": _next_url(request) or ""}
    return render(request, "accounts/login.html", context, status=status)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation's email links to: choose a name and password, then sign in."""
    invitation = find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(form):
            with transaction.atomic():
                # Read it again under the write lock: a link works once.
                invitation = find_invitation(token)
                if invitation is None:
                    raise Refused(gettext("this invitation has just been used or has expired"))
                if User.objects.filter(email__iexact=invitation.email).exists():
                    raise Refused(gettext("someone with this email address already has an account"))
                user = accept_invitation(
                    invitation,
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, gettext("Welcome to Accord. Your account is ready."))
            return redirect("home")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/accept_invitation.html", context)


def _manages_people(user: User) -> bool:
    return is_customer_admin(user) or user.role == Role.VENDOR_ADMIN


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    """A customer admin's people (a vendor admin's: everyone), and invitations by email."""
    user = request.user
    if not _manages_people(user):
        raise Http404("not found")
    form = InviteForm(request.POST or None, inviter=user)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        with refusal_shown(form):
            with transaction.atomic():
                invitation, token = invite(
                    inviter=user,
                    email=email,
                    role=form.cleaned_data["role"],
                    organisation=form.cleaned_data["organisation"],
                )
            # Sent after the commit: an invitation that exists is never lost to a mail error.
            try:
                send_invitation(invitation, token)
            except OSError:
                logger.exception("sending the invitation to %s failed", email)
                messages.error(
                    request,
                    gettext(
                        "The invitation for %(email)s was created, but the email could not be "
                        "sent. Invite them again to send a new link."
                    )
                    % {"email": email},
                )
            else:
                messages.success(
                    request, gettext("Invitation sent to %(email)s.") % {"email": email}
                )
            return redirect("people")
    pending = (
        scope(user, Invitation.objects.all())
        .filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("organisation", "invited_by")
        .order_by("-created_at")
    )
    context = {
        "form": form,
        "people": [(person, allowed_roles(user, person)) for person in visible_users(user)],
        "role_labels": dict(Role.choices),
        "pending": pending,
        "show_organisation": user.role == Role.VENDOR_ADMIN,
    }
    return render(request, "accounts/people.html", context)


@login_required
@require_POST
def person_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate, reactivate or give a new role to one person (form fields `active`, `role`)."""
    user = request.user
    if not _manages_people(user):
        raise Http404("not found")
    try:
        person = find_person(user, pk)
    except User.DoesNotExist:  # another organisation's person: not found
        raise Http404("not found") from None
    active = {"1": True, "0": False}.get(request.POST.get("active", ""))
    role = request.POST.get("role") or None
    if active is None and role is None:
        messages.error(request, gettext("Choose a role, or deactivate or reactivate."))
        return redirect("people")
    with refusal_shown(request):
        with transaction.atomic():
            change_person(user, person, role=role, active=active)
        if active is False:
            messages.success(
                request, gettext("%(email)s is deactivated.") % {"email": person.email}
            )
        elif active is True:
            messages.success(
                request, gettext("%(email)s is active again.") % {"email": person.email}
            )
        else:
            messages.success(
                request,
                gettext("%(email)s is now %(role)s.")
                % {"email": person.email, "role": person.get_role_display()},
            )
    return redirect("people")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: create one (its secret is shown once, on the next page), list,
    revoke. A token acts as its owner, with the owner's organisation and role."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(form):
            with transaction.atomic():
                token, secret = issue_token(user=request.user, name=form.cleaned_data["name"])
            # Kept in the server-side session (never a cookie) until the next page shows it.
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "secret": secret}
            return redirect("tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_token": new_token,
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    """One's own settings: the time zone times are shown in (empty: the default, the
    organisation's region's zone, or the vendor's for its staff)."""
    user = request.user
    default_zone = user.organisation.region.timezone if user.organisation_id else vendor_zone()
    form = SettingsForm(
        request.POST or None,
        initial={"timezone": user.timezone, "language": user.language},
        default_zone=default_zone,
    )
    if request.method == "POST" and form.is_valid():
        user.timezone = form.cleaned_data["timezone"]
        user.language = form.cleaned_data["language"]
        user.save(update_fields=["timezone", "language"])
        translation.activate(user.language or translation.get_language_from_request(request))
        messages.success(
            request,
            gettext("Times are now shown in %(zone)s.") % {"zone": user.display_timezone},
        )
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {"form": form, "default_zone": default_zone})


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        with transaction.atomic():
            token = services.revoke_token(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist:  # only one's own tokens: anyone else's is not found
        raise Http404("not found") from None
    messages.success(
        request, gettext("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("tokens")
