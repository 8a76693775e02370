"""The SLA article, rendered from the policy the engine enforces; every change is a new version."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import IntegrityError, transaction
from django.urls import reverse

from accord.engine.calendar import Duration, SupportCalendar
from accord.engine.maintenance import MaintenanceSchedule
from accord.engine.policy import policy_from_data, policy_to_data
from accord.engine.timeutil import DAY, epoch_to_local, local_to_epoch, to_epoch
from accord.helpcentre.models import SlaVersion
from accord.policies import status_policy

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_READER_ZONE = "America/Los_Angeles"


def current_policy_data() -> dict[str, Any]:
    return policy_to_data(status_policy())


def _target(target: dict[str, int]) -> str:
    parts = []
    for unit in ("days", "hours", "minutes"):
        n = int(target.get(unit, 0))
        if n:
            parts.append(f"{n} {unit if n != 1 else unit[:-1]}")
    return " ".join(parts) or "none"


# The starter articles the SLA links to (accord.helpcentre.starter writes them).
USE_SUPPORT = "how-to-use-support"
RAISE_TICKET = "how-to-raise-a-support-ticket"
SERVICE_MODEL = "service-model"

# A week the examples of the clock sections are worked in (Monday to Sunday). Only weekdays
# and clock times are printed; the engine does the arithmetic, as everywhere.
EXAMPLE_MONDAY = date(2026, 3, 2)


def _link(slug: str) -> str:
    return reverse("help_article", kwargs={"slug": slug})


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _always(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The severities counted around the clock."""
    if data["support_hours"].get("always"):
        return list(data["severities"])
    return [s for s in data["severities"] if s.get("calendar") == "always"]


def _levels(severities: list[dict[str, Any]]) -> str:
    names = [f"{s['level']} ({s['name']})" for s in severities]
    return ("Severity " if len(names) == 1 else "Severities ") + _and(names)


def _counted(data: dict[str, Any], severity: dict[str, Any]) -> str:
    return "around the clock (24×7)" if severity in _always(data) else "in support hours"


def _support_calendar(data: dict[str, Any]) -> SupportCalendar:
    """The policy's support hours as an engine calendar. `region` zones and holiday sets are
    the customer's; the examples need neither (clock times in any zone read the same)."""
    hours = data["support_hours"]
    zone_name = "UTC" if hours["timezone"] == "region" else hours["timezone"]
    if hours.get("always"):
        return SupportCalendar.twenty_four_seven(zone_name)
    return SupportCalendar.from_dict(
        {"timezone": zone_name, "weekly": hours["weekly"], "overrides": {}, "holidays": []},
        "support_hours",
    )


def _when(moment: datetime, start: datetime) -> str:
    later = (moment.date() - start.date()).days
    week = " of the following week" if later >= 7 - start.weekday() and later >= 7 else ""
    return f"{DAY_NAMES[moment.weekday()]}{week} at {moment:%H:%M}"


def _clock_examples(data: dict[str, Any]) -> list[str]:
    """Worked examples from the engine: a report outside support hours, and a target in
    support days and in hours."""
    counted = [s for s in data["severities"] if s not in _always(data)]
    if not counted:
        return []
    calendar = _support_calendar(data)
    tz = ZoneInfo(calendar.timezone)
    week = [EXAMPLE_MONDAY + timedelta(days=n) for n in range(7)]
    spans = {d: calendar.hours_on(d) for d in week}
    open_days = [d for d in week if spans[d]]
    if not open_days:
        return []
    out = []

    def at(day: date, seconds: int) -> datetime:
        return epoch_to_local(local_to_epoch(day, seconds, tz), tz)

    closed = [d for d in week if not spans[d]]
    outside = at(closed[0], 10 * 3600) if closed else None
    if outside is None and spans[open_days[0]][-1][1] <= 22 * 3600:
        outside = at(open_days[0], int(spans[open_days[0]][-1][1]) + 2 * 3600)
    if outside is not None:
        opens = epoch_to_local(
            int(calendar.next_opening(np.array([to_epoch(outside)], dtype=np.int64))[0]), tz
        )
        lines = f"{_levels(counted)} count support hours only: a fault reported on " + (
            f"{_when(outside, outside)} starts counting on {_when(opens, outside)}."
        )
        out.append(lines)
    first = open_days[0]
    first_start, first_end = (int(x) for x in spans[first][0])
    raised = at(first, max(first_start, first_end - 3 * 3600))
    in_days = [s for s in counted if s["target"].get("days")]
    if in_days:
        s = min(in_days, key=lambda s: (s["target"]["days"], s["level"]))
        due = calendar.add(raised, Duration(days=int(s["target"]["days"]))).astimezone(tz)
        out.append(
            f"A target in days counts support days, to the same time of day: Severity "
            f"{s['level']}'s {_target(s['target'])} from a report on {_when(raised, raised)} "
            f"end on {_when(due, raised)}."
        )
    in_hours = [s for s in counted if not s["target"].get("days")]
    if in_hours:
        s = max(in_hours, key=lambda s: s["level"])
        t = s["target"]
        length = Duration(seconds=int(t.get("hours", 0)) * 3600 + int(t.get("minutes", 0)) * 60)
        due = calendar.add(raised, length).astimezone(tz)
        out.append(
            f"Severity {s['level']}'s {_target(t)} from a report on {_when(raised, raised)} end "
            f"on {_when(due, raised)}."
        )
    return out


