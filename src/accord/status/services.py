"""What the public status page shows, computed per request from a handful of queries.

* The figures (the 90 daily bars, the 90-day uptime, a customer's month so far) come from the
  engine through `accord.monitoring.services` (`daily_uptime_batch`, `uptime_grid`): one outage
  query and a few vectorised engine calls for every module-region at once. The public figures
  use the built-in policy resolved for each region (its maintenance window, its impact
  weights, days in the region's time zone) and only outages that hit everyone: an outage that
  hit one customer (`Outage.organisation`) is never public.
* The current state of a module-region is its maintenance (the recurring window or an ad-hoc
  window in progress: "Under maintenance", whatever else is open, because what fails in a
  window is not downtime) or else the worst impact of its open public outages.
* Incidents come from `accord.incidents` when its models exist (`incident_lists`), so this
  app works before they land.
* A signed-in customer sees its own month so far: uptime and error budget per covered module,
  from its contract's terms and including the outages that hit only it (`customer_panel`).
* Subscriptions are double opt-in with signed tokens (`subscribe`, `confirm`, `unsubscribe`).
* The demo switch (`simulate`) opens and closes a major outage by hand, for staff, when
  enabled (`demo_enabled`: on with ACCORD_DEBUG=1, as `make demo` runs).

Services take plain values, never commit on their own, and leave every time figure to the
engine; this module only groups and labels.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from html import escape
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import DatabaseError, connection, transaction
from django.db.models import Model, Q
from django.utils.safestring import SafeString, mark_safe

from accord.accounts.models import Contract, Organisation, User
from accord.catalogue.models import Region
from accord.core.links import absolute_url
from accord.engine.availability import MaintenanceSchedule, announced_in_time, error_budget
from accord.engine.policy import Region as EngineRegion
from accord.engine.policy import resolve
from accord.engine.timeutil import (
    epoch_to_local,
    format_clock,
    from_epoch,
    month_bounds,
    month_of,
    to_epoch,
    zone,
)
from accord.monitoring.models import Impact, MaintenanceWindow, ModuleRegion, Outage, Source
from accord.monitoring.services import (
    DailyUptime,
    PeriodUptime,
    Terms,
    covered_module_regions,
    daily_uptime_batch,
    uptime_grid,
)
from accord.policies import BUILTIN_POLICY, load_builtin
from accord.status import emails
from accord.status.models import DemoSwitch, StatusSubscriber

logger = logging.getLogger(__name__)

DAYS = 90
HISTORY_LIMIT = 50
UPCOMING_RECURRING = 2  # next occurrences of the weekly window shown per region
CONFIRM_MAX_AGE = timedelta(days=7)
RESEND_AFTER = timedelta(minutes=10)  # one confirmation email per address per 10 minutes
DEMO_REFERENCE = "status-page-demo"

# ---------------------------------------------------------------------------------------------
# States

OPERATIONAL = "operational"
MAINTENANCE = "maintenance"
STATE_LABELS = {
    OPERATIONAL: "Operational",
    MAINTENANCE: "Under maintenance",
    Impact.DEGRADED: "Degraded performance",
    Impact.PARTIAL_OUTAGE: "Partial outage",
    Impact.MAJOR_OUTAGE: "Major outage",
}
# Worst last: the region's and the page's state is the worst of their modules'.
STATE_ORDER = [
    OPERATIONAL,
    MAINTENANCE,
    Impact.DEGRADED,
    Impact.PARTIAL_OUTAGE,
    Impact.MAJOR_OUTAGE,
]
BANNERS = {
    OPERATIONAL: "All modules operational",
    MAINTENANCE: "Maintenance in progress",
    Impact.DEGRADED: "Degraded performance",
    Impact.PARTIAL_OUTAGE: "Partial outage",
    Impact.MAJOR_OUTAGE: "Major outage",
}


def worst(states: Iterable[str]) -> str:
    return max(states, key=STATE_ORDER.index, default=OPERATIONAL)


# ---------------------------------------------------------------------------------------------
# What the page shows


@dataclass
class ModuleStatus:
    module_region: ModuleRegion
    state: str
    daily: DailyUptime
    bars: SafeString
    downtime_days: int  # days with any downtime
    downtime_table: SafeString  # their rows, newest first
    demo_outage_open: bool = False

    @property
    def name(self) -> str:
        return self.module_region.module.name

    @property
    def version(self) -> str:
        return self.module_region.deployed_version

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class RegionStatus:
    region: Region
    terms: Terms
    modules: list[ModuleStatus]
    first_day: date
    last_day: date

    @property
    def state(self) -> str:
        return worst(module.state for module in self.modules)

    @property
    def banner(self) -> str:
        return BANNERS[self.state]


@dataclass
class MaintenanceItem:
    title: str
    start: datetime
    end: datetime
    regions: list[str]
    modules: list[str]  # empty: every module
    recurring: bool
    excluded: bool  # excluded from uptime (the recurring window; ad-hoc with enough notice)
    description: str = ""
    in_progress: bool = False
    cancelled: bool = False
    pk: int | None = None


@dataclass
class UpdateView:
    at: datetime
    status: str
    body: str


@dataclass
class IncidentView:
    pk: int
    title: str
    status: str
    started_at: datetime
    resolved_at: datetime | None
    affected: list[str]  # "Release Manager (us): Major outage"
    updates: list[UpdateView]  # newest first

    @property
    def updated_at(self) -> datetime:
        return max([self.started_at, *(u.at for u in self.updates)])


@dataclass
class Incidents:
    active: list[IncidentView] = field(default_factory=list)
    history: list[IncidentView] = field(default_factory=list)
    unavailable: bool = False  # the incidents app's models did not answer as expected


@dataclass
class BudgetRow:
    module: str
    month_to_date: PeriodUptime
    month: PeriodUptime
    allowed_seconds: Fraction
    used_seconds: Fraction
    remaining_seconds: Fraction

    @property
    def allowed_display(self) -> str:
        return minutes_floor(self.allowed_seconds)

    @property
    def used_display(self) -> str:
        return minutes_ceil(self.used_seconds)

    @property
    def remaining_display(self) -> str:
        return minutes_floor(self.remaining_seconds)

    @property
    def overrun_display(self) -> str:
        return minutes_ceil(-self.remaining_seconds)

    @property
    def exhausted(self) -> bool:
        """Overrun: the month can no longer meet the target (exactly 0 left still meets it)."""
        return self.remaining_seconds < 0


@dataclass
class CustomerPanel:
    organisation: Organisation
    month: str  # "2026-11"
    month_label: str  # "November 2026"
    timezone: str
    target_percent: str
    rows: list[BudgetRow]


@dataclass
class StatusPage:
    region: Region | None  # None: every region
    all_regions: list[Region]
    regions: list[RegionStatus]
    upcoming: list[MaintenanceItem]
    incidents: Incidents
    now: datetime

    @property
    def state(self) -> str:
        return worst(region.state for region in self.regions)

    @property
    def banner(self) -> str:
        return BANNERS[self.state]


# ---------------------------------------------------------------------------------------------
# Terms of the public page


def status_policy_name() -> str:
    """The policy the public figures are measured by: the setting ACCORD_STATUS_POLICY (the
    same the maintenance calendar reads), by default the built-in `plutora-standard`."""
    return str(getattr(settings, "ACCORD_STATUS_POLICY", "") or BUILTIN_POLICY)


@lru_cache(maxsize=64)
def _public_terms(policy: str, code: str, name: str, tz: str, country: str, sub: str) -> Terms:
    region = EngineRegion(code, name, tz, country or None, sub or None)
    return Terms.of(resolve(load_builtin(policy), region))


def public_terms(region: Region) -> Terms:
    """The status page's policy resolved for a region (its maintenance window, its impact
    weights, days in the region's time zone)."""
    return _public_terms(
        status_policy_name(),
        region.code,
        region.name,
        region.timezone,
        region.holiday_country,
        region.holiday_subdiv,
    )


