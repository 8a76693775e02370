"""What the dashboard offers each person, and the simulator's form: one id per element."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _get(user: Any, name: str, **query: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return response.content.decode()


def test_only_those_who_may_simulate_are_linked_to_the_simulator(world: Any) -> None:
    simulator = reverse("dashboard_simulator")
    assert f'href="{simulator}"' not in _get(world.agent, "dashboard")
    assert f'href="{simulator}"' in _get(world.manager, "dashboard")
    assert f'href="{simulator}"' in _get(world.vendor_admin, "dashboard")
    client = Client()
    client.force_login(world.agent)
    assert client.get(simulator).status_code == 404  # what the link would have led to


@pytest.mark.parametrize("query", [{}, {"customer": "acme", "month_from": "2026-10"}])
def test_every_id_on_the_simulator_page_is_unique_and_labels_point_at_fields(
    world: Any, query: dict[str, str]
) -> None:
    html = _get(world.manager, "dashboard_simulator", **query)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for target in re.findall(r'<label[^>]*\sfor="([^"]+)"', html):
        assert target in ids, f"a label points at {target!r}, which no element has"
