"""The contract terms page: managers add a version as TOML checked by the engine (an error
names the field and the line, the text comes back as typed, never a 500); customers read their
own terms; the Django admin no longer edits terms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Contract
from accord.policies import builtin_text

pytestmark = pytest.mark.django_db

TEXT = builtin_text("plutora-standard")
# The line of the Severity 1 target in the built-in policy, as error messages name it.
TARGET_LINE = next(n for n, line in enumerate(TEXT.splitlines(), 1) if "hours = 4 }" in line)


def client_for(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def next_month() -> str:
    return f"{(timezone.now().replace(day=1) + timedelta(days=40)).replace(day=1):%Y-%m-%d}"


def post(user: Any, text: str, **fields: str) -> Any:
    body = {"policy_text": text, "effective_from": next_month(), "note": "Renewal"}
    body.update(fields)
    return client_for(user).post(reverse("contract_terms_new", args=["acme"]), body)


def test_a_manager_saves_a_new_version_from_toml(world: Any) -> None:
    page = client_for(world.manager).get(reverse("contract_terms", args=["acme"]))
    body = page.content.decode()
    assert page.status_code == 200 and "New version" in body
    assert "target = { hours = 4 }" in body  # the latest version's policy, as TOML
    saved = post(world.manager, TEXT.replace("hours = 4 }", "hours = 6 }", 1), monthly_fee="900")
    assert saved.status_code == 302
    versions = Contract.objects.get(organisation=world.acme).versions.order_by("number")
    assert [(v.number, v.note) for v in versions] == [
        (1, "The contract's first terms."),
        (2, "Renewal"),
    ]
    assert versions[1].created_by == world.manager and f"{versions[1].effective_from}" == (
        next_month()
    )
    after = client_for(world.manager).get(reverse("contract_terms", args=["acme"]))
    assert "hours = 6" in after.content.decode()


def test_an_invalid_policy_is_shown_back_with_its_field_and_line(world: Any) -> None:
    typed = TEXT.replace("target = { hours = 4 }", "target = { hours = -4 }", 1)
    answer = post(world.vendor_admin, typed)
    body = answer.content.decode()
    assert answer.status_code == 400
    assert (
        f"severities.0.target.hours: line {TARGET_LINE}: Input should be greater than or equal to 0"
        in body
    )
    assert "target = { hours = -4 }" in body  # the text as typed
    blue_moon = post(world.manager, TEXT.replace('minor = "weekly"', 'minor = "every blue moon"'))
    minor = TEXT.splitlines().index('minor = "weekly"') + 1
    assert blue_moon.status_code == 400
    assert f"releases.minor: line {minor}:" in blue_moon.content.decode()
    not_toml = post(world.manager, "id = 'x'\nname = \n")
    assert not_toml.status_code == 400 and "line 2: not valid TOML" in not_toml.content.decode()
    late = post(world.manager, TEXT, effective_from="2020-01-01")
    assert late.status_code == 400 and "earlier months keep the terms" in late.content.decode()
    assert Contract.objects.get(organisation=world.acme).versions.count() == 1


def test_customers_read_their_own_terms_and_cannot_change_them(world: Any) -> None:
    page = client_for(world.acme_reporter).get(reverse("contract_terms", args=["acme"]))
    body = page.content.decode()
    assert page.status_code == 200 and "plutora-standard" in body
    assert "New version" not in body and "<textarea" not in body
    assert (
        client_for(world.globex_admin).get(reverse("contract_terms", args=["acme"])).status_code
        == 404
    )
    for person in (world.acme_admin, world.agent):
        assert post(person, TEXT).status_code == 404
    assert Contract.objects.get(organisation=world.acme).versions.count() == 1


def test_the_admin_shows_terms_read_only_with_a_link_to_the_page(world: Any) -> None:
    world.vendor_admin.is_staff = world.vendor_admin.is_superuser = True
    world.vendor_admin.save()
    admin = client_for(world.vendor_admin)
    contract = Contract.objects.get(organisation=world.acme)
    page = admin.get(reverse("admin:accounts_contract_change", args=[contract.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="policy_data"' not in body and "<textarea" not in body
    assert reverse("contract_terms", args=["acme"]) in body
    # A post of raw JSON changes nothing.
    admin.post(
        reverse("admin:accounts_contract_change", args=[contract.pk]),
        {"policy_data": '{"broken": true}', "starts_on": ""},
    )
    assert Contract.objects.get(pk=contract.pk).policy_data == contract.policy_data
    organisation = admin.get(reverse("admin:accounts_organisation_change", args=[world.acme.pk]))
    assert organisation.status_code == 200 and 'name="contract-0-policy_data"' not in (
        organisation.content.decode()
    )