# ---------------------------------------------------------------------------------------------
# The page


def status_page(region: Region | None, *, now: datetime) -> StatusPage:
    """Everything the status page of one region (or, with None, of every region) shows."""
    everywhere = list(Region.objects.all())
    regions = [region] if region is not None else everywhere
    region_ids = [r.pk for r in regions]
    module_regions = list(
        ModuleRegion.objects.filter(region_id__in=region_ids)
        .select_related("module", "region")
        .order_by("region__name", "module__position", "module__name")
    )
    terms = {r.pk: public_terms(r) for r in regions}
    today = {
        r.pk: epoch_to_local(to_epoch(now), zone(terms[r.pk].timezone)).date() for r in regions
    }

    daily = daily_uptime_batch(
        module_regions, terms, {pk: _days(day) for pk, day in today.items()}, now=now
    )

    windows = list(
        MaintenanceWindow.objects.filter(region_id__in=region_ids, end__gt=now, cancelled_at=None)
        .select_related("region")
        .prefetch_related("module_regions__module")
    )
    open_impacts, demo_open = _open_outages(module_regions, now)
    demo_open |= demo_down_ids([mr.pk for mr in module_regions])
    in_window = _in_maintenance(module_regions, terms, windows, now)

    by_region: dict[int, list[ModuleStatus]] = {r.pk: [] for r in regions}
    for mr in module_regions:
        figures = daily[mr.pk]
        days = _days(today[mr.region_id])
        state = MAINTENANCE if mr.pk in in_window else worst(open_impacts.get(mr.pk, ()))
        bars, count, table = day_figures_html(mr.module.name, days, figures.days)
        by_region[mr.region_id].append(
            ModuleStatus(
                module_region=mr,
                state=state,
                daily=figures,
                bars=bars,
                downtime_days=count,
                downtime_table=table,
                demo_outage_open=mr.pk in demo_open,
            )
        )
    return StatusPage(
        region=region,
        all_regions=everywhere,
        regions=[
            RegionStatus(
                region=r,
                terms=terms[r.pk],
                modules=by_region[r.pk],
                first_day=_days(today[r.pk])[0],
                last_day=today[r.pk],
            )
            for r in regions
        ],
        upcoming=upcoming_maintenance(regions, terms, windows, now=now),
        incidents=incident_lists(region_ids, now=now),
        now=now,
    )


