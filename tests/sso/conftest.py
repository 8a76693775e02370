"""A real OpenID Connect provider for the SSO tests: django-oauth-toolkit in its own process
(tests/sso/provider), one per test session, on 127.0.0.1 at a free port.

`provider` starts it: a fresh RSA key and SQLite file in a temporary directory, Accord
registered as a confidential client (redirect URI `http://testserver/accounts/sso/callback/`,
approval skipped) and the users of `PROVIDER_USERS`. `sso` turns Accord's SSO on against it;
`sign_in_with_sso` drives the whole flow and returns Accord's final page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "accord-tests"
CLIENT_SECRET = "accord-tests-secret"  # noqa: S105
REDIRECT_URI = "http://testserver/accounts/sso/callback/"
PASSWORD = "provider password"  # noqa: S105


def _claims(email: str, verified: bool = True, **extra: str) -> dict[str, Any]:
    given, _, family = email.split("@")[0].partition(".")
    return {
        "password": PASSWORD,
        "claims": {
            "email": email,
            "email_verified": verified,
            "given_name": given.title(),
            "family_name": family.title() or "Sso",
            **extra,
        },
    }


# The provider's people, by username (their email here).
PROVIDER_USERS = {
    email: spec
    for email, spec in [
        ("rita@acme.test", _claims("rita@acme.test")),
        ("nina.new@acme.test", _claims("nina.new@acme.test")),
        ("carl.claim@elsewhere.test", _claims("carl.claim@elsewhere.test", accord_org="globex")),
        ("una@acme.test", _claims("una@acme.test", verified=False)),
        ("nobody@nowhere.test", _claims("nobody@nowhere.test")),
        ("gina@globex.test", _claims("gina@globex.test")),
        ("adam@acme.test", _claims("adam@acme.test", accord_org="globex")),
        ("alex@vendor.test", _claims("alex@vendor.test")),
        ("ghost@acme.test", _claims("ghost@acme.test", accord_org="no-such-org")),
        ("sam.new@vendor.test", _claims("sam.new@vendor.test")),
    ]
}


@dataclass(frozen=True)
class Provider:
    url: str  # http://127.0.0.1:<port>

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"


def _key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _wait_for_discovery(url: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the test provider stopped:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/o/.well-known/openid-configuration").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling for the server to answer, not timing anything
    pytest.fail(f"the test provider did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    directory = tmp_path_factory.mktemp("oidc-provider")
    (directory / "key.pem").write_text(_key_pem())
    (directory / "users.json").write_text(json.dumps(PROVIDER_USERS))
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent),
        "PROVIDER_DIR": str(directory),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": REDIRECT_URI,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    log = directory / "provider.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "provider.serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            process.wait(timeout=10)
            pytest.fail(f"the test provider did not start:\n{log.read_text()}")
        url = f"http://127.0.0.1:{port}"
        _wait_for_discovery(url, process, log)
        yield Provider(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sso(settings: Any, provider: Provider) -> Provider:
    """Accord's SSO on, against the test provider, from its issuer's discovery document."""
    settings.ACCORD_OIDC_ENABLED = True
    settings.ACCORD_OIDC_ISSUER = provider.issuer
    settings.ACCORD_OIDC_ORGANISATION_CLAIM = "accord_org"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    return provider


@pytest.fixture
def sign_in_with_sso(client: Any, sso: Provider) -> Callable[[str], Any]:
    """`sign_in_with_sso(username)`: the whole flow as a browser would, to Accord's last page."""
    return lambda username: _sign_in(client, sso, username)


def _sign_in(client: Any, provider: Provider, username: str) -> Any:
    start = client.get("/accounts/sso/start/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize/"), authorize
    with httpx.Client(base_url=provider.url) as browser:
        signed_in = browser.post("/login/", data={"username": username, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        answer = browser.get(authorize, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == REDIRECT_URI
    return client.get(f"{callback.path}?{callback.query}", follow=True)
