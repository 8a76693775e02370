"""Single sign-on with OpenID Connect (mozilla-django-oidc): who may sign in, and as whom.

The provider's user, by the email address it has verified, becomes an Accord user:

1. An existing, active account with that email signs in (staff only when the email's domain
   is in `ACCORD_OIDC_STAFF_DOMAINS`; when the organisation claim is configured and sent, it
   must name the account's own organisation).
2. Otherwise a customer account is created (role `ACCORD_OIDC_NEW_USER_ROLE`) in the
   organisation named by the claim `ACCORD_OIDC_ORGANISATION_CLAIM` (its slug), or else in
   the one organisation whose `email_domains` holds the email's domain. Staff are never
   created here.

Anything else is refused with `SignInRefused`, which the callback shows on the login page.
When SSO is off (no `ACCORD_OIDC_CLIENT_ID`) its two URLs are not found and the backend
answers nothing. docs/single-sign-on.md is the guide.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accord.accounts import two_factor
from accord.accounts.models import Organisation, User
from accord.accounts.services import create_user
from accord.core.errors import Refused

logger = logging.getLogger(__name__)

# The settings mozilla-django-oidc reads, and their keys in a discovery document.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class SignInRefused(Refused):
    """The provider's user may not sign in to Accord: the message says why, for them."""


def enabled() -> bool:
    return bool(getattr(settings, "ACCORD_OIDC_ENABLED", False))


