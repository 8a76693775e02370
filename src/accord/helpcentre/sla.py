"""The SLA article, rendered from the policy the engine enforces; every change is a new version."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from accord.engine.availability import MaintenanceSchedule
from accord.engine.policy import policy_from_data, policy_to_data
from accord.engine.timeutil import DAY, epoch_to_local, to_epoch
from accord.helpcentre.models import SlaVersion
from accord.policies import BUILTIN_POLICY, load_builtin

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_READER_ZONE = "America/Los_Angeles"


def current_policy_data() -> dict[str, Any]:
    name = str(getattr(settings, "ACCORD_STATUS_POLICY", "") or BUILTIN_POLICY)
    return policy_to_data(load_builtin(name))


def _target(target: dict[str, int]) -> str:
    parts = []
    for unit in ("days", "hours", "minutes"):
        n = int(target.get(unit, 0))
        if n:
            parts.append(f"{n} {unit if n != 1 else unit[:-1]}")
    return " ".join(parts) or "none"


def sla_markdown(data: dict[str, Any]) -> str:
    """The article's text (everything but the reader's own time zone, shown beside it)."""
    a = data["availability"]
    m = a["maintenance"]
    lines = [f"# {data['name']}", "", f"Source: {data.get('source', '')}", ""]
    lines += ["## Covered modules", ""] + [f"- {x}" for x in a["modules"]] + [""]
    lines += [
        "## Uptime commitment",
        "",
        f"Each module is available at least **{a['target_percent']}%** of each calendar month, "
        "measured per module and region in the customer's region time zone. "
        + (
            "Scheduled maintenance is excluded from the measurement. "
            if a["maintenance_mode"] == "exclude"
            else ""
        )
        + "A major outage counts in full, a partial outage counts "
        + f"{a['impact_weights'].get('partial_outage', '0')} of its time, "
        "degraded performance does not count as downtime.",
        "",
        "## Maintenance window",
        "",
    ]
    for w in m["weekly"]:
        lines.append(
            f"- Every {DAY_NAMES[DAYS[w['day']]]} {w['start']}–{w['end']} ({m['timezone']})"
        )
    lines += [
        "",
        m.get("reading", ""),
        "",
        f"Other maintenance is excluded only when announced at least "
        f"{m['adhoc_notice_hours']} hours ahead.",
        "",
        "## Severities and return-to-service targets",
        "",
        "| Severity | Description | Target |",
        "|---|---|---|",
    ]
    for s in data["severities"]:
        lines.append(
            f"| {s['level']} – {s['name']} | {s['description']} | {_target(s['target'])} |"
        )
    lines += [
        "",
        "Targets are counted in support hours.",
        "",
        "## What starts and stops the clock",
        "",
        "The clock starts when the ticket is raised and stops when service is returned "
        "(the fault is resolved or a workaround is accepted). "
        + (
            "The clock may be paused while waiting on the customer."
            if data["clock"]["allow_pause"]
            else "The clock is never paused."
        ),
        "",
        "## How severity is designated and disputed",
        "",
        "The customer proposes a severity when raising a ticket; the vendor's support staff "
        "designate it. Either side may propose a different severity with a reason, and the "
        "other side agrees or not; every change is recorded on the ticket.",
        "",
        "## Support hours",
        "",
    ]
    hours = data["support_hours"]
    if hours.get("always"):
        lines.append("- Around the clock")
    for day, spans in hours["weekly"].items():
        text = ", ".join(f"{a}–{b}" for a, b in spans)
        lines.append(f"- {DAY_NAMES[DAYS[day]]}: {text}")
    zone = hours["timezone"]
    lines += [
        "",
        "In the customer's region time zone." if zone == "region" else f"In {zone}.",
        "Closed on the region's public holidays." if hours.get("region_holidays") else "",
        "",
        "## Release cadence",
        "",
        f"Minor releases: {data['releases']['minor']}; major releases: "
        f"{data['releases']['major']}"
        + (", in the maintenance window." if data["releases"]["in_maintenance_window"] else "."),
        "",
        "## Supported browsers",
        "",
    ]
    lines += [f"- {b}" for b in data["supported_browsers"]]
    lines += ["", "## Assumptions", ""] + [f"- {x}" for x in data["assumptions"]]
    return "\n".join(lines) + "\n"


def publish(data: dict[str, Any] | None = None) -> SlaVersion:
    """The current version for the policy, publishing a new one when the policy changed."""
    data = data if data is not None else current_policy_data()
    body = sla_markdown(data)
    digest = hashlib.sha256((body + json.dumps(data, sort_keys=True)).encode("utf-8")).hexdigest()
    for _attempt in range(3):
        latest = SlaVersion.objects.order_by("-number").first()
        if latest is not None and latest.content_hash == digest:
            return latest
        try:
            with transaction.atomic():
                return SlaVersion.objects.create(
                    number=(latest.number + 1) if latest else 1,
                    policy_id=str(data.get("id", "")),
                    content_hash=digest,
                    body=body,
                    policy_data=data,
                )
        except IntegrityError:
            continue  # another request published that number first: look again
    raise RuntimeError("could not publish the SLA article")


def windows_in_zones(
    data: dict[str, Any], reader_zone: str, now: datetime | None = None
) -> list[dict[str, str]]:
    """Each weekly window's next occurrence (or the one in progress), in the policy's zone and
    in the reader's. The engine places the window, DST rules and `24:00` included."""
    maintenance = policy_from_data(data).availability.maintenance
    policy_zone = ZoneInfo(maintenance.timezone)
    reader = ZoneInfo(reader_zone)
    at = to_epoch(now or datetime.now(policy_zone))
    out = []
    for window in maintenance.weekly:
        schedule = MaintenanceSchedule(timezone=maintenance.timezone, weekly=(window.to_window(),))
        starts, ends = schedule.intervals(at - 8 * DAY, at + 8 * DAY)
        upcoming = [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b > at]
        if not upcoming:  # a window a DST gap swallows this week and next
            continue
        start = epoch_to_local(upcoming[0][0], policy_zone)
        end = epoch_to_local(upcoming[0][1], policy_zone)
        rs, re_ = start.astimezone(reader), end.astimezone(reader)
        out.append(
            {
                "policy": f"{DAY_NAMES[start.weekday()]} {start:%H:%M}–{end:%H:%M} "
                f"{start.tzname()} ({maintenance.timezone})",
                "reader": f"{DAY_NAMES[rs.weekday()]} {rs:%H:%M}–{re_:%H:%M} "
                f"{rs.tzname()} ({reader_zone})",
                "date": f"{start:%Y-%m-%d}",
            }
        )
    return out
