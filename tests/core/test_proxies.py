"""The client's address behind reverse proxies (accord.core.proxies) and the sign-in throttle
that keys on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accord.accounts.models import LoginFailure
from accord.core.proxies import client_address


def _request(remote: str = "10.0.0.2", forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(
    settings: Any,
) -> None:
    settings.ACCORD_TRUSTED_PROXIES = 0
    assert client_address(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_each_trusted_proxy_peels_one_address_from_the_right(settings: Any) -> None:
    # The client forged the first entry; nginx appended the address it saw.
    settings.ACCORD_TRUSTED_PROXIES = 1
    assert client_address(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # A load balancer in front of nginx: the load balancer's entry is the client's.
    settings.ACCORD_TRUSTED_PROXIES = 2
    assert client_address(_request(forwarded="6.6.6.6, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"
    assert client_address(_request(forwarded=" 2001:db8::7 , 10.0.0.1")) == "2001:db8::7"


def test_a_missing_or_malformed_hop_is_not_trusted(settings: Any) -> None:
    settings.ACCORD_TRUSTED_PROXIES = 2
    # Fewer hops than proxies (say, a health check from inside): the connection's address.
    assert client_address(_request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"
    assert client_address(_request("10.0.0.5")) == "10.0.0.5"
    # Not an address: unknown, never passed on to the IP address column.
    assert client_address(_request(forwarded="nonsense, 10.0.0.1")) is None
    settings.ACCORD_TRUSTED_PROXIES = 0
    assert client_address(_request("")) is None


def _fail(address: str, email: str = "nobody@example.test") -> int:
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)
    form = {"email": email, "password": "guess"}
    return client.post(reverse("login"), form).status_code


@pytest.mark.django_db
def test_behind_a_proxy_the_throttle_locks_the_guessing_client_not_the_proxy(
    world: Any, settings: Any
) -> None:
    settings.ACCORD_TRUSTED_PROXIES = 1
    assert _fail("198.51.100.7") == 200
    assert LoginFailure.objects.get().address == "198.51.100.7"
    # A client trying one password on many accounts: enough failures lock its address, for
    # every account ...
    for n in range(20):
        _fail("198.51.100.7", f"person{n}@example.test")
    locked = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    form = {"email": "rita@acme.test", "password": "correct horse battery staple"}
    assert locked.post(reverse("login"), form).status_code == 429
    # ... but not the other people who reach Accord through the same proxy.
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert other.post(reverse("login"), form).status_code == 302
