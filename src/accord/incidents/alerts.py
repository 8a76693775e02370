"""External monitors (Alertmanager, generic webhooks): their sources and tokens, and the alerts
they send, mapped to module-regions and written as `monitoring.Outage` rows. Runs inside the
caller's transaction; a refusal raises `Refused` or `PayloadError` naming the field."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.catalogue.models import Module, Region
from accord.incidents.hooks import AlertEvent, PayloadError
from accord.incidents.models import (
    ExternalAlert,
    ExternalSource,
    SourceKind,
)
from accord.incidents.services import (
    CLOCK_SKEW,
    Refused,
    _require_staff,
    _title,
    find_module,
    find_region,
)
from accord.monitoring.models import Impact, ModuleRegion, Outage, Source

# ---------------------------------------------------------------------------------------------
# External sources


def create_source(
    *,
    name: str,
    kind: str,
    actor: User,
    module_region: ModuleRegion | None = None,
    module_label: str = "module",
    region_label: str = "region",
    impact: str = Impact.MAJOR_OUTAGE,
) -> tuple[ExternalSource, str]:
    """A new external source and its token's text (shown once, stored only as a digest)."""
    _require_staff(actor)
    name = _title(name, "name")[:100]
    if kind not in SourceKind.values:
        raise Refused(
            _("must be one of %(choices)s") % {"choices": ", ".join(SourceKind.values)},
            field="kind",
        )
    if impact not in Impact.values:
        raise Refused(
            _("must be one of %(choices)s") % {"choices": ", ".join(Impact.values)}, field="impact"
        )
    if ExternalSource.objects.filter(name__iexact=name).exists():
        raise Refused(_("another source has this name"), field="name")
    source = ExternalSource(
        name=name,
        kind=kind,
        module_region=module_region,
        module_label=module_label.strip() or "module",
        region_label=region_label.strip() or "region",
        impact=impact,
    )
    token = source.new_token()
    source.save()
    return source, token


def rotate_token(source: ExternalSource, *, actor: User) -> str:
    """A new token for the source; the old one stops working at once."""
    _require_staff(actor)
    token = source.new_token()
    source.save(update_fields=["token_prefix", "token_digest"])
    return token


@dataclass(frozen=True)
class AlertOutcome:
    alert: str  # the alert's place in the payload, e.g. "alerts[1]"
    monitor: str
    outcome: str  # opened, closed, recorded (arrived resolved), unchanged
    outage_id: int | None


_Found = TypeVar("_Found", Module, Region)


def _named(
    text: str, field: str, what: str, find: Callable[[str], _Found | None], default: _Found | None
) -> _Found:
    """The module or region (`what`) an alert's label names, else the source's default; the
    error names the payload's `field`."""
    if text:
        found = find(text)
        if found is None:
            raise PayloadError(field, f"no {what} {text!r} in Accord")
        return found
    if default is None:
        raise PayloadError(field, "is missing and the source has no default module-region")
    return default


def _mapped(source: ExternalSource, event: AlertEvent) -> tuple[ModuleRegion, str]:
    """The module-region and impact an alert is about: its labels, else the source's default."""
    if source.kind == SourceKind.ALERTMANAGER:
        module_label, region_label = source.module_label, source.region_label
        base = f"{event.where}.labels."
    else:
        module_label, region_label = "module", "region"
        base = f"{event.where}." if event.where else ""
    default = source.module_region
    module = _named(
        event.labels.get(module_label, ""),
        f"{base}{module_label}",
        "module",
        find_module,
        default.module if default is not None else None,
    )
    region = _named(
        event.labels.get(region_label, ""),
        f"{base}{region_label}",
        "region",
        find_region,
        default.region if default is not None else None,
    )
    found = ModuleRegion.objects.filter(module=module, region=region).first()
    if found is None:
        raise PayloadError(f"{base}{region_label}", f"{module} does not run in {region}")
    impact = source.impact
    if source.kind == SourceKind.ALERTMANAGER and event.labels.get("impact"):
        impact = event.labels["impact"]
        if impact not in Impact.values:
            raise PayloadError(f"{base}impact", f"must be one of {', '.join(Impact.values)}")
    return found, impact