def clock_section(data: dict[str, Any]) -> list[str]:
    """What starts, stops and pauses the clock, from the policy (its calendars per severity,
    pausing, warnings) and the engine's rules (a temporary repair stops the clock, a reopened
    ticket resumes it)."""
    clock = data["clock"]
    lines = [
        "## What starts and stops the clock",
        "",
        "**It starts** when the fault is reported to the help desk, through any channel and "
        "at any hour.",
        "",
    ]
    always = _always(data)
    if always and len(always) == len(data["severities"]):
        lines += ["Every severity is counted around the clock (24×7), weekends included.", ""]
    elif always:
        lines += [
            f"{_levels(always)} {'is' if len(always) == 1 else 'are'} counted around the "
            "clock (24×7), nights, weekends and public holidays included.",
            "",
        ]
    lines += [x for example in _clock_examples(data) for x in (example, "")]
    lines += [
        "**It stops** when service is returned to working order, a temporary repair included: "
        "a workaround that lets you use the application again stops the clock. The permanent "
        "fix is tracked on the ticket after that, but is not on this clock.",
        "",
        "**It resumes** if the fault returns: the ticket is reopened and the clock continues "
        "with the time already used.",
        "",
        (
            "**It may be paused** by the help desk, with a reason on the ticket (for example "
            "while waiting for information only you can give); paused time does not count. "
            "It resumes where it stopped when you next comment on the ticket, or when the help "
            "desk resumes it."
            if clock.get("allow_pause")
            else "**It is never paused**: waiting for a reply does not stop it."
        ),
        "",
    ]
    warnings = [f"{w}%" for w in clock.get("warn_at_percent", [])]
    warned = (
        f"Support staff are warned when {_and(warnings)} of a ticket's target has been used."
        if warnings
        else "No warning is sent before a breach."
    )
    lines += [
        f"{warned} A breach is recorded the moment the target is exceeded, not when someone "
        "next looks.",
        "",
    ]
    return lines


def restoration_section(data: dict[str, Any]) -> list[str]:
    """What a customer can do about a "service restored" that did not hold (the policy's
    `clock.restoration_contest_hours`; docs/sla-model.md, "Contested restorations")."""
    hours = int(data["clock"].get("restoration_contest_hours", 24))
    lines = ["## If service was not really restored", ""]
    if hours == 0:
        return [
            *lines,
            "A restoration cannot be contested under these terms: if the fault is still "
            "there or comes back, reopen the ticket and the clock continues with the time "
            "already used.",
            "",
        ]
    window = f"{hours} hour{'s' if hours != 1 else ''}"
    return [
        *lines,
        f"If the ticket says service is restored but it is not, tell us within **{window}** "
        "(counted on the clock on the wall, nights and weekends included) with **Service not "
        "restored** on the ticket. The ticket goes back to in progress and the clock runs "
        "again from that moment while a support manager looks at it.",
        "",
        "If we agree the restoration never held, it is withdrawn: the clock counts from your "
        "report to the moment service really came back, the time in between included. If we "
        "maintain that service was restored, that time is not counted and your ticket keeps "
        "an open dispute, listed on your monthly SLA report. After the "
        f"{window}, reopen the ticket if the fault comes back.",
        "",
    ]


