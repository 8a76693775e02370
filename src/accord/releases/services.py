"""Release calendar services: plan from the cadence, move, cancel, record a deployment.

Services take plain values, call the engine for every time figure and run inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.access import is_staff
from accord.accounts.models import Contract, User
from accord.accounts.terms import InvalidTerms, terms_at
from accord.core.errors import Invalid, NotPermitted, StateConflict
from accord.engine.calendar import WEEKDAYS
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.releases import (
    DeployedRelease,
    PlannedRelease,
    ReleaseKind,
    cadence,
    superseded_by,
)
from accord.engine.timeutil import format_clock, from_epoch, to_epoch
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Status, Ticket
from accord.helpdesk.selectors import fixing_release as fixing_release  # read by the help desk too
from accord.incidents.maintenance import recurring_schedule
from accord.monitoring.models import ModuleRegion
from accord.releases.models import ChangeKind, Kind, Release, ReleaseChange


def _staff(actor: User | None) -> None:
    if actor is not None and not is_staff(actor):
        raise NotPermitted(_("only the vendor's staff change the release calendar"))


def planned_version(kind: str, at: datetime) -> str:
    """The version name of a release planned by the cadence, e.g. `2027.03.10-minor`."""
    return f"{at:%Y.%m.%d}-{kind}"


def plan_from_cadence(
    start: datetime,
    end: datetime,
    *,
    schedule: MaintenanceSchedule | None = None,
    module_regions: Iterable[ModuleRegion] | None = None,
) -> list[Release]:
    """Create the planned releases of [start, end) for every module-region; idempotent (a
    release already planned under the same version, even if moved or cancelled, is kept).

    Each module-region's releases go in the maintenance window of the contracts that cover it
    (`contract_schedule`), unless `schedule` is given. Refused (StateConflict, nothing
    planned) when the contracts of one module-region disagree on the window."""
    created: list[Release] = []
    regions = module_regions if module_regions is not None else ModuleRegion.objects.all()
    regions = list(regions)
    schedules = {mr.pk: schedule or contract_schedule(mr, start) for mr in regions}
    slots_of: dict[MaintenanceSchedule, list[PlannedRelease]] = {}
    for module_region in regions:
        chosen = schedules[module_region.pk]
        if chosen not in slots_of:
            slots_of[chosen] = cadence(chosen, to_epoch(start), to_epoch(end))
        for slot in slots_of[chosen]:
            at = from_epoch(slot.at)
            release, was_created = Release.objects.get_or_create(
                module_region=module_region,
                version=planned_version(slot.kind, at),
                defaults={"kind": slot.kind, "planned_at": at},
            )
            if was_created:
                created.append(release)
    return created


def _describe(schedule: MaintenanceSchedule) -> str:
    windows = ", ".join(
        f"{WEEKDAYS[w.weekday]} {format_clock(w.start)}-{format_clock(w.end)}"
        for w in schedule.weekly
    )
    return f"{windows or 'no weekly window'} {schedule.timezone}"


def contract_schedule(module_region: ModuleRegion, at: datetime) -> MaintenanceSchedule:
    """The maintenance window releases of `module_region` are planned in: that of every
    contract covering the module in the region (the terms in force at `at`) whose policy says
    `releases.in_maintenance_window = true`. With none, the status page's policy window (the
    vendor's own); when they disagree, StateConflict naming them: a release outside one
    customer's window would count against its uptime."""
    module_name = module_region.module.name
    contracts = Contract.objects.filter(
        organisation__region_id=module_region.region_id
    ).select_related("organisation__region")
    found: dict[MaintenanceSchedule, list[str]] = {}
    for contract in contracts.order_by("organisation__name"):
        try:
            terms = terms_at(contract, at)
        except InvalidTerms as error:
            raise StateConflict(f"{module_region}: {error}") from None
        if module_name not in terms.modules or not terms.policy.releases.in_maintenance_window:
            continue
        found.setdefault(terms.maintenance, []).append(str(contract.organisation))
    if not found:
        return recurring_schedule()
    if len(found) > 1:
        views = "; ".join(f"{', '.join(names)}: {_describe(s)}" for s, names in found.items())
        raise StateConflict(
            _(
                "%(target)s: the contracts disagree on the maintenance window (%(views)s); "
                "align their windows, or plan this region's releases by hand"
            )
            % {"target": module_region, "views": views}
        )
    return next(iter(found))


def _plan_changed(
    release: Release,
    kind: str,
    actor: User | None,
    reason: str,
    at: datetime,
    to: datetime | None = None,
) -> ReleaseChange:
    """The row that records a change of the plan (from the release's planned time, `to` a new
    one when it moved), written before the release itself changes."""
    return ReleaseChange.objects.create(
        release=release,
        kind=kind,
        from_planned_at=release.planned_at,
        to_planned_at=to,
        reason=reason,
        at=at,
        actor=actor,
    )


