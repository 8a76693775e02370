"""Accord's pytest plugin, loaded by `-p accord.pytest_plugin` (see pyproject.toml).

It is imported before pytest-django loads the settings, which is why it lives here and not in a
conftest.py. It does two things:

* gives the test run a throwaway ACCORD_SECRET_KEY (settings refuse to load without one when
  ACCORD_DEBUG is off, which is also how tests run);
* marks every test that uses the database with `django_db` -- tests using the `db`-style
  fixtures and Django TestCase classes included -- so `pytest -m django_db` selects exactly
  the tests that `ACCORD_TEST_POSTGRES=1 make test` repeats on PostgreSQL.
"""

from __future__ import annotations

import os

import pytest

if not os.environ.get("ACCORD_SECRET_KEY") and not os.environ.get("ACCORD_SECRET_KEY_FILE"):
    os.environ["ACCORD_SECRET_KEY"] = "accord-test-suite-key-not-secret"

_DB_FIXTURES = frozenset({"db", "transactional_db"})


def _uses_database(item: pytest.Item) -> bool:
    if _DB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    if cls is None:
        return False
    from django.test import SimpleTestCase

    return issubclass(cls, SimpleTestCase) and bool(cls.databases)


@pytest.hookimpl(tryfirst=True)  # before pytest's own `-m` deselection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Measurements (marked `bench`) print figures and assert no speed; `make bench` runs them
    # with ACCORD_BENCH=1, the test suite skips them.
    measuring = os.environ.get("ACCORD_BENCH") == "1"
    for item in items:
        if item.get_closest_marker("bench") is not None and not measuring:
            item.add_marker(pytest.mark.skip(reason="a measurement: run by make bench"))
        if item.get_closest_marker("django_db") is None and _uses_database(item):
            item.add_marker(pytest.mark.django_db)