def _days(today: date) -> tuple[date, ...]:
    return tuple(today - timedelta(days=DAYS - 1 - n) for n in range(DAYS))


def _open_outages(
    module_regions: Sequence[ModuleRegion], now: datetime
) -> tuple[dict[int, list[str]], set[int]]:
    """Impacts of the public outages going on at `now`, by module-region; and the
    module-regions with a demo outage open."""
    impacts: dict[int, list[str]] = {}
    demo: set[int] = set()
    rows = (
        Outage.objects.filter(
            module_region_id__in=[mr.pk for mr in module_regions],
            organisation__isnull=True,
            start__lte=now,
        )
        .filter(Q(end__isnull=True) | Q(end__gt=now))
        .values_list("module_region_id", "impact", "reference", "end")
    )
    for module_region_id, impact, reference, end in rows:
        impacts.setdefault(module_region_id, []).append(impact)
        if reference == DEMO_REFERENCE and end is None:
            demo.add(module_region_id)
    return impacts, demo


def _in_maintenance(
    module_regions: Sequence[ModuleRegion],
    terms: dict[int, Terms],
    windows: Sequence[MaintenanceWindow],
    now: datetime,
) -> set[int]:
    """Module-regions inside a maintenance window at `now`: the recurring one, or an ad-hoc
    window in progress (with or without enough notice: the work is going on either way)."""
    instant = to_epoch(now)
    recurring = {
        region_id
        for region_id, region_terms in terms.items()
        if region_terms.maintenance.intervals(instant, instant + 1)[0].size
    }
    inside = {mr.pk for mr in module_regions if mr.region_id in recurring}
    for window in windows:
        if window.start <= now < window.end:
            named = {mr.pk for mr in window.module_regions.all()}
            inside |= {
                mr.pk
                for mr in module_regions
                if mr.region_id == window.region_id and (not named or mr.pk in named)
            }
    return inside


