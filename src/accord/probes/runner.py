"""The built-in probe location, run by `accord worker` in a thread beside its job loop.

The thread runs an asyncio loop with the `Prober`; everything that touches the database runs
on one more thread (a single-thread executor, so one database connection), never on the event
loop. Every `flush_seconds` the results gathered so far are recorded in one transaction
(`services.record_results`); every `refresh_seconds` the worker renews its lease on the
built-in location and reloads the active checks.

**The lease.** Several workers may run against one database, but only one may probe as the
location "worker" (or every check would be probed several times and counted so). The
location row holds `lease_holder` and `lease_until`; a worker takes the lease with a
conditional update when it is free or expired, and renews it while it runs. The others wait
and take over within `LEASE` of the holder's death. A worker that loses the lease stops
probing at once. More probing capacity comes from `accord probe` agents, each its own location.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accord.probes import conf, services
from accord.probes.models import BUILTIN_LOCATION, ProbeLocation
from accord.probes.prober import CheckSpec, Prober, Result

logger = logging.getLogger("accord.probes")

LEASE = timedelta(seconds=45)
MAX_PENDING = 200_000
T = TypeVar("T")


def take_lease(holder: str, *, now: datetime) -> ProbeLocation | None:
    """The built-in location if `holder` now holds its lease (taken or renewed), else None.
    An inactive built-in location is never leased: nothing runs there."""
    location = services.builtin_location()
    updated = (
        ProbeLocation.objects.filter(pk=location.pk, active=True)
        .filter(Q(lease_holder=holder) | Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_holder=holder, lease_until=now + LEASE)
    )
    if updated != 1:
        return None
    location.refresh_from_db()
    return location


def release_lease(holder: str) -> None:
    ProbeLocation.objects.filter(slug=BUILTIN_LOCATION, lease_holder=holder).update(
        lease_holder="", lease_until=None
    )


class WorkerProbes:
    """`start()` runs the built-in location in a thread until `stop` is set; `join()` waits
    for it to finish its last flush and hand the lease back."""

    def __init__(
        self,
        stop: threading.Event,
        name: str,
        *,
        flush_seconds: float = 2.0,
        refresh_seconds: float = 15.0,
        prober_options: dict[str, Any] | None = None,
    ) -> None:
        self.stop = stop
        self.name = name
        self.flush_seconds = flush_seconds
        self.refresh_seconds = refresh_seconds
        self.prober_options = prober_options or {}
        self.pending: list[Result] = []
        self.location: ProbeLocation | None = None
        self.prober: Prober | None = None
        self.flushes = 0
        self._thread: threading.Thread | None = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probes-db")

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self._main, name="probes", daemon=True)
        self._thread.start()
        return self._thread

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # -- on the database thread -----------------------------------------------------------

    def _refresh(self) -> list[CheckSpec] | None:
        """Renew the lease; the checks to run, or None without the lease."""
        close_old_connections()
        self.location = take_lease(self.name, now=timezone.now())
        return None if self.location is None else services.check_specs()

    def _flush(self, results: list[Result]) -> None:
        if self.location is None or not results:
            return
        with transaction.atomic():
            services.record_results(self.location, results, now=timezone.now(), unknown="ignore")
        self.flushes += 1

    def _finish(self) -> None:
        try:
            release_lease(self.name)
        finally:
            connection.close()

    # -- on the event loop ----------------------------------------------------------------

    async def _db_call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, function, *args)

    async def _flush_pending(self) -> None:
        batch, self.pending = self.pending, []
        try:
            await self._db_call(self._flush, batch)
        except DatabaseError:
            logger.exception("recording %s probe result(s) failed; keeping them", len(batch))
            self.pending = (batch + self.pending)[-MAX_PENDING:]

    async def _keep(self, prober: Prober) -> None:
        """Flush results and refresh the lease and checks, until stopped."""
        loop = asyncio.get_running_loop()
        next_refresh = 0.0
        leased = False
        while not self.stop.is_set():
            if loop.time() >= next_refresh:
                try:
                    specs = await self._db_call(self._refresh)
                except DatabaseError:
                    logger.exception("probe lease and checks not refreshed")
                    specs = [] if leased else None
                if specs is None:
                    if leased:
                        logger.warning("%s no longer holds the probe lease: not probing", self.name)
                    leased = False
                    prober.update([])
                else:
                    if not leased:
                        logger.info(
                            "%s probes %s check(s) as location worker", self.name, len(specs)
                        )
                    leased = True
                    prober.update(specs)
                next_refresh = loop.time() + self.refresh_seconds
            await self._flush_pending()
            await asyncio.sleep(self.flush_seconds)

    async def _run(self) -> None:
        prober = Prober(self.pending_append, **self.prober_options)
        self.prober = prober
        keeper = asyncio.create_task(self._keep(prober))
        try:
            await prober.run(self.stop.is_set)
        finally:
            await keeper
            await self._flush_pending()
            await self._db_call(self._finish)

    def pending_append(self, result: Result) -> None:
        self.pending.append(result)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:
            logger.exception("the probe thread stopped")
        finally:
            self._db.shutdown(wait=True)


def start_worker_probes(stop: threading.Event, name: str) -> WorkerProbes:
    probes = WorkerProbes(stop, name, prober_options={"per_origin": conf.connections_per_origin()})
    probes.start()
    return probes
