"""Reading external monitors' webhook payloads into plain alert events.

Two formats (docs/monitoring.md shows both with examples):

* Prometheus Alertmanager's webhook, payload version 4: `{"version": "4", "status":
  "firing"|"resolved", "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
  "fingerprint", ...}], ...}`. Each alert is one event; an alert's own `status` decides
  (a grouped notification can hold firing and resolved alerts), the group's `status` is the
  fallback. A resolved alert ends at its `endsAt`.
* The generic JSON webhook: `{"module", "region", "status": "down"|"up", "at", "id"}`, one
  event per request (or a list of such objects). `module`/`region` may be left out when the
  source has a default module-region, `at` when the monitor cannot send a time (the time
  Accord received it is used), `id` when the source watches one thing only.

Nothing here touches the database: `PayloadError` names the field at fault, and the caller
answers 400 with it. Times are parsed here (RFC 3339 / ISO 8601 with an offset) and handed on
as aware UTC datetimes in whole seconds: fractions (Go sends nanoseconds) are dropped, never
rounded, as everywhere in the engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from accord.engine import timeutil
from accord.engine.errors import EngineError

# Go's zero time: Alertmanager sends it as the `endsAt` of a firing alert.
_ZERO_YEAR = 1
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})",
    re.ASCII,
)
MAX_ALERTS = 1000
MAX_LABEL = 200


class PayloadError(ValueError):
    """A webhook payload that cannot be used: `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AlertEvent:
    """One alert from an external monitor: `firing` (down) or not (resolved, up).

    `key` identifies the alert across deliveries (fingerprint or monitor id); `start` is when
    it began (Alertmanager's startsAt; for the generic webhook the `at` of a "down"), `end`
    when it ended (resolved alerts and "up"s). `labels` are used to find the module-region;
    `where` is the field path for errors about them.
    """

    where: str
    key: str
    firing: bool
    start: datetime | None
    end: datetime | None
    labels: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""


def parse_time(value: object, where: str) -> datetime:
    """An RFC 3339 timestamp with an offset or `Z`, as an aware UTC datetime."""
    if not isinstance(value, str):
        raise PayloadError(where, "must be an RFC 3339 timestamp string, e.g. 2026-03-11T08:15:00Z")
    match = _RFC3339.fullmatch(value.strip())
    if match is None:
        raise PayloadError(
            where, f"{value[:60]!r} is not an RFC 3339 timestamp with an offset or 'Z'"
        )
    zone_text = match["zone"].upper()
    try:
        # Whole seconds, fractions dropped, as the engine counts (accord.engine.timeutil).
        naive = datetime.fromisoformat(f"{match['date']}T{match['time']}")
        if zone_text == "Z":
            offset = UTC
        else:
            sign = -1 if zone_text[0] == "-" else 1
            digits = zone_text[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise ValueError("offset out of range")
            offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
        moment = naive.replace(tzinfo=offset)
    except (ValueError, OverflowError):
        raise PayloadError(where, f"{value[:60]!r} is not a valid date and time") from None
    if moment.year == _ZERO_YEAR and moment.utcoffset() == timedelta(0):
        return moment  # Go's zero time: "no time" (the callers say what that means)
    try:
        return timeutil.checked(moment, where)
    except EngineError as exc:
        raise PayloadError(where, exc.problem) from None


def load_json(body: bytes) -> Any:
    """The request body as JSON, or a PayloadError for the body as a whole."""
    if not body.strip():
        raise PayloadError("body", "is empty: send a JSON object")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError("body", f"is not valid JSON ({exc})") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(where, "must be a JSON object")
    return value


def _text(value: Any, where: str, *, required: bool = True, limit: int = MAX_LABEL) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise PayloadError(where, "must be a non-empty string")
    if len(value) > limit:
        raise PayloadError(where, f"must be at most {limit} characters")
    if "\x00" in value:
        raise PayloadError(where, "must not contain NUL characters")
    return value.strip()


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    labels = _object(value, where)
    for name, text in labels.items():
        if not isinstance(text, str):
            raise PayloadError(f"{where}.{name}", "must be a string (label values are strings)")
    return {str(name): text for name, text in labels.items()}


def parse_alertmanager(payload: Any) -> list[AlertEvent]:
    """The alerts of an Alertmanager webhook notification (payload version 4)."""
    data = _object(payload, "body")
    version = data.get("version")
    if version is not None and version != "4":
        raise PayloadError(
            "version", f'must be "4" (Alertmanager\'s webhook payload), not {version!r}'
        )
    group_status = data.get("status")
    if group_status not in ("firing", "resolved"):
        raise PayloadError("status", 'must be "firing" or "resolved"')
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError("alerts", "must be a non-empty list of alerts")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError("alerts", f"must hold at most {MAX_ALERTS} alerts")
    events = []
    for index, raw in enumerate(alerts):
        where = f"alerts[{index}]"
        alert = _object(raw, where)
        status = alert.get("status", group_status)
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{where}.status", 'must be "firing" or "resolved"')
        fingerprint = _text(alert.get("fingerprint"), f"{where}.fingerprint")
        start = parse_time(alert.get("startsAt"), f"{where}.startsAt")
        if start.year == _ZERO_YEAR:
            raise PayloadError(f"{where}.startsAt", "is Go's zero time: the alert has no start")
        end = None
        if status == "resolved":
            end = parse_time(alert.get("endsAt"), f"{where}.endsAt")
            if end.year == _ZERO_YEAR:
                raise PayloadError(f"{where}.endsAt", "a resolved alert needs its end time")
            if end < start:
                raise PayloadError(f"{where}.endsAt", "is before startsAt")
        labels = _labels(alert.get("labels"), f"{where}.labels")
        annotations = _labels(alert.get("annotations"), f"{where}.annotations")
        summary = annotations.get("summary") or labels.get("alertname", "")
        events.append(
            AlertEvent(
                where=where,
                key=fingerprint,
                firing=status == "firing",
                start=start,
                end=end,
                labels=labels,
                summary=summary[:500],
            )
        )
    return events


WEBHOOK_FIELDS = ("module", "region", "status", "at", "id")


def parse_webhook(payload: Any, *, received_at: datetime) -> list[AlertEvent]:
    """The events of a generic webhook: one object, or a list of them."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise PayloadError("body", "is an empty list: send at least one event")
    if len(items) > MAX_ALERTS:
        raise PayloadError("body", f"must hold at most {MAX_ALERTS} events")
    events = []
    for index, raw in enumerate(items):
        prefix = f"[{index}]." if isinstance(payload, list) else ""
        data = _object(raw, f"[{index}]" if prefix else "body")
        unknown = sorted(set(data) - set(WEBHOOK_FIELDS) - {"message"})
        if unknown:
            raise PayloadError(
                f"{prefix}{unknown[0]}",
                f"is not a field of the webhook format ({', '.join(WEBHOOK_FIELDS)}, message)",
            )
        status = data.get("status")
        if status not in ("down", "up"):
            raise PayloadError(f"{prefix}status", 'must be "down" or "up"')
        # A field left out (or null) takes its default; one sent must be valid.
        at = received_at
        if data.get("at") is not None:
            at = parse_time(data["at"], f"{prefix}at")
            if at.year == _ZERO_YEAR:
                raise PayloadError(f"{prefix}at", f"is not in {timeutil.RANGE_TEXT}")
        key = "default"
        if data.get("id") is not None:
            key = _text(data["id"], f"{prefix}id")
        labels = {}
        for name in ("module", "region"):
            if data.get(name) is not None:
                labels[name] = _text(data[name], f"{prefix}{name}")
        summary = _text(data.get("message"), f"{prefix}message", required=False, limit=500)
        events.append(
            AlertEvent(
                where=prefix.rstrip("."),
                key=key,
                firing=status == "down",
                start=at if status == "down" else None,
                end=at if status == "up" else None,
                labels=labels,
                summary=summary,
            )
        )
    return events
