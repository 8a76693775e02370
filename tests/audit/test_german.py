"""The audit log page in German: the kinds of rows and the fields' names in the reader's
language, the recorded values as stored (docs/translations.md); the API keeps the stored
names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.audit.test_reading import api, changes  # noqa: F401 - the fixture

from accord.core.acting import acting

pytestmark = pytest.mark.django_db


def test_types_and_fields_are_german_and_values_as_stored(
    changes: Any,  # noqa: F811
    german_client: Any,
) -> None:
    world = changes
    with acting(world.vendor_admin, "admin"):
        world.acme.contract.monthly_fee = Decimal("1500.00")
        world.acme.contract.save()
    page = german_client(world.vendor_admin).get(reverse("audit_log")).content.decode()
    assert "<h1>Prüfprotokoll</h1>" in page or "Prüfprotokoll" in page
    assert "Vertrag <strong>" in page and "Person <strong>" in page
    assert '<dt title="monthly_fee">Monatsgebühr</dt>' in page
    assert '<dt title="role">Rolle</dt>' in page and '<dt title="first_name">Vorname</dt>' in page
    assert '<dt title="is_active">Aktiv</dt>' in page
    assert "<ins>customer_admin</ins>" in page and "<ins>Alexandra</ins>" in page  # as stored
    assert "<ins>1500.00</ins>" in page
    assert '<option value="accounts.contractversion">Vertragsversion</option>' in page
    assert "<dt>monthly_fee</dt>" not in page and "Contract version" not in page
    entries = api(world.vendor_admin).json()["items"]
    assert any("monthly_fee" in entry["changes"] for entry in entries)


def test_english_readers_see_english_names(changes: Any) -> None:  # noqa: F811
    client = Client()
    client.force_login(changes.vendor_admin)
    page = client.get(reverse("audit_log")).content.decode()
    assert '<dt title="role">Role</dt>' in page and '<dt title="first_name">First name</dt>' in page
    assert "Person <strong>" in page