def move(
    release: Release,
    to: datetime,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> ReleaseChange:
    _staff(actor)
    if release.deployed_at is not None or release.cancelled_at is not None:
        raise StateConflict(_("a deployed or cancelled release cannot be moved"))
    change = _plan_changed(release, ChangeKind.MOVED, actor, reason, now or timezone.now(), to)
    release.planned_at = to
    release.save(update_fields=["planned_at"])
    return change


def cancel(
    release: Release, *, actor: User | None, reason: str = "", now: datetime | None = None
) -> ReleaseChange:
    _staff(actor)
    if release.deployed_at is not None:
        raise StateConflict(_("a deployed release cannot be cancelled"))
    if release.cancelled_at is not None:
        raise StateConflict(_("the release is already cancelled"))
    at = now or timezone.now()
    change = _plan_changed(release, ChangeKind.CANCELLED, actor, reason, at)
    release.cancelled_at = at
    release.save(update_fields=["cancelled_at"])
    return change


@dataclass(frozen=True)
class Recorded:
    release: Release
    created: bool
    fixed_tickets: tuple[int, ...]


def record_deployment(
    module_region: ModuleRegion,
    version: str,
    kind: str,
    at: datetime,
    notes: str = "",
    tickets: Sequence[Ticket] = (),
    *,
    actor: User,
) -> Recorded:
    """Record that `version` is deployed in `module_region` at `at`; idempotent by version and
    region (a repeat changes nothing already recorded, but links tickets not yet linked).

    Sets the module-region's deployed version (when this is its latest deployment) and marks
    each linked ticket of the same module and region whose service is restored as having its
    permanent fix delivered, with `actor` (staff) as the one who did it."""
    if not is_staff(actor):
        raise NotPermitted(_("only the vendor's staff record deployments"))
    if kind not in Kind.values:
        raise Invalid(
            _("must be one of %(choices)s") % {"choices": ", ".join(Kind.values)}, field="kind"
        )
    for ticket in tickets:
        if (
            ticket.module_id != module_region.module_id
            or ticket.region_id != module_region.region_id
        ):
            raise StateConflict(
                _("ticket #%(ticket)s is not about %(target)s")
                % {"ticket": ticket.pk, "target": module_region}
            )
    release, created = Release.objects.get_or_create(
        module_region=module_region,
        version=version,
        defaults={"kind": kind, "deployed_at": at, "notes": notes},
    )
    if not created:
        if release.kind != kind:
            raise StateConflict(
                _("version %(version)s is recorded as %(recorded)s, not %(kind)s")
                % {"version": version, "recorded": release.kind, "kind": kind}
            )
        if release.deployed_at is None:
            release.deployed_at = at
            release.cancelled_at = None
            if notes:
                release.notes = notes
            release.save(update_fields=["deployed_at", "cancelled_at", "notes"])
    if tickets:
        release.tickets.add(*tickets)
    latest = (
        Release.objects.filter(module_region=module_region, deployed_at__isnull=False)
        .order_by("-deployed_at", "-pk")
        .first()
    )
    if latest is not None and module_region.deployed_version != latest.version:
        module_region.deployed_version = latest.version
        module_region.save(update_fields=["deployed_version"])
    fixed: list[int] = []
    for ticket in release.tickets.order_by("pk"):
        if ticket.status == Status.RESTORED:
            helpdesk.change_status(
                ticket,
                Status.FIX_DELIVERED,
                actor=actor,
                note=f"Permanent fix delivered in release {release.version}",
                # Never before the ticket's own events: a deployment may be recorded late.
                now=max(filter(None, (release.deployed_at, timezone.now()))),
            )
            fixed.append(ticket.pk)
    return Recorded(release=release, created=created, fixed_tickets=tuple(fixed))


def superseding(releases: QuerySet[Release]) -> dict[int, Release]:
    """For each superseded release among `releases` (by pk), the release that supersedes it,
    computed over all deployed releases of the same module-regions."""
    scope_ids = set(releases.values_list("module_region_id", flat=True))
    every = list(Release.objects.filter(module_region_id__in=scope_ids, deployed_at__isnull=False))
    mapping = superseded_by(
        DeployedRelease(
            key=r.pk,
            scope=r.module_region_id,
            kind=ReleaseKind(r.kind),
            deployed_at=to_epoch(r.deployed_at) if r.deployed_at else None,
        )
        for r in every
    )
    by_pk = {r.pk: r for r in every}
    return {cast(int, old): by_pk[cast(int, new)] for old, new in mapping.items()}


def deployed_version_at(module_region: ModuleRegion, at: datetime) -> str | None:
    """The version running in the module-region at `at`, from the deployment history."""
    from accord.engine.releases import deployed_version_at as engine_version_at

    history = [
        (to_epoch(d), v)
        for d, v in Release.objects.filter(
            module_region=module_region, deployed_at__isnull=False
        ).values_list("deployed_at", "version")
    ]
    return engine_version_at(history, to_epoch(at))
