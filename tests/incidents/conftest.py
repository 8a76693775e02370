"""Helpers for the incidents tests: instants, module-regions, external sources, clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from accord.engine.timeutil import from_epoch, parse_instant


def utc(text: str) -> datetime:
    return from_epoch(parse_instant(text, "at"))


def module_region(module: str = "release-manager", region: str = "us") -> Any:
    from accord.monitoring.models import ModuleRegion

    return ModuleRegion.objects.select_related("module", "region").get(
        module__slug=module, region__code=region
    )


@pytest.fixture
def make_source(world: Any) -> Callable[..., tuple[Any, str]]:
    from accord.incidents import alerts

    def make(kind: str = "alertmanager", name: str = "", **kwargs: Any) -> tuple[Any, str]:
        return alerts.create_source(
            name=name or f"{kind} source", kind=kind, actor=world.vendor_admin, **kwargs
        )

    return make


@pytest.fixture
def signed_in(world: Any) -> Callable[[Any], Client]:
    def client_for(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for