def day_figures_html(
    module: str, days: Sequence[date], figures: Sequence[PeriodUptime]
) -> tuple[SafeString, int, SafeString]:
    """The 90 bars of one module-region as an ordered list, oldest day first; how many days
    had downtime; and the rows of their table, newest first.

    Every bar carries its text ("2026-11-02: 99.950% uptime") as a tooltip and as visually
    hidden text for screen readers, and its height says what its colour says. The table (in a
    `<details>` on the page) gives keyboard users the same figures. Built here rather than in
    template loops: the overall page's 1,350 bars and their tables then take milliseconds.
    Nothing in them comes from a person but the module's name, which is escaped."""
    bars = [f'<ol class="bars" aria-label="{escape(module)}: daily uptime, last {len(days)} days">']
    rows: list[str] = []
    for day, figure in zip(days, figures, strict=True):
        iso = day.isoformat()
        shown = figure.uptime_percent_display
        label = f"{iso}: {shown}% uptime"
        down = figure.downtime_numerator
        if down:
            minutes = _minutes_up(down, figure.downtime_denominator)
            label += f", {minutes} min down"
            rows.append(
                f'<tr><th scope="row">{iso}</th><td>{shown}%</td><td>{minutes} min</td></tr>'
            )
        if figure.maintenance_seconds:
            label += f", {_tenths(figure.maintenance_seconds // 6)} min maintenance"
        kind = "bar-up" if not down else "bar-dip" if figure.met else "bar-down"
        bars.append(
            f'<li class="{kind}" title="{label}"><span class="visually-hidden">{label}</span></li>'
        )
    bars.append("</ol>")
    rows.reverse()
    return mark_safe("".join(bars)), len(rows), mark_safe("".join(rows))  # noqa: S308


