from __future__ import annotations

import threading
from typing import Any

from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "accord.probes"
    verbose_name = "Health checks and probe locations"

    def ready(self) -> None:
        # Registers the hourly `probes_housekeeping` job handler with accord.work, and the
        # built-in probe location that runs beside every worker (`accord worker --no-probes`
        # leaves it out).
        from accord.probes import services  # noqa: F401
        from accord.work import services as work

        work.beside_worker("probes", _start_worker_probes)


def _start_worker_probes(stop: threading.Event, name: str) -> Any:
    # Imported when a worker starts, not with the app: most processes never probe.
    from accord.probes.runner import start_worker_probes

    return start_worker_probes(stop, name)
