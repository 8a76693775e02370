"""Nothing missed: every URL pattern Accord serves has a matrix entry, or a reason here.

The URLs come from Django's resolver, not from a list kept by hand: `test_every_url_pattern_is_
in_the_matrix` walks `get_resolver().url_patterns` (the django-ninja API's patterns included)
and fails for any pattern that has neither an entry in `OBJECTS` (cases_objects.py), `LISTS`
(cases_lists.py) or `PUBLIC` (cases_public.py) nor a place, with its reason, in the short
allow-list below of things that are not tenant data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.test import Client
from django.urls import URLResolver, get_resolver

from .cases_lists import LISTS
from .cases_objects import OBJECTS
from .cases_public import PUBLIC

# ---------------------------------------------------------------------------------------------
# What is not tenant data: the only patterns without a matrix entry, each with its reason.
# Static files are not in the URLconf (the web server or runserver serves them).

NOT_TENANT_DATA_PREFIXES: dict[str, str] = {
    "admin/": "the vendor's Django admin, shut as a whole to anyone without the is_staff flag, "
    "which no customer has (test_customers_are_shut_out_of_the_admin in test_lists.py)",
}
NOT_TENANT_DATA_ROUTES: dict[str, str] = {
    "accounts/login/": "the sign-in form",
    "accounts/logout/": "signing out",
    "accounts/sso/start/": "single sign-on's start: a redirect to the provider, no tenant data; "
    "404 unless SSO is configured (tests/sso)",
    "accounts/sso/callback/": "single sign-on's return from the provider: signs in by the "
    "provider's verified email, no id in the URL; 404 unless SSO is configured (tests/sso)",
    "accounts/invitation/<str:token>/": "reached by the secret in an emailed link, never by an "
    "id (tests/portal/test_accounts.py)",
    "accounts/password/reset/<uidb64>/<token>/": "reached by the signed token in an emailed "
    "link, never by an id; one's own account only (tests/accounts/test_passwords.py)",
    "accounts/two-factor/code/": "the second step of signing in: the person whose password "
    "was right, kept in the session; no id (tests/accounts/test_two_factor.py)",
    "healthz": "the load balancer's liveness probe",
    "i18n/setlang/": "the footer's language switch (Django's set_language): sets a cookie, "
    "no tenant data (tests/core/test_translations.py)",
    "api/": "the API's index: links to its schema and docs, public, no tenant data "
    "(tests/api/test_access.py)",
    "api/openapi.json": "the API's schema",
    "api/docs": "the API's documentation page",
    "maintenance/": "the public maintenance calendar: the same for everyone, no tenant data",
    "maintenance/<slug:region>/": "one region's public maintenance calendar",
    "status/maintenance.ics": "the public maintenance calendar as an iCalendar feed",
    "status/<slug:region>/maintenance.ics": "one region's public iCalendar feed",
    "status/subscription/<str:token>/confirm/": "reached by the signed token in an emailed "
    "link, never by an id; no tenant data (tests/status/test_subscriptions.py)",
    "status/subscription/<str:token>/unsubscribe/": "the same, to unsubscribe",
    "status/subscription/<str:token>/one-click/": "RFC 8058's one-click unsubscribe POST, "
    "by the same signed token (tests/status/test_channels.py)",
    "help/<slug:slug>/": "a help-centre article: vendor content, the same for every customer; "
    "organisation-only articles need any sign-in (tests/helpcentre)",
    "help/<slug:slug>/vote/": "a vote on an article; no tenant data (tests/helpcentre)",
    "help/sla/versions/<int:number>/": "a past version of the public SLA article",
    "help/staff/articles/<int:pk>/": "the staff's article editor: vendor content, no tenant "
    "data; 404 for every customer (tests/helpcentre)",
    "help/staff/articles/<int:pk>/versions/<int:number>/": "a published version of an "
    "article, staff only: vendor content, no tenant data (tests/helpcentre)",
    "status/demo-health/<int:pk>/": "the demo's stand-in health endpoint of a module-region "
    "(not tenant data): 200 or 503 for anyone, 404 unless the demo switch is enabled "
    "(tests/status/test_demo_health.py)",
}


def url_patterns() -> Iterator[tuple[str, str]]:
    """(route, namespaced name) of every pattern Django resolves, in every included URLconf."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                name = f"{namespace}{pattern.name}" if pattern.name else ""
                yield prefix + str(pattern.pattern), name

    yield from walk(get_resolver().url_patterns, "", "")


def not_tenant_data(route: str) -> bool:
    return route in NOT_TENANT_DATA_ROUTES or route.startswith(tuple(NOT_TENANT_DATA_PREFIXES))


def test_every_url_pattern_is_in_the_matrix() -> None:
    routes: dict[str, str] = {}
    for route, name in url_patterns():
        if not_tenant_data(route):
            continue
        assert name, f"{route!r} has no name: name it, then add it to OBJECTS or LISTS"
        assert routes.setdefault(name, route) == route, f"{name!r} names two routes"
    public = {key.split("/")[0] for key in PUBLIC}
    assert public - set(routes) == set(), "PUBLIC names patterns that do not exist (any more)"
    objects = {name for name, route in routes.items() if "<" in route} - public
    lists = set(routes) - objects - public
    listed = {key.split("/")[0] for key in LISTS}
    assert objects - set(OBJECTS) == set(), "patterns with an id missing from OBJECTS"
    assert lists - listed == set(), "patterns without an id missing from LISTS"
    assert set(OBJECTS) - objects == set(), "OBJECTS names patterns that do not exist (any more)"
    assert listed - lists == set(), "LISTS names patterns that do not exist (any more)"
    seen = {route for route, _ in url_patterns()}
    stale = [r for r in NOT_TENANT_DATA_ROUTES if r not in seen]
    stale += [p for p in NOT_TENANT_DATA_PREFIXES if not any(r.startswith(p) for r in seen)]
    assert stale == [], "allow-list entries that match no pattern"


def test_every_api_operation_is_in_the_matrix_with_its_method(client: Client) -> None:
    """django-ninja serves several methods on one path: the OpenAPI document lists them all,
    and each must be the method of a matrix entry."""
    routes = dict((name, route) for route, name in url_patterns())
    documented = {
        (method, path)
        for path, operations in client.get("/api/openapi.json").json()["paths"].items()
        for method in operations
    }

    def openapi_path(name: str) -> str:
        return "/" + routes[name].replace("<", "{").replace(">", "}")

    tested = {
        (case.method, openapi_path(name))
        for name, cases in OBJECTS.items()
        if name.startswith("api:")
        for case in cases
    }
    tested |= {
        (listing.method, openapi_path(key.split("/")[0]))
        for key, listing in LISTS.items()
        if key.startswith("api:")
    }
    assert documented - {("get", "/api/")} == tested  # the public index (above)