@functools.lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (a failure is not cached: the next sign-in retries)."""
    response = requests.get(
        f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
    )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def oidc_setting(attr: str, *default: Any) -> Any:
    """A setting for mozilla-django-oidc; an endpoint not set explicitly comes from discovery."""
    if attr in _DISCOVERED and not getattr(settings, attr, ""):
        return _discovery(settings.ACCORD_OIDC_ISSUER)[_DISCOVERED[attr]]
    return import_from_settings(attr, *default)


def _refused(message: str, **values: str) -> SignInRefused:
    return SignInRefused(gettext("Single sign-on refused: ") + (message % values))


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def organisations_for_domain(domain: str) -> list[Organisation]:
    """The organisations whose comma-separated `email_domains` hold exactly `domain`."""
    candidates = Organisation.objects.filter(email_domains__icontains=domain)
    return [
        org
        for org in candidates
        if domain in {d.strip().lower() for d in org.email_domains.split(",") if d.strip()}
    ]


class AccordOIDCBackend(OIDCAuthenticationBackend):
    """Maps the provider's user to an Accord account (see the module's docstring)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The provider's settings are read when a callback arrives, not for every request
        # whose session this backend signed in (nor when SSO is off).
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the SSO callback passes a nonce; a password sign-in never reaches the provider.
        if not enabled() or request is None or "nonce" not in kwargs:
            return None
        super().__init__()
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def get_user(self, user_id: int) -> User | None:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The signature and nonce (the library), then the audience, expiry and issuer."""
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token: not issued for this client")
        if float(payload.get("exp", 0)) < time.time():
            raise SuspiciousOperation("ID token: expired")
        issuer = settings.ACCORD_OIDC_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("ID token: another issuer")
        return payload

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        email = str(claims.get("email") or "").strip().lower()
        if not email or "@" not in email:
            raise _refused(gettext("your provider sent no email address."))
        if settings.ACCORD_OIDC_REQUIRE_EMAIL_VERIFIED and claims.get("email_verified") is not True:
            raise _refused(
                gettext(
                    "your provider has not verified the email address %(email)s. "
                    "Verify it with your provider, then try again."
                ),
                email=email,
            )
        claim_name = settings.ACCORD_OIDC_ORGANISATION_CLAIM
        named = str(claims.get(claim_name) or "").strip() if claim_name else ""
        user = User.objects.filter(email__iexact=email).select_related("organisation").first()
        if user is not None:
            return self._existing(user, email, named)
        return self._create(claims, email, named)

    def _existing(self, user: User, email: str, named: str) -> User:
        if not user.is_active:
            raise _refused(
                gettext(
                    "the account of %(email)s is deactivated. "
                    "Ask your organisation's administrator."
                ),
                email=email,
            )
        if user.organisation is None and _domain(email) not in settings.ACCORD_OIDC_STAFF_DOMAINS:
            raise _refused(gettext("the vendor's staff sign in with their password here."))
        if named and (user.organisation is None or user.organisation.slug != named):
            raise _refused(
                gettext(
                    "your provider places %(email)s in the organisation %(named)s, "
                    "but the Accord account of %(email)s belongs to another."
                ),
                email=email,
                named=named,
            )
        logger.info("single sign-on: %s signed in", email)
        return user

    def _create(self, claims: dict[str, Any], email: str, named: str) -> User:
        domain = _domain(email)
        if domain in settings.ACCORD_OIDC_STAFF_DOMAINS:
            raise _refused(
                gettext(
                    "single sign-on never creates staff accounts; "
                    "ask a vendor admin for an invitation."
                )
            )
        if named:
            organisation = Organisation.objects.filter(slug=named).first()
            if organisation is None:
                raise _refused(
                    gettext("the organisation %(named)s named by your provider is not in Accord."),
                    named=named,
                )
        else:
            matches = organisations_for_domain(domain)
            if len(matches) != 1:
                raise _refused(
                    gettext(
                        "%(email)s has no account, and its domain %(domain)s belongs to "
                        "no single organisation. Ask your organisation's administrator "
                        "for an invitation."
                    ),
                    email=email,
                    domain=domain,
                )
            organisation = matches[0]
        with transaction.atomic():
            # The audit log records the new account (accord.audit tracks users).
            user = create_user(
                email=email,
                role=settings.ACCORD_OIDC_NEW_USER_ROLE,
                organisation=organisation,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
        logger.info("single sign-on: created %s in %s", email, organisation.slug)
        return user


def _failed(request: HttpRequest, message: str) -> HttpResponseRedirect:
    messages.error(request, message)
    return redirect("login")


_UNREACHABLE = "Single sign-on failed: the provider could not be reached. Try again later."
_INCOMPLETE = "Single sign-on did not complete. Try again, or sign in with your password."


class SignInStart(OIDCAuthenticationRequestView):
    """GET /accounts/sso/start/: to the provider's authorization endpoint (404 when off)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The endpoints are read in `get`, only when SSO is on.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("not found")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError, KeyError):
            logger.exception("single sign-on: the provider's discovery document failed")
            return _failed(request, gettext(_UNREACHABLE))
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        response: HttpResponse = super().get(request)
        return response


class SignInCallback(OIDCAuthenticationCallbackView):
    """GET /accounts/sso/callback/: the provider's answer; a refusal is shown on the login
    page, never as an error page."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("not found")
        try:
            response: HttpResponse = super().get(request)
        except SignInRefused as refusal:
            logger.info("single sign-on refused: %s", refusal)
            return _failed(request, str(refusal))
        except SuspiciousOperation as exc:
            logger.warning("single sign-on: %s", exc)
            return _failed(request, gettext(_INCOMPLETE))
        except (requests.RequestException, ValueError, KeyError):
            logger.exception("single sign-on: a call to the provider failed")
            return _failed(request, gettext(_UNREACHABLE))
        return response

    def login_success(self) -> HttpResponse:
        # Someone who set up two-factor sign-in in Accord gives their code after the provider
        # too: the provider's own checks are not known to Accord (docs/single-sign-on.md).
        if two_factor.begin(self.request, self.user, self.success_url):
            return redirect("two_factor_verify")
        response: HttpResponse = super().login_success()
        return response

    def login_failure(self) -> HttpResponseRedirect:
        return _failed(self.request, gettext(_INCOMPLETE))
