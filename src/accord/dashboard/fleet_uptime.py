"""Module-region uptimes for many customer-months at once (`fleet_simulation`): the figures
of `reports.build`'s uptime section (`monitoring.services.uptime_of_rows`), one
`engine.availability.uptime_batch` call per set of uptime terms and period.

A job here is a `fleet_simulation._Job`: a customer-month under one set of terms, with its
`organisation`, `terms`, `period` (a `reports.build.Month`) and `as_of` (the instant its
figures are taken at).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np

from accord.dashboard.fleet_data import Adhoc, OutageRow
from accord.engine.availability import uptime_batch
from accord.engine.policy import ContractTerms
from accord.engine.timeutil import to_epoch
from accord.monitoring.models import ModuleRegion


def covered_by(covered: dict[int, list[ModuleRegion]], job: Any) -> list[ModuleRegion]:
    """`monitoring.services.covered_module_regions`: in the policy's order."""
    order = {name: n for n, name in enumerate(job.terms.modules)}
    mine = [mr for mr in covered.get(job.organisation.region_id, []) if mr.module.name in order]
    return sorted(mine, key=lambda mr: order[mr.module.name])


_Key = tuple[Any, ...]
# An outage row: start, end (None: going on), end rounded up, impact, the exact start.
_Epochs = tuple[int, int | None, int | None, str, datetime]


def _epochs(row: OutageRow) -> _Epochs:
    start = to_epoch(row.start)
    if row.end is None:
        return start, None, None, row.impact, row.start
    end = to_epoch(row.end)
    return start, end, end + (row.end.microsecond != 0), row.impact, row.start


class Uptimes:
    """Module-region uptimes asked for by many jobs, one `uptime_batch` call per set of uptime
    terms and period; a customer with outages of its own on a module-region is a group of
    its own there."""

    def __init__(self, outages: dict[int, list[OutageRow]], adhoc: Adhoc) -> None:
        self.outages = outages
        self.adhoc = adhoc
        self.by_owner: dict[tuple[int, int | None], list[OutageRow]] = {}
        for pk, rows in outages.items():
            for row in rows:
                self.by_owner.setdefault((pk, row.organisation_id), []).append(row)
        # The rows as epoch seconds: start and end floored, the end also rounded up (for
        # "ends after" an instant, as the database compares), and the start for ordering.
        self.epochs: dict[tuple[int, int | None], list[_Epochs]] = {
            owner: [_epochs(row) for row in rows] for owner, rows in self.by_owner.items()
        }
        # The module-regions on which a customer has outages of its own, by customer.
        self.owned: dict[int, set[int]] = {}
        for pk, org in self.by_owner:
            if org is not None:
                self.owned.setdefault(org, set()).add(pk)
        self.known: dict[tuple[int, int, int], int] = {}
        self.asked: dict[int, tuple[Any, dict[tuple[int, int | None], ModuleRegion]]] = {}
        self.numbers: dict[_Key, int] = {}
        self.answers: dict[tuple[int, int, int | None], tuple[Fraction, str, bool]] = {}

    def key(self, job: Any) -> int:
        """A number for the job's uptime terms and period."""
        if job.uptime_key is not None:
            return job.uptime_key
        t = job.terms
        # The same terms and period again (the objects stay alive while the jobs do): hashing
        # the terms' maintenance and target is not needed to know their number.
        seen = (id(t), id(job.period), job.as_of)
        if seen in self.known:
            job.uptime_key = self.known[seen]
            return job.uptime_key
        weights = tuple(sorted(t.impact_weights.items()))
        key = (
            t.maintenance,
            t.maintenance_mode,
            t.adhoc_notice_hours,
            t.min_outage_seconds,
            weights,
            t.target,
            job.period.start,
            job.period.end,
            job.as_of,
        )
        job.uptime_key = number = self.numbers.setdefault(key, len(self.numbers))
        self.known[seen] = number
        return number

    def owner(self, job: Any, mr: ModuleRegion) -> int | None:
        org: int = job.organisation.pk
        return org if mr.pk in self.owned.get(org, ()) else None

    def alike(self, job: Any, covered: Sequence[ModuleRegion]) -> bool:
        """Whether the customer has no outages of its own on these module-regions (its
        uptimes are then the module-regions' own)."""
        mine = self.owned.get(job.organisation.pk)
        return mine is None or mine.isdisjoint(mr.pk for mr in covered)

    def ask(self, job: Any, covered: Sequence[ModuleRegion]) -> None:
        key = self.key(job)
        wanted = self.asked.setdefault(key, (job, {}))[1]
        if self.alike(job, covered):
            for mr in covered:
                wanted.setdefault((mr.pk, None), mr)
            return
        for mr in covered:
            wanted.setdefault((mr.pk, self.owner(job, mr)), mr)

    def compute(self) -> None:
        for key, (job, wanted) in self.asked.items():
            period = job.period
            self._compute(key, job.terms, job.as_of, wanted, period.start, period.end)
        self.asked = {}

    def _compute(
        self,
        key: int,
        terms: ContractTerms,
        as_of: int,
        wanted: dict[tuple[int, int | None], ModuleRegion],
        start: int,
        end: int,
    ) -> None:
        weights = dict(terms.impact_weights)
        denominator = lcm(*(Fraction(w).denominator for w in weights.values())) if weights else 1
        levels_of = {
            impact: int(Fraction(weight) * denominator) for impact, weight in weights.items()
        }
        group: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        levels: list[int] = []
        m_group: list[int] = []
        m_starts: list[int] = []
        m_ends: list[int] = []
        groups = list(wanted)
        for number, (pk, owner) in enumerate(groups):
            # The rows `monitoring.services.counted_outage_rows_many` reads for this customer
            # (or the module-region alone) and period, an outage still going on lasting until
            # the instant the figures are taken at.
            mine = self.epochs.get((pk, None), [])
            if owner is not None:
                mine = sorted([*mine, *self.epochs[(pk, owner)]], key=lambda r: r[4])
            for first, last, ceiling, impact, _ in mine:
                if first < end and (ceiling is None or ceiling > start) and impact in levels_of:
                    group.append(number)
                    starts.append(first)
                    ends.append(max(as_of, first) if last is None else last)
                    levels.append(levels_of[impact])
            for first, last in self.adhoc.of(
                wanted[(pk, owner)], terms.adhoc_notice_hours, start, end
            ):
                m_group.append(number)
                m_starts.append(first)
                m_ends.append(last)
        result = uptime_batch(
            n_groups=len(groups),
            period=(start, end),
            group=np.asarray(group, dtype=np.int64),
            starts=np.asarray(starts, dtype=np.int64),
            ends=np.asarray(ends, dtype=np.int64),
            weights=np.asarray(levels, dtype=np.int64),
            weight_denominator=denominator,
            target=terms.target,
            maintenance=terms.maintenance,
            group_maintenance=(
                np.asarray(m_group, dtype=np.int64),
                np.asarray(m_starts, dtype=np.int64),
                np.asarray(m_ends, dtype=np.int64),
            ),
            min_outage_seconds=terms.min_outage_seconds,
            maintenance_mode=terms.maintenance_mode,
        )
        for number, (pk, owner) in enumerate(groups):
            self.answers[(key, pk, owner)] = (
                result.uptime_fraction(number),
                result.uptime_percent_display(number),
                bool(result.met[number]),
            )
