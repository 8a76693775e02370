"""Fixtures shared by the tests of tests/core."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Execute a fresh copy of accord/settings.py with only the given ACCORD_* variables."""

    def load(**env: str) -> ModuleType:
        for name in list(os.environ):
            if name.startswith("ACCORD_") or name == "DATABASE_URL":
                monkeypatch.delenv(name)
        monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path / "data"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.find_spec("accord.settings")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
