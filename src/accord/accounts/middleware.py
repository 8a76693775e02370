"""The accounts app's middleware: a person's language, and broken contract terms.

Broken stored contract terms on a page: a clear page naming the field, never a 500.

`InvalidTerms` (accord.accounts.terms) rises from any page that reads a contract whose stored
terms do not validate (data written directly in the database). Staff get the error and a link
to the contract terms page; a customer a plain explanation and a link to its tickets. The API
answers it as a 409 with the reason (accord.api).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from accord.accounts.access import is_staff
from accord.accounts.terms import InvalidTerms

logger = logging.getLogger(__name__)


class InvalidTermsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, InvalidTerms):
            return None
        logger.error("%s (%s)", exception, request.path)
        return invalid_terms_response(request, exception)


def invalid_terms_response(request: HttpRequest, error: InvalidTerms) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(error)}, status=409)
    terms_url = reverse("contract_terms", kwargs={"organisation": error.slug})
    context = {"error": error, "staff": is_staff(request.user), "terms_url": terms_url}
    return render(request, "accounts/terms_invalid.html", context, status=409)


class UserLanguageMiddleware:
    """A signed-in person's chosen language wins over the browser's (LocaleMiddleware, which
    runs before, picked that one); the API is always in English. LocaleMiddleware names the
    active language in the response's Content-Language on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            # The API answers in English whatever the caller's language (docs/translations.md):
            # scripts match its messages.
            translation.activate("en")
            request.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
            return self.get_response(request)
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if chosen and user is not None and user.is_authenticated:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
