"""How the server-rendered pages show times and spans of time to a person.

Every instant is shown in the viewer's time zone with the zone named ("Mon 9 Mar 2026 13:00
PDT"); the machine-readable UTC value goes in the `datetime` attribute of a `<time>` element.
Spans of support time are shown in hours and minutes. No arithmetic on instants happens here:
the engine computes them, this module only formats.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from accord.engine.errors import EngineError
from accord.engine.timeutil import zone

UTC_ZONE = "UTC"


def viewer_zone(user: object) -> str:
    """The IANA zone a user's pages are shown in (UTC for anonymous visitors)."""
    if getattr(user, "is_authenticated", False):
        name = getattr(user, "display_timezone", "") or UTC_ZONE
        try:
            zone(name)
        except EngineError:
            return UTC_ZONE  # a zone this installation does not know: say UTC, never guess
        return str(name)
    return UTC_ZONE


def zone_abbreviation(moment: datetime) -> str:
    """The zone's name at that instant: "PDT", "GMT", or "UTC+04" where the zone has none."""
    name = moment.tzname() or ""
    if name[:1] in ("+", "-"):
        return f"UTC{name}"
    return name


def format_when(moment: datetime, zone_name: str) -> str:
    """ "Mon 9 Mar 2026 13:00 PDT": the instant in the zone, the zone named."""
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {zone_abbreviation(local)}"


def format_iso_utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(UTC_ZONE)).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_span(seconds: int | None) -> str:
    """ "3 h 20 min" (support time is shown in hours and minutes, seconds dropped)."""
    if seconds is None:
        return "—"
    minutes = abs(int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
