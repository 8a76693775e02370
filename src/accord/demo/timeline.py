"""What the history's parts share: the customers and staff it is made for, the months it
covers, local instants drawn in them, and the customer-month kept for the tier boundary."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accord.accounts.models import Organisation, User
from accord.catalogue.models import Module
from accord.engine.timeutil import (
    epoch_to_local,
    from_epoch,
    local_to_epoch,
    month_bounds,
    to_epoch,
    zone,
)
from accord.monitoring.models import ModuleRegion

FULL_MONTHS = 12


@dataclass
class Customer:
    organisation: Organisation
    reporter: User
    admin: User
    tz_name: str
    months: list[str]
    module_regions: dict[str, ModuleRegion]  # by module slug
    rng: random.Random
    modules: list[Module] = field(default_factory=list)


@dataclass(frozen=True)
class Staff:
    agent: User
    manager: User


@dataclass(frozen=True)
class Boundary:
    """A customer-month where one module's uptime lands exactly on a tier boundary."""

    slug: str
    month: str
    module: str  # module slug
    downtime_seconds: int


def reserved_module(customer: Customer, month: str, boundary: Boundary | None) -> str | None:
    """The module slug nothing else may touch in this customer-month (the boundary's)."""
    if boundary and boundary.slug == customer.organisation.slug and boundary.month == month:
        return boundary.module
    return None


def history_months(now: datetime, tz_name: str) -> list[str]:
    """The 12 full months before `now`'s month in `tz_name`, then `now`'s month."""
    local = epoch_to_local(to_epoch(now), zone(tz_name))
    index = local.year * 12 + local.month - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(index - FULL_MONTHS, index + 1)]


# --- time -----------------------------------------------------------------------------------


def local_instant(day: date, minutes: int, tz_name: str) -> datetime:
    """A local wall-clock time, converted by the engine."""
    return from_epoch(local_to_epoch(day, minutes * 60, zone(tz_name)))


def month_days(month: str, tz_name: str) -> list[date]:
    start, end = month_bounds(month, zone(tz_name))
    first = epoch_to_local(start, zone(tz_name)).date()
    last = epoch_to_local(end - 1, zone(tz_name)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def moment(rng: random.Random, month: str, tz_name: str, when: str) -> datetime:
    """A local instant in `month`: in business hours, at night or on a weekend."""
    days = month_days(month, tz_name)
    if when == "weekend":
        day = rng.choice([d for d in days if d.weekday() >= 5])
        minutes = rng.randint(9 * 60, 21 * 60)
    elif when == "night":
        day = rng.choice(days)
        minutes = rng.choice([rng.randint(0, 6 * 60 + 30), rng.randint(19 * 60 + 30, 23 * 60 + 50)])
    else:
        day = rng.choice([d for d in days if d.weekday() < 5])
        minutes = rng.randint(8 * 60 + 30, 15 * 60 + 30)
    return local_instant(day, minutes, tz_name)


def random_span(rng: random.Random, low_hours: float, high_hours: float) -> timedelta:
    """A span between `low_hours` and `high_hours`, to the minute."""
    return timedelta(minutes=round(rng.uniform(low_hours, high_hours) * 60))