def receive_alerts(
    source: ExternalSource, events: Iterable[AlertEvent], *, now: datetime
) -> list[AlertOutcome]:
    """Open and close outages for an external source's alerts, idempotently.

    Every event is checked (times, mapping) before anything is written, so a payload refused
    with a PayloadError changed nothing. A redelivered notification finds its `ExternalAlert`
    and changes nothing: a firing alert already open stays open, a resolved one already closed
    stays closed (a late "firing" never reopens a resolved alert). An alert that arrives
    resolved without Accord having seen it fire is recorded as a closed outage.
    """
    items = list(events)
    plans = []
    for event in items:
        for moment, name in ((event.start, "start"), (event.end, "end")):
            if moment is not None and moment > now + CLOCK_SKEW:
                field = _time_field(source, event, name)
                raise PayloadError(field, "is in the future (check the monitor's clock)")
        plans.append((event, *_mapped(source, event)))
    outcomes = []
    for event, module_region, impact in plans:
        if source.kind == SourceKind.ALERTMANAGER:
            outcome = _alertmanager_event(source, event, module_region, impact, now=now)
        else:
            outcome = _webhook_event(source, event, module_region, now=now)
        outcomes.append(outcome)
    source.last_received_at = now
    source.save(update_fields=["last_received_at"])
    return outcomes


def _time_field(source: ExternalSource, event: AlertEvent, name: str) -> str:
    if source.kind == SourceKind.ALERTMANAGER:
        return f"{event.where}.{'startsAt' if name == 'start' else 'endsAt'}"
    return f"{event.where}.at" if event.where else "at"


def _open_outage(
    source: ExternalSource,
    event: AlertEvent,
    module_region: ModuleRegion,
    impact: str,
    *,
    start: datetime,
    end: datetime | None,
    now: datetime,
) -> ExternalAlert | None:
    """A new outage and its alert row; None when a concurrent delivery made it first."""
    try:
        with transaction.atomic():
            outage = Outage.objects.create(
                module_region=module_region,
                source=Source.ALERTMANAGER
                if source.kind == SourceKind.ALERTMANAGER
                else Source.WEBHOOK,
                impact=impact,
                start=start,
                end=end,
                reference=event.key,
                note=f"{source.name}: {event.summary}"[:500] if event.summary else source.name,
            )
            return ExternalAlert.objects.create(
                source=source,
                monitor=event.key,
                start=start,
                outage=outage,
                received_at=now,
                summary=event.summary[:500],
            )
    except IntegrityError:
        return None


def _alertmanager_event(
    source: ExternalSource,
    event: AlertEvent,
    module_region: ModuleRegion,
    impact: str,
    *,
    now: datetime,
) -> AlertOutcome:
    assert event.start is not None
    existing = (
        ExternalAlert.objects.select_related("outage")
        .filter(source=source, monitor=event.key, start=event.start)
        .first()
    )
    if existing is None:
        made = _open_outage(
            source,
            event,
            module_region,
            impact,
            start=event.start,
            end=None if event.firing else event.end,
            now=now,
        )
        if made is None:
            return AlertOutcome(event.where, event.key, "unchanged", None)
        return AlertOutcome(
            event.where, event.key, "opened" if event.firing else "recorded", made.outage_id
        )
    outage = existing.outage
    if not event.firing and outage.end is None:
        closed = Outage.objects.filter(pk=outage.pk, end__isnull=True).update(end=event.end)
        if closed:
            return AlertOutcome(event.where, event.key, "closed", outage.pk)
    return AlertOutcome(event.where, event.key, "unchanged", outage.pk)


def _webhook_event(
    source: ExternalSource, event: AlertEvent, module_region: ModuleRegion, *, now: datetime
) -> AlertOutcome:
    open_alert = (
        ExternalAlert.objects.select_related("outage")
        .filter(source=source, monitor=event.key, outage__end__isnull=True)
        .order_by("-start")
        .first()
    )
    if event.firing:
        assert event.start is not None
        if open_alert is not None:
            return AlertOutcome(event.where, event.key, "unchanged", open_alert.outage_id)
        if ExternalAlert.objects.filter(
            source=source, monitor=event.key, start=event.start
        ).exists():
            return AlertOutcome(event.where, event.key, "unchanged", None)  # redelivered
        made = _open_outage(
            source, event, module_region, source.impact, start=event.start, end=None, now=now
        )
        if made is None:
            return AlertOutcome(event.where, event.key, "unchanged", None)
        return AlertOutcome(event.where, event.key, "opened", made.outage_id)
    if open_alert is None:
        return AlertOutcome(event.where, event.key, "unchanged", None)  # was not down
    assert event.end is not None
    outage = open_alert.outage
    if event.end < outage.start:
        field = f"{event.where}.at" if event.where else "at"
        raise PayloadError(field, f"is before the outage began ({outage.start:%Y-%m-%dT%H:%M:%SZ})")
    Outage.objects.filter(pk=outage.pk, end__isnull=True).update(end=event.end)
    return AlertOutcome(event.where, event.key, "closed", outage.pk)
