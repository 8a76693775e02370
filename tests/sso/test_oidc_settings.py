"""`ACCORD_OIDC_*` read at start-up (accord.oidc_settings): off unless a client id is set, and
a half-done configuration stops Accord with a message naming the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from accord.oidc_settings import oidc_settings

ON = {
    "ACCORD_OIDC_CLIENT_ID": "accord",
    "ACCORD_OIDC_CLIENT_SECRET": "s3cret",
    "ACCORD_OIDC_ISSUER": "https://id.example.test/realms/acme/",
}


@pytest.fixture(autouse=True)
def _no_oidc_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("ACCORD_OIDC_")]:
        monkeypatch.delenv(name)


def _with(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_off_by_default() -> None:
    assert oidc_settings()["ACCORD_OIDC_ENABLED"] is False


def test_on_with_an_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    _with(monkeypatch, **ON)
    values = oidc_settings()
    assert values["ACCORD_OIDC_ENABLED"] is True
    assert values["ACCORD_OIDC_ISSUER"] == "https://id.example.test/realms/acme"
    assert (values["OIDC_RP_SIGN_ALGO"], values["OIDC_RP_SCOPES"]) == (
        "RS256",
        "openid email profile",
    )
    assert values["ACCORD_OIDC_NEW_USER_ROLE"] == "reporter"


def test_on_with_explicit_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    _with(monkeypatch, **{**ON, "ACCORD_OIDC_ISSUER": ""})
    with pytest.raises(ImproperlyConfigured, match="ACCORD_OIDC_ISSUER"):
        oidc_settings()
    base = "https://id.example.test"
    _with(
        monkeypatch,
        ACCORD_OIDC_AUTHORIZATION_ENDPOINT=f"{base}/authorize",
        ACCORD_OIDC_TOKEN_ENDPOINT=f"{base}/token",
        ACCORD_OIDC_USERINFO_ENDPOINT=f"{base}/userinfo",
        ACCORD_OIDC_JWKS_ENDPOINT=f"{base}/jwks",
    )
    assert oidc_settings()["OIDC_OP_JWKS_ENDPOINT"] == f"{base}/jwks"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACCORD_OIDC_CLIENT_SECRET", "", "ACCORD_OIDC_CLIENT_SECRET"),
        ("ACCORD_OIDC_NEW_USER_ROLE", "agent", "never creates staff"),
        ("ACCORD_OIDC_SIGN_ALGORITHM", "HS256", "ACCORD_OIDC_SIGN_ALGORITHM"),
        ("ACCORD_OIDC_SCOPES", "email,profile", "must include openid"),
    ],
)
def test_a_bad_configuration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    _with(monkeypatch, **{**ON, name: value})
    with pytest.raises(ImproperlyConfigured, match=message):
        oidc_settings()
