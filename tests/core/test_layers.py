"""The demo on top, `core` at the foundation: read from the sources' imports.

`accord.core` holds helpers every app imports, so it may import no app of its own (only the
engine, the policies and `accord.calc`, the engine's shell); the demo seeds every app, so no
app may import it. A new import breaking either would bring back the circles through `core`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accord

SRC = Path(accord.__file__).parent
CORE_MAY_IMPORT = {"core", "engine", "policies", "calc"}


def _accord_imports(path: Path) -> set[str]:
    """The first part after `accord.` of every module `path` imports (`accord.x.y` -> `x`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "accord":
                names = [f"accord.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("accord.")}
    return found


def test_core_imports_no_app_but_the_engine_and_the_policies() -> None:
    wrong = {
        str(path.relative_to(SRC)): sorted(_accord_imports(path) - CORE_MAY_IMPORT)
        for path in (SRC / "core").rglob("*.py")
    }
    assert {path: apps for path, apps in wrong.items() if apps} == {}


def test_no_app_imports_the_demo() -> None:
    importers = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.parts[len(SRC.parts)] != "demo" and "demo" in _accord_imports(path)
    ]
    assert importers == []
