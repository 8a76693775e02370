"""How the server-rendered pages show times, spans of time and percentages to a person.

Every instant is shown in the viewer's time zone with the zone named ("Mon 9 Mar 2026 13:00
PDT"); the machine-readable UTC value goes in the `datetime` attribute of a `<time>` element.
Spans of support time are shown in hours and minutes, and in days (of 24 hours of counted
time) once they reach a day. Each format follows the active language ("Mo., 9. März 2026,
13:00 PDT", "3 Tage 4 Std.", "99,95 %" in German); exports and the API never come here. No
arithmetic on instants happens here: the engine computes them, this module only formats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat, formats
from django.utils.translation import ngettext, pgettext

from accord.engine.errors import EngineError
from accord.engine.timeutil import zone

UTC_ZONE = "UTC"
DAY_SECONDS = 24 * 3600
# From this many days on, a span is shown in whole days ("88 days"), the hours being noise.
WHOLE_DAYS_FROM = 10


def vendor_zone() -> str:
    """The vendor's default zone: that of staff who have not chosen one."""
    return str(getattr(settings, "ACCORD_VENDOR_TIMEZONE", UTC_ZONE) or UTC_ZONE)


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


def recipient_language(person: object) -> str:
    """The language a person's emails are written in: theirs (`User.language`), else the
    site's default (`LANGUAGE_CODE`)."""
    return str(getattr(person, "language", "") or settings.LANGUAGE_CODE)


def zone_abbreviation(moment: datetime) -> str:
    """The zone's name at that instant: "PDT", "GMT", or "UTC+04" where the zone has none."""
    name = moment.tzname() or ""
    if name[:1] in ("+", "-"):
        return f"UTC{name}"
    return name


def format_when(moment: datetime, zone_name: str) -> str:
    """ "Mon 9 Mar 2026 13:00 PDT": the instant in the zone, the zone named, in the active
    language's words and order."""
    local = moment.astimezone(ZoneInfo(zone_name))
    # Translators: a Django date format (D weekday, j day, M month, Y year, H:i time).
    pattern = pgettext("instant shown on a page", "D j M Y H:i")
    return f"{dateformat.format(local, pattern)} {zone_abbreviation(local)}"


def format_weekday_time(moment: datetime, zone_name: str) -> str:
    """ "Mon 08:00 PST": a near instant (within the week), its weekday, the zone named."""
    local = moment.astimezone(ZoneInfo(zone_name))
    pattern = pgettext("near instant shown on a page", "D H:i")
    return f"{dateformat.format(local, pattern)} {zone_abbreviation(local)}"


def format_iso_utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(UTC_ZONE)).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_span(seconds: int | None) -> str:
    """A span of (support) time: "20 min", "3 h 20 min", "3 days 4 h", "88 days".

    Under a day: hours and minutes (seconds dropped). From a day: days and whole hours; from
    WHOLE_DAYS_FROM days: days alone, rounded to the nearest day. A day is 24 hours of counted
    time, not a calendar day. The sign is the caller's to say ("over by …")."""
    if seconds is None:
        return "—"
    total = abs(int(seconds))
    if total >= WHOLE_DAYS_FROM * DAY_SECONDS:
        days = (total + DAY_SECONDS // 2) // DAY_SECONDS
        return _days(days)
    minutes = total // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{_days(days)} {_hours(hours)}" if hours else _days(days)
    if hours:
        return f"{_hours(hours)} {_minutes(minutes)}"
    return _minutes(minutes)


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _hours(n: int) -> str:
    return pgettext("hours of a span, abbreviated", "%(n)d h") % {"n": n}


def _minutes(n: int) -> str:
    return pgettext("minutes of a span, abbreviated", "%(n)d min") % {"n": n}


def format_percent(value: Any) -> str:
    """ "99.95%" ("99,95 %" in German): a percentage string as it stands, digits kept (the
    engine decided the rounding); "—" when there is none."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    text = f"{number:f}"
    decimal_sign = str(formats.get_format("DECIMAL_SEPARATOR"))
    if decimal_sign != ".":
        text = text.replace(".", decimal_sign)
    return pgettext("a percentage", "%(number)s%%") % {"number": text}
