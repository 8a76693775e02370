"""Single sign-on with OpenID Connect: the settings mozilla-django-oidc reads, from `ACCORD_OIDC_*`.

SSO is off unless `ACCORD_OIDC_CLIENT_ID` is set; then a client secret and either an issuer
(`ACCORD_OIDC_ISSUER`: the endpoints come from its discovery document, fetched on first use)
or the explicit endpoints are required. docs/single-sign-on.md describes every variable.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from accord.env import env_bool, env_int, env_list, env_secret, env_str

_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "ACCORD_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "ACCORD_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "ACCORD_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "ACCORD_OIDC_JWKS_ENDPOINT",
}
_ROLES = ("reporter", "customer_admin")
_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")


def oidc_settings() -> dict[str, Any]:
    client_id = env_str("ACCORD_OIDC_CLIENT_ID", "")
    values: dict[str, Any] = {
        "ACCORD_OIDC_ENABLED": bool(client_id),
        "ACCORD_OIDC_ISSUER": env_str("ACCORD_OIDC_ISSUER", "").rstrip("/"),
        "ACCORD_OIDC_NEW_USER_ROLE": env_str("ACCORD_OIDC_NEW_USER_ROLE", "reporter"),
        "ACCORD_OIDC_ORGANISATION_CLAIM": env_str("ACCORD_OIDC_ORGANISATION_CLAIM", ""),
        "ACCORD_OIDC_STAFF_DOMAINS": [d.lower() for d in env_list("ACCORD_OIDC_STAFF_DOMAINS")],
        "ACCORD_OIDC_REQUIRE_EMAIL_VERIFIED": env_bool("ACCORD_OIDC_REQUIRE_EMAIL_VERIFIED", True),
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": env_secret("ACCORD_OIDC_CLIENT_SECRET") or "",
        "OIDC_RP_SIGN_ALGO": env_str("ACCORD_OIDC_SIGN_ALGORITHM", "RS256"),
        "OIDC_RP_SCOPES": " ".join(env_list("ACCORD_OIDC_SCOPES", ["openid", "email", "profile"])),
        "OIDC_USE_PKCE": env_bool("ACCORD_OIDC_USE_PKCE", True),
        "OIDC_TIMEOUT": env_int("ACCORD_OIDC_TIMEOUT_SECONDS", 10),
        "OIDC_AUTHENTICATE_CLASS": "accord.accounts.oidc.SignInStart",
        "OIDC_CALLBACK_CLASS": "accord.accounts.oidc.SignInCallback",
    }
    for setting, variable in _ENDPOINTS.items():
        values[setting] = env_str(variable, "")
    if values["ACCORD_OIDC_NEW_USER_ROLE"] not in _ROLES:
        raise ImproperlyConfigured(
            f"ACCORD_OIDC_NEW_USER_ROLE={values['ACCORD_OIDC_NEW_USER_ROLE']!r}: "
            f"use one of {', '.join(_ROLES)} (single sign-on never creates staff)"
        )
    if values["OIDC_RP_SIGN_ALGO"] not in _ALGORITHMS:
        raise ImproperlyConfigured(
            f"ACCORD_OIDC_SIGN_ALGORITHM={values['OIDC_RP_SIGN_ALGO']!r}: "
            f"use one of {', '.join(_ALGORITHMS)} (signed by the provider's JWKS keys)"
        )
    if "openid" not in values["OIDC_RP_SCOPES"].split():
        raise ImproperlyConfigured("ACCORD_OIDC_SCOPES: must include openid")
    if not client_id:
        return values
    if not values["OIDC_RP_CLIENT_SECRET"]:
        raise ImproperlyConfigured(
            "ACCORD_OIDC_CLIENT_ID is set but ACCORD_OIDC_CLIENT_SECRET "
            "(or ACCORD_OIDC_CLIENT_SECRET_FILE) is not."
        )
    missing = [v for s, v in _ENDPOINTS.items() if not values[s]]
    if missing and not values["ACCORD_OIDC_ISSUER"]:
        raise ImproperlyConfigured(
            "ACCORD_OIDC_CLIENT_ID is set: set ACCORD_OIDC_ISSUER (its discovery document "
            f"names the endpoints) or every one of {', '.join(missing)}."
        )
    return values