def _minutes_up(numerator: int, denominator: int) -> str:
    """`minutes_ceil` of numerator / denominator seconds, on integers (the bars' hot path)."""
    return _tenths(-(-numerator // (denominator * 6)))


def minutes_floor(seconds: Fraction) -> str:
    """Minutes to one decimal, floored (never more than there is): 2584.8 s -> "43.0"."""
    return _tenths(math.floor(Fraction(seconds) / 6))


def minutes_ceil(seconds: Fraction) -> str:
    """Minutes to one decimal, rounded up (never less than there was): 601 s -> "10.1"."""
    return _tenths(math.ceil(Fraction(seconds) / 6))


def _tenths(tenths: int) -> str:
    sign = "-" if tenths < 0 else ""
    whole, part = divmod(abs(tenths), 10)
    return f"{sign}{whole:,}.{part}"


# ---------------------------------------------------------------------------------------------
# Maintenance


def weekly_rule(schedule: MaintenanceSchedule) -> str:
    """ "Wednesday 01:00–01:30 America/Los_Angeles": the recurring window in words."""
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return "; ".join(
        f"every {names[w.weekday]} {format_clock(w.start)}–{format_clock(w.end)} "
        f"{schedule.timezone}"
        for w in schedule.weekly
    )


def upcoming_maintenance(
    regions: Sequence[Region],
    terms: dict[int, Terms],
    windows: Sequence[MaintenanceWindow],
    *,
    now: datetime,
) -> list[MaintenanceItem]:
    """The next occurrences of each region's recurring window (the same instants in several
    regions are one item) and every ad-hoc window not over yet, soonest first."""
    instant = to_epoch(now)
    recurring: dict[tuple[int, int], MaintenanceItem] = {}
    for region in regions:
        schedule = terms[region.pk].maintenance
        starts, ends = schedule.intervals(instant - 86_400, instant + 15 * 86_400)
        shown = 0
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if end <= instant or shown == UPCOMING_RECURRING:
                continue
            shown += 1
            item = recurring.setdefault(
                (start, end),
                MaintenanceItem(
                    title="Weekly maintenance window",
                    description=f"The SLA's recurring window: {weekly_rule(schedule)}.",
                    start=from_epoch(start),
                    end=from_epoch(end),
                    regions=[],
                    modules=[],
                    recurring=True,
                    excluded=True,
                    in_progress=start <= instant,
                ),
            )
            item.regions.append(region.name)
    items = list(recurring.values())
    for window in windows:
        items.append(
            MaintenanceItem(
                title=window.title,
                description=window.description,
                start=window.start,
                end=window.end,
                regions=[window.region.name],
                modules=[mr.module.name for mr in window.module_regions.all()],
                recurring=False,
                excluded=announced_in_time(
                    to_epoch(window.start),
                    to_epoch(window.announced_at),
                    terms[window.region_id].adhoc_notice_hours,
                ),
                in_progress=window.start <= now,
                pk=window.pk,
            )
        )
    return sorted(items, key=lambda item: (item.start, item.end, item.title))


# ---------------------------------------------------------------------------------------------
# Incidents (from accord.incidents, once its models exist)


def incident_model() -> type[Model] | None:
    """`accord.incidents.models.Incident`, or None while that app has no such model."""
    if not apps.is_installed("accord.incidents"):
        return None
    try:
        return apps.get_model("incidents", "Incident")
    except LookupError:
        return None


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _label(obj: Any, name: str) -> str:
    display = getattr(obj, f"get_{name}_display", None)
    return str(display() if callable(display) else getattr(obj, name))


def _impact_route(model: type[Model]) -> str | None:
    """How an incident names its module-regions: `impacts` (rows with `module_region` and
    `impact`) or `outages` (links to `monitoring.Outage` rows, which carry both)."""
    for name, route in (("impacts", "impacts__"), ("outages", "outages__outage__")):
        if _has_field(model, name):
            return route
    return None


def incident_lists(region_ids: Sequence[int], *, now: datetime) -> Incidents:
    """Active incidents and those resolved in the last 90 days that touch these regions (or
    name no module-region at all), newest first, each with its updates.

    Written against `Incident(title, status, started_at, resolved_at)` with related `updates`
    (`IncidentUpdate(at, status, body)`) and its module-regions either as `impacts`
    (`(module_region, impact)`) or as `outages` (links to the outage rows). Incidents that are
    not public (a `public` field) or for one customer only (an `organisation` field) are left
    out. If the model does not answer to that interface the page says that incidents are
    unavailable rather than failing (the query runs in a savepoint, so a transaction around it
    survives)."""
    model = incident_model()
    if model is None:
        return Incidents()
    route = _impact_route(model)
    # Inside a transaction a failing query must not spoil it: a savepoint. Outside one (a page
    # request in autocommit), no transaction at all: on SQLite it would take the write lock.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            rows = model._default_manager.all()
            if route is not None:
                rows = rows.filter(
                    Q(**{f"{route}module_region__region_id__in": list(region_ids)})
                    | Q(**{f"{route[:-2]}__isnull": True})
                )
            if _has_field(model, "public"):
                rows = rows.filter(public=True)
            if _has_field(model, "organisation"):
                rows = rows.filter(organisation__isnull=True)
            prefetch = ["updates"]
            if route is not None:
                prefetch += [f"{route}module_region__module", f"{route}module_region__region"]
            rows = (
                rows.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(DAYS)))
                .distinct()
                .order_by("-started_at")
                .prefetch_related(*prefetch)[:HISTORY_LIMIT]
            )
            views = [_incident_view(row, route) for row in rows]
    except (FieldError, AttributeError, ValueError, DatabaseError):
        logger.exception("status page: the incidents app does not answer as expected")
        return Incidents(unavailable=True)
    return Incidents(
        active=[v for v in views if v.resolved_at is None],
        history=[v for v in views if v.resolved_at is not None],
    )


def _incident_view(row: Any, route: str | None) -> IncidentView:
    updates = sorted(row.updates.all(), key=lambda u: u.at, reverse=True)
    affected: dict[int, tuple[ModuleRegion, str]] = {}
    if route == "impacts__":
        for item in row.impacts.all():
            affected[item.module_region_id] = (item.module_region, _label(item, "impact"))
    elif route is not None:
        # One outage row per impact the incident had: the latest one per module-region says
        # its impact now (or when the incident was resolved).
        for link in sorted(row.outages.all(), key=lambda link: link.outage.start):
            outage = link.outage
            affected[outage.module_region_id] = (outage.module_region, _label(outage, "impact"))
    return IncidentView(
        pk=row.pk,
        title=row.title,
        status=_label(row, "status"),
        started_at=row.started_at,
        resolved_at=row.resolved_at,
        affected=[
            f"{mr.module.name} ({mr.region.name}): {impact}" for mr, impact in affected.values()
        ],
        updates=[UpdateView(at=u.at, status=_label(u, "status"), body=u.body) for u in updates],
    )


# ---------------------------------------------------------------------------------------------
# A signed-in customer's own month


