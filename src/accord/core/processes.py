"""What Accord's long-running commands (`accord worker`, `accord probe`) share: logging to
standard error in UTC, and stopping cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

logger = logging.getLogger("accord")


def configure_logging(verbosity: int) -> None:
    """Log to standard error (times in UTC) unless the deployment configured logging."""
    accord = logging.getLogger("accord")
    if logging.getLogger().handlers or accord.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(
        "%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    accord.addHandler(handler)
    accord.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))


def stop_on_signals(stop: threading.Event, doing: str) -> dict[int, Any]:
    """Set `stop` on SIGTERM or SIGINT; the previous handlers, for `restore_signals`.
    Signals can only be handled in the main thread, so elsewhere (tests) nothing changes."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logger.info("%s received: %s", signal.Signals(signum).name, doing)
        stop.set()

    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, request_stop)
    return previous


def restore_signals(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