def severity_section(data: dict[str, Any]) -> list[str]:
    """Who designates severity and how a disagreement is settled; the levels from the
    policy."""
    names = [f"{s['level']} {s['name']}" for s in data["severities"]]
    levels = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    most = data["severities"][0]
    return [
        "## How severity is designated and disputed",
        "",
        f"You designate the severity ({levels}) when you report the fault, or as soon as "
        "practicable after. Its target counts from the time of the report, not from the time "
        "you designate it. Until then the ticket has no target.",
        "",
        "While we work on the fault you may change your designation, as soon as practicable "
        "after you see it is wrong. Once service has been restored (even if the ticket is "
        "reopened later) or the ticket is closed, or once both sides have agreed a severity, "
        "you can no longer change it on your own: a change is then only by agreement.",
        "",
        "An agreement always takes one person of each side. Either side proposes another "
        "severity, with a reason: our support staff, or you (the person who reported the "
        "fault, or one of your organisation's administrators). Our proposal is accepted or "
        "rejected by the reporter or one of your administrators; yours by one of our support "
        "managers. Nobody accepts their own proposal, and one proposal is open at a time. "
        "Until the other side accepts, the severity in force stands. An agreed severity applies "
        "from the time of the report, so the whole ticket is measured against its target"
        + (
            f" (a change to or from Severity {most['level']} also changes whether the clock "
            "counted around the clock)."
            if most in _always(data) and len(_always(data)) < len(data["severities"])
            else "."
        ),
        "",
        "Every designation, proposal, answer and agreement is kept in the ticket's history, "
        "with who and when; an agreement also records who proposed it, who accepted it, and "
        "the severity and the clock's figures before and after.",
        "",
    ]


def _tier(tier: dict[str, Any]) -> str:
    low, high = tier.get("lower"), tier.get("upper")
    below = "below" if not tier.get("upper_inclusive") else "at most"
    from_ = "from" if tier.get("lower_inclusive", True) else "above"
    if low is not None and high is not None:
        return f"{from_} {low}% to {below} {high}%"
    if high is not None:
        return f"{below} {high}%"
    return f"{from_} {low}%"


def credits_section(data: dict[str, Any]) -> list[str]:
    """The service credits (penalties) of the policy: the schedule a contract without its own
    gets, as the policy's assumptions say."""
    penalties = data.get("penalties") or {}
    tiers = penalties.get("uptime_tiers", [])
    breaches = penalties.get("breach_penalties", [])
    cap = penalties.get("cap") or {}
    currency = penalties.get("currency", "")
    if not (tiers or breaches):
        return []
    lines = ["## Service credits", ""]
    lines += [
        "Unless your contract sets its own, a missed commitment earns a service credit (a "
        "penalty the vendor pays), as a share of the month's fee:",
        "",
    ]
    if tiers:
        lines += ["| Monthly uptime of a module | Credit |", "|---|---|"]
        lines += [f"| {_tier(t)} | {t['credit_percent']}% of the monthly fee |" for t in tiers]
        lines.append("")
    if breaches:
        lines += ["| Ticket that breached its return-to-service target | Credit |", "|---|---|"]
        for b in breaches:
            amount = (
                f"{b['percent']}% of the monthly fee"
                if b.get("percent") is not None
                else f"{b.get('amount')} {currency}"
            )
            lines.append(f"| Severity {b['severity']} | {amount} each |")
        lines.append("")
    limits = []
    if cap.get("percent") is not None:
        limits.append(f"{cap['percent']}% of the monthly fee")
    if cap.get("amount") is not None:
        limits.append(f"{cap['amount']} {currency}")
    if limits:
        lines += [f"Credits in one month are capped at {' or '.join(limits)}.", ""]
    lines += ["Your monthly SLA report's penalty statement applies this schedule.", ""]
    return lines


def sla_markdown(data: dict[str, Any]) -> str:
    """The article's text (everything but the reader's own time zone, shown beside it)."""
    a = data["availability"]
    m = a["maintenance"]
    lines = [f"# {data['name']}", "", f"Source: {data.get('source', '')}", ""]
    lines += [
        f"Before you report a fault, read [How to use support]({_link(USE_SUPPORT)}) and "
        f"[How to raise a support ticket]({_link(RAISE_TICKET)}). "
        f"[Our service model]({_link(SERVICE_MODEL)}) explains how the service is run: "
        "regions, releases and maintenance.",
        "",
    ]
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
        "| Severity | Description | Target | Counted |",
        "|---|---|---|---|",
    ]
    for s in data["severities"]:
        lines.append(
            f"| {s['level']} – {s['name']} | {s['description']} | {_target(s['target'])} "
            f"| {_counted(data, s)} |"
        )
    lines += [
        "",
        *clock_section(data),
        *restoration_section(data),
        *severity_section(data),
        *credits_section(data),
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
        "Closed on the region's public holidays."
        if hours.get("region_holidays") and not hours.get("always")
        else "",
        "",
        "The help desk takes reports at any hour, every day: through the portal, by email and "
        "through the API. Support hours decide which of those hours count towards a target"
        + (
            f" ({_levels(_always(data))} counted around the clock)."
            if _always(data) and len(_always(data)) < len(data["severities"])
            else "."
        ),
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
    lines += ["", f"Read more about [our service model]({_link(SERVICE_MODEL)})."]
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