def customer_panel(user: User, *, now: datetime) -> CustomerPanel | None:
    """Month-to-date uptime and error budget of each module the customer's contract covers, in
    its region, from its contract's terms (the month in its reporting time zone), counting the
    outages that hit everyone and those that hit only this customer; None for anyone who is
    not a customer with a contract.

    Error budget = (1 - target) x the month's eligible time (the whole month less its
    maintenance windows) - the downtime so far. It is shown floored to a tenth of a minute and
    the downtime rounded up, so the page never shows more budget than is left."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or user.is_vendor_staff:
        return None
    try:
        contract: Contract = organisation.contract
    except Contract.DoesNotExist:
        return None
    contract_terms = contract.terms
    terms = Terms.of(contract_terms)
    tz = zone(terms.timezone)
    local = epoch_to_local(to_epoch(now), tz)
    month = month_of(to_epoch(now), tz)
    first, following = (from_epoch(b) for b in month_bounds(month, tz))
    module_regions = covered_module_regions(organisation, contract_terms)
    grid = uptime_grid(
        module_regions,
        {organisation.region_id: terms},
        {organisation.region_id: [(first, following), (first, max(first, now))]},
        now=now,
        organisation=organisation,
    )
    rows = []
    for mr in module_regions:
        whole_month, so_far = grid[mr.pk]
        budget = error_budget(terms.target, whole_month.eligible_seconds, so_far.downtime_seconds)
        rows.append(
            BudgetRow(
                module=mr.module.name,
                month_to_date=so_far,
                month=whole_month,
                allowed_seconds=budget.allowed_seconds,
                used_seconds=budget.used_seconds,
                remaining_seconds=budget.remaining_seconds,
            )
        )
    return CustomerPanel(
        organisation=organisation,
        month=month,
        month_label=f"{local:%B %Y}",
        timezone=terms.timezone,
        target_percent=_percent(terms.target),
        rows=rows,
    )


def _percent(fraction: Fraction) -> str:
    """An exact target as a percent without trailing zeros: 999/1000 -> "99.9"."""
    value = fraction * 100
    for decimals in range(7):
        scaled = value * 10**decimals
        if scaled.denominator == 1:
            text = str(scaled.numerator).rjust(decimals + 1, "0")
            return text[: len(text) - decimals] + ("." + text[-decimals:] if decimals else "")
    return f"{float(value):.6f}"


# ---------------------------------------------------------------------------------------------
# Subscriptions: double opt-in


_CONFIRM_SALT = "accord.status.confirm"
_UNSUBSCRIBE_SALT = "accord.status.unsubscribe"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def confirm_token(subscriber: StatusSubscriber) -> str:
    """Good for 7 days, for the latest confirmation email only (`n` counts them)."""
    return signing.dumps(
        {"id": subscriber.pk, "email": subscriber.email, "n": subscriber.confirmations_sent},
        salt=_CONFIRM_SALT,
        compress=True,
    )


def unsubscribe_token(subscriber: StatusSubscriber) -> str:
    """Good for ever (a notice's unsubscribe link must keep working)."""
    return signing.dumps(
        {"id": subscriber.pk, "email": subscriber.email}, salt=_UNSUBSCRIBE_SALT, compress=True
    )


def subscribe(email: str, region: Region | None, *, now: datetime) -> bool:
    """Ask for status emails: queue a confirmation email unless the address is already
    subscribed (to the same scope) or was sent one in the last 10 minutes. Whether one was
    queued is returned for tests and logs only: the visitor is told the same either way, so
    the form does not reveal who is subscribed."""
    subscriber, _ = StatusSubscriber.objects.get_or_create(
        email=normalise_email(email), region=region
    )
    if subscriber.active:
        return False
    if subscriber.unsubscribed_at is not None:  # subscribing again: opt in again
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
    elif (
        subscriber.confirmation_sent_at is not None
        and now - subscriber.confirmation_sent_at < RESEND_AFTER
    ):
        subscriber.save()
        return False
    subscriber.confirmations_sent += 1
    subscriber.confirmation_sent_at = now
    subscriber.save()
    emails.queue_confirmation(subscriber, confirm_token(subscriber), now=now)
    return True


def _load(token: str, salt: str, max_age: timedelta | None) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return data if isinstance(data, dict) else None


def subscriber_for_confirmation(token: str) -> StatusSubscriber | None:
    """The subscription a confirmation link is for, while the link is good."""
    data = _load(token, _CONFIRM_SALT, CONFIRM_MAX_AGE)
    if data is None:
        return None
    subscriber = StatusSubscriber.objects.filter(pk=data.get("id"), email=data.get("email")).first()
    if subscriber is None or subscriber.confirmations_sent != data.get("n"):
        return None
    if subscriber.unsubscribed_at is not None:
        return None
    return subscriber


def confirm(token: str, *, now: datetime) -> StatusSubscriber | None:
    subscriber = subscriber_for_confirmation(token)
    if subscriber is not None and subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def subscriber_for_unsubscribe(token: str) -> StatusSubscriber | None:
    data = _load(token, _UNSUBSCRIBE_SALT, None)
    if data is None:
        return None
    return StatusSubscriber.objects.filter(pk=data.get("id"), email=data.get("email")).first()


def unsubscribe(token: str, *, now: datetime) -> StatusSubscriber | None:
    subscriber = subscriber_for_unsubscribe(token)
    if subscriber is not None and subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


# ---------------------------------------------------------------------------------------------
# The demo switch


def demo_enabled() -> bool:
    """The staff's "simulate an outage" buttons: on when ACCORD_DEBUG=1 (`make demo`), or
    where the setting ACCORD_STATUS_DEMO says so. Never by default in production: a
    simulated outage is a real outage row and counts against every customer's uptime."""
    return bool(getattr(settings, "ACCORD_STATUS_DEMO", settings.DEBUG))


def simulate(module_region: ModuleRegion, *, down: bool, now: datetime) -> Outage | None:
    """Open a major outage of the module-region (note "demo") or close the open demo outages.
    Idempotent: a second "down" keeps the open one, a second "up" does nothing. Only outages
    this switch opened are closed; whatever a probe or an incident opened stays."""
    open_demo = Outage.objects.filter(
        module_region=module_region, reference=DEMO_REFERENCE, end__isnull=True
    )
    if down:
        existing = open_demo.first()
        if existing is not None:
            return existing
        return Outage.objects.create(
            module_region=module_region,
            source=Source.INCIDENT,
            impact=Impact.MAJOR_OUTAGE,
            start=now,
            reference=DEMO_REFERENCE,
            note="demo",
        )
    open_demo.update(end=now)
    return None


DEMO_HEALTH_PATH = "/status/demo-health/{pk}/"


def demo_health_url(module_region: ModuleRegion) -> str:
    """Where the demo's health check of the module-region points: its stand-in endpoint."""
    return absolute_url(DEMO_HEALTH_PATH.format(pk=module_region.pk))


def has_demo_check(module_region: ModuleRegion) -> bool:
    """Whether an active health check probes the module-region's stand-in endpoint: then the
    staff's switch takes the endpoint down and the probes confirm the outage for real."""
    if not apps.is_installed("accord.probes"):
        return False
    health_check = apps.get_model("probes", "HealthCheck")
    path = DEMO_HEALTH_PATH.format(pk=module_region.pk)
    return health_check.objects.filter(
        module_region=module_region, active=True, url__endswith=path
    ).exists()


def demo_health_down(module_region: ModuleRegion) -> bool:
    """Whether the staff switched the module-region's stand-in endpoint down."""
    return DemoSwitch.objects.filter(module_region=module_region, down=True).exists()


def demo_down_ids(module_region_ids: Sequence[int]) -> set[int]:
    return set(
        DemoSwitch.objects.filter(module_region_id__in=module_region_ids, down=True).values_list(
            "module_region_id", flat=True
        )
    )


def set_demo_health(module_region: ModuleRegion, *, down: bool, now: datetime) -> DemoSwitch:
    """Switch the module-region's stand-in endpoint down (503) or up (200) again. Idempotent."""
    switch, _ = DemoSwitch.objects.update_or_create(
        module_region=module_region, defaults={"down": down, "changed_at": now}
    )
    return switch


def module_region_of(pk: int) -> ModuleRegion | None:
    return ModuleRegion.objects.select_related("module", "region").filter(pk=pk).first()
