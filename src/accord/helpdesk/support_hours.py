"""When a running clock counts again: outside support hours it is paused by the calendar, and
the pages say so ("Paused outside support hours — counting resumes Mon 08:00 PST") instead of
"Clock running". The instant is the engine's (`SupportCalendar.next_opening`); this module only
picks the calendar the clock counts on."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from accord.engine.calendar import SupportCalendar
from accord.engine.clocks import ClockRules
from accord.engine.timeutil import from_epoch


def counting_calendar(rules: ClockRules, severity: int | None) -> SupportCalendar:
    """The calendar a clock counts on: its severity's, or without one the least urgent
    severity's (the engine's rule in `accord.engine.clocks`: time used still counts then)."""
    if severity is None or severity not in rules.calendars:
        return rules.calendars[max(rules.calendars)]
    return rules.calendars[severity]


def counting_resumes_at(rules: ClockRules, severity: int | None, now: int) -> datetime | None:
    """For a running clock at `now` (epoch seconds): the next instant its calendar counts again
    when `now` is outside support hours, None inside them."""
    calendar = counting_calendar(rules, severity)
    opening = int(calendar.next_opening(np.asarray([now], dtype=np.int64))[0])
    return from_epoch(opening) if opening > now else None
